using DataVault.Vault.Api;
using DataVault.Vault.Grants;
using DataVault.Vault.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.BreakGlass;

/// <summary>
/// A break-glass request as the API shows it. <see cref="Status"/> is pending, active, expired or
/// rejected; <see cref="Review"/> is pending_review once approved, then justified or unjustified.
/// </summary>
public sealed record BreakGlassView(
    string Id,
    string DistrictCode,
    string ResidentId,
    string CaseId,
    string Reason,
    int Minutes,
    string RequesterSubject,
    string RequesterUnit,
    string RequesterRole,
    DateTimeOffset RequestedAt,
    string Status,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? ExpiresAt,
    string? Review,
    string? ReviewNote,
    string? ReviewedBy,
    DateTimeOffset? ReviewedAt);

/// <summary>One page of break-glass requests; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record BreakGlassPage(IReadOnlyList<BreakGlassView> Items, string? NextCursor);

/// <summary><c>/api/v1/break-glass</c>: request, approve or reject, list and review emergency access.</summary>
internal static class BreakGlassEndpoints
{
    public const string Tag = "Break-glass";
    private const int MaxPage = 200;
    private static readonly string[] Statuses = ["pending", "active", "expired", "rejected", "pending_review", "reviewed"];

    public static IEndpointRouteBuilder MapBreakGlassEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/break-glass").WithTags(Tag);
        group.MapPost("/", RequestAsync)
            .WithName("RequestBreakGlass")
            .WithSummary("Ask for emergency access to one resident within your territory, naming a case and a reason.")
            .WithDescription("Creates a pending request and records it in the resident's access log. A privacy officer of the resident's district (not you) must approve it; it is then active for `minutes` (default 60). A resident outside your territory is 404.")
            .Produces<BreakGlassView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/", ListAsync)
            .WithName("ListBreakGlass")
            .WithSummary("Break-glass requests, newest first: the district's for its privacy officers and auditors, your own for anyone else.")
            .WithDescription("`status`: pending, active, expired, rejected, pending_review (the review queue) or reviewed. Cursor-paged.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/{id}", ReadAsync)
            .WithName("ReadBreakGlass")
            .WithSummary("One break-glass request: for its requester and the district's privacy officers and auditors.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/approve", (string id, CallerContext caller, BreakGlassService service, TimeProvider time, CancellationToken ct) =>
                DecideAsync(id, caller, service, time, approve: true, note: null, ct))
            .WithName("ApproveBreakGlass")
            .WithSummary("Approve a pending break-glass (a privacy officer of the resident's district, never the requester: 403 self_approval).")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id}/reject", (string id, BreakGlassRejection? body, CallerContext caller, BreakGlassService service, TimeProvider time, CancellationToken ct) =>
                DecideAsync(id, caller, service, time, approve: false, note: body?.Note, ct))
            .WithName("RejectBreakGlass")
            .WithSummary("Reject a pending break-glass.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id}/review", ReviewAsync)
            .WithName("ReviewBreakGlass")
            .WithSummary("Close the review of an approved break-glass: justified or unjustified (which also ends it at once), with a note.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Created<BreakGlassView>, ProblemHttpResult>> RequestAsync(
        BreakGlassRequest request, CallerContext caller, BreakGlassService service, TimeProvider time, CancellationToken cancellationToken)
    {
        var result = await service.RequestAsync(caller, request, cancellationToken);
        return result.Row is { } row ? TypedResults.Created($"/api/v1/break-glass/{row.Id}", View(row, time.GetUtcNow())) : Problem(result);
    }

    private static async Task<Results<Ok<BreakGlassView>, ProblemHttpResult>> DecideAsync(
        string id, CallerContext caller, BreakGlassService service, TimeProvider time, bool approve, string? note, CancellationToken cancellationToken)
    {
        var result = await service.DecideAsync(caller, id, approve, note, cancellationToken);
        return result.Row is { } row ? TypedResults.Ok(View(row, time.GetUtcNow())) : Problem(result);
    }

    private static async Task<Results<Ok<BreakGlassView>, ProblemHttpResult>> ReviewAsync(
        string id, BreakGlassReview review, CallerContext caller, BreakGlassService service, TimeProvider time, CancellationToken cancellationToken)
    {
        var result = await service.ReviewAsync(caller, id, review, cancellationToken);
        return result.Row is { } row ? TypedResults.Ok(View(row, time.GetUtcNow())) : Problem(result);
    }

    private static async Task<Results<Ok<BreakGlassView>, ProblemHttpResult>> ReadAsync(
        string id, CallerContext caller, BreakGlassService service, TimeProvider time, CancellationToken cancellationToken)
    {
        var row = await service.ReadAsync(caller, id, cancellationToken);
        return row is null
            ? ProblemCatalog.Problem(ProblemCatalog.NotFound, "没有您可见的该紧急访问 / No such break-glass visible to you.")
            : TypedResults.Ok(View(row, time.GetUtcNow()));
    }

    private static async Task<Results<Ok<BreakGlassPage>, ProblemHttpResult>> ListAsync(
        CallerContext caller, BreakGlassStore store, TimeProvider time, string? status, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var size = limit ?? 50;
        if ((status is not null && !Statuses.Contains(status)) || size is < 1 or > MaxPage)
        {
            return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, $"status: one of {string.Join(", ", Statuses)}; limit: 1 to {MaxPage}.");
        }
        (DateTime, string)? after = null;
        if (cursor is not null)
        {
            if (Cursor.Decode(cursor) is not { } position)
            {
                return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "cursor: pass back the nextCursor of the previous page.");
            }
            after = position;
        }
        var officer = BreakGlassService.IsOfficer(caller, caller.Jurisdiction, alsoAuditor: true);
        var now = time.GetUtcNow();
        var rows = await store.ListAsync(officer ? caller.Jurisdiction : null, officer ? null : caller.Subject, status, now.UtcDateTime, after, size + 1, cancellationToken);
        var items = rows.Take(size).Select(r => View(r, now)).ToList();
        var next = rows.Count > size ? Cursor.Encode(rows[size - 1].RequestedAt, rows[size - 1].Id) : null;
        return TypedResults.Ok(new BreakGlassPage(items, next));
    }

    private static ProblemHttpResult Problem(BreakGlassResult result) =>
        ProblemCatalog.Problem(result.Problem!, result.Detail, result.Errors is null ? null : new Dictionary<string, object?> { ["errors"] = result.Errors });

    public static BreakGlassView View(BreakGlassRow r, DateTimeOffset now)
    {
        var expires = r.ExpiresAt is { } e ? BreakGlassStore.Utc(e) : (DateTimeOffset?)null;
        var status = r.Status switch
        {
            BreakGlassStore.Approved => expires > now ? "active" : "expired",
            var other => other,
        };
        var review = r.ReviewOutcome ?? (r.Status == BreakGlassStore.Approved ? "pending_review" : null);
        return new BreakGlassView(
            r.Id, r.DistrictCode, r.ResidentId, r.CaseId, r.Reason, r.Minutes, r.RequesterSubject, r.RequesterUnit, r.RequesterRole,
            BreakGlassStore.Utc(r.RequestedAt), status, r.DecidedBy, r.DecidedAt is { } d ? BreakGlassStore.Utc(d) : null, expires,
            review, r.ReviewNote, r.ReviewedBy, r.ReviewedAt is { } v ? BreakGlassStore.Utc(v) : null);
    }
}
