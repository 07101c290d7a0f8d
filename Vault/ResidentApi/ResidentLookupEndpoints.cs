using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using DataVault.Vault.Residents;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.ResidentApi;

/// <summary>A lookup: exactly one of an ID number or a phone number. Sent in the body so it never lands in a URL or an access log of a proxy.</summary>
public sealed record ResidentLookupRequest(string? IdNumber, string? Phone);

/// <summary>
/// The residents a lookup found within the caller's reach (a shared phone may find several), and those
/// found but withheld because their record failed its integrity check.
/// </summary>
public sealed record ResidentLookupResult(IReadOnlyList<ResidentView> Items, IReadOnlyList<WithheldResident> Withheld);

/// <summary><c>POST /api/v1/residents/lookup</c>: find residents by ID number or phone through the blind index.</summary>
internal static class ResidentLookupEndpoints
{
    /// <summary>At most this many residents answer one phone number (a household line, a care worker's phone).</summary>
    public const int MaxPhoneMatches = 20;

    public static RouteGroupBuilder MapResidentLookupEndpoints(this RouteGroupBuilder residents)
    {
        residents.MapPost("/lookup", LookupAsync)
            .WithName("LookupResident")
            .WithSummary("Find residents within reach by ID number or phone (blind index), each at the caller's view.")
            .WithDescription("Body: exactly one of `idNumber` or `phone`. Matches outside the caller's reach are silently left out; none within reach is 404. Rate-limited per caller (`ResidentApi:LookupsPerMinute`, default 30): over the limit is 429 `rate_limited` with Retry-After. The value looked up is never echoed or logged; every resident served is logged (action `read`). A match whose record fails its integrity check is listed under `withheld` (`record_integrity_failed`); when only such matches exist the answer is 500 `record_integrity_failed`.")
            .RequireRateLimiting(ResidentApiSetup.LookupPolicy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return residents;
    }

    private static async Task<Results<Ok<ResidentLookupResult>, ProblemHttpResult>> LookupAsync(
        ResidentLookupRequest request, CallerContext caller, RequestPurpose purpose, ResidentReader reader, ResidentViews views,
        ILogger<ResidentApiLog> logger, CancellationToken cancellationToken)
    {
        var byId = !string.IsNullOrWhiteSpace(request.IdNumber);
        var byPhone = !string.IsNullOrWhiteSpace(request.Phone);
        if (byId == byPhone)
        {
            return ResidentApiProblems.Validation([new("idNumber", "exactly one of idNumber or phone is required")]);
        }
        var value = byId ? request.IdNumber! : request.Phone!;
        if (value.Length > 64)
        {
            return ResidentApiProblems.Validation([new(byId ? "idNumber" : "phone", "too long")]);
        }

        var found = byId
            ? await reader.LookupByIdNumberAsync(value, cancellationToken)
            : await reader.FindByPhoneAsync(value, MaxPhoneMatches, cancellationToken);
        var served = found.Residents.Count == 0 ? [] : await views.ServeAsync(caller, purpose.Value, AccessAction.Read, found.Residents, cancellationToken);
        var withheld = await views.WithheldWithinReachAsync(caller, purpose.Value, found.Withheld, cancellationToken);
        ResidentApiLog.Lookup(logger, caller.Subject, byId ? "id_number" : "phone", served.Count);
        if (served.Count == 0 && withheld.Count > 0)
        {
            // Only damaged records matched: refused as a single read would be, never a 404 that says "not registered".
            return ProblemCatalog.Problem(ProblemCatalog.RecordIntegrityFailed,
                "找到的记录未通过完整性校验，未提供任何数据 / The matching record failed its integrity check: nothing was served.",
                new Dictionary<string, object?> { ["withheld"] = withheld });
        }
        return served.Count == 0 ? ResidentEndpoints.NotFound() : TypedResults.Ok(new ResidentLookupResult(served, withheld));
    }
}
