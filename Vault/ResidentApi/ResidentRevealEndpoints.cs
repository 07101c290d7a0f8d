using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.ResidentApi;

/// <summary>A reveal: which field, and why (recorded in the resident's access log, in the caller's words).</summary>
public sealed record RevealRequest(string? Field, string? Reason);

/// <summary>The clear value of one field, and where the reveal was logged.</summary>
public sealed record RevealedField(string Id, string Field, string? Value, bool Present, AccessLogReference Log);

/// <summary>
/// <c>POST /api/v1/residents/{id}/reveal</c>: the clear value of one field the caller holds in the clear
/// but is served masked (L4/L5, DESIGN.md "Field classification"), with a stated reason. The
/// access-log entry (action <c>reveal</c>, that one field at <c>clear</c>, the reason) is durable
/// before the value leaves.
/// </summary>
internal static class ResidentRevealEndpoints
{
    public const int MinReasonLength = 10;
    public const int MaxReasonLength = 500;

    public static RouteGroupBuilder MapResidentRevealEndpoints(this RouteGroupBuilder residents)
    {
        residents.MapPost("/{id}/reveal", RevealAsync)
            .WithName("RevealResidentField")
            .WithSummary("The clear value of one field listed in the caller's `revealable`, with a reason; always logged first.")
            .WithDescription("Body `{\"field\": key, \"reason\": text}` (reason at least 10 characters, kept in the resident's access log). A field not in the caller's `revealable` list is 403 `reveal_not_allowed`; a resident outside reach is 404. The reason must say something (not one character or a short pattern repeated, not only digits and symbols). At most ResidentApi:RevealsPerMinute (default 10) per caller and ResidentApi:RevealsPerResidentPerHour (default 20) per resident whoever asks; beyond, 429 `rate_limited` with Retry-After.")
            .WithMetadata(LimitedAction.Reveal)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return residents;
    }

    private static async Task<Results<Ok<RevealedField>, ProblemHttpResult>> RevealAsync(
        string id, RevealRequest request, CallerContext caller, RequestPurpose purpose, ResidentSchema schema,
        ResidentViews views, AccessLogWriter log, ILogger<ResidentApiLog> logger, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new List<FieldProblem>();
        if (string.IsNullOrWhiteSpace(request.Field) || !schema.TryGet(request.Field, out _))
        {
            errors.Add(new FieldProblem("field", "must be a field key of the resident schema"));
        }
        var reason = request.Reason?.Trim() ?? "";
        if (ReasonText.Problem(reason, MinReasonLength, MaxReasonLength) is { } reasonProblem)
        {
            errors.Add(new FieldProblem("reason", reasonProblem));
        }
        if (errors.Count > 0)
        {
            return ResidentApiProblems.Validation(errors);
        }

        if (await views.FindWithinReachAsync(caller, purpose.Value, id, cancellationToken) is not (var stored, var access))
        {
            return ResidentEndpoints.NotFound();
        }
        var field = access.Find(request.Field!);
        if (field is not { Revealable: true })
        {
            return ProblemCatalog.Problem(ProblemCatalog.RevealNotAllowed,
                "您的视图不允许查看该字段明文 / Your view does not list this field as revealable for this purpose.");
        }

        var entry = ResidentViews.LogEntry(access, AccessAction.Reveal, [new ServedField(field.Field.Key, Fidelity.Clear.Name())]) with { Reason = reason };
        var receipt = await log.AppendAsync(entry, cancellationToken);
        ResidentApiLog.Revealed(logger, field.Field.Key, id, caller.Subject, receipt.LogId, receipt.Index);
        var value = stored.Values.GetValueOrDefault(field.Field.Key);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new RevealedField(id, field.Field.Key, value, value is not null, new AccessLogReference(receipt.LogId, receipt.Index)));
    }
}
