using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.ResidentApi;

/// <summary>
/// One page of a list: the residents served (each already logged), the cursor of the next page (null
/// at the end), and the residents of the page withheld because their record failed its integrity check.
/// </summary>
public sealed record ResidentPage(IReadOnlyList<ResidentView> Items, string? NextCursor, IReadOnlyList<WithheldResident> Withheld);

/// <summary><c>GET /api/v1/residents?community=|street=|grid=</c>: cursor-paged lists within the caller's reach.</summary>
internal static class ResidentListEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>
    /// How many rows one request may scan to fill a page. Residents whose view is empty for the purpose
    /// are skipped and the page keeps filling, but not without end: past this, the page is returned
    /// short with a cursor, so one request never walks a whole district for a caller who sees nobody.
    /// </summary>
    public const int MaxScanned = 2_000;

    public static RouteGroupBuilder MapResidentListEndpoints(this RouteGroupBuilder residents)
    {
        residents.MapGet("", ListAsync)
            .WithName("ListResidents")
            .WithSummary("Residents of one community, street or grid within the caller's reach, a page at a time, each at the caller's view.")
            .WithDescription("Exactly one of `community`, `street`, `grid`. A jurisdiction that contains the caller's is narrowed to the caller's; one outside it is 404. Keyset-paged by id: follow `nextCursor` (opaque) until it is null. Residents whose view is empty for the purpose are left out. Every resident served is logged (action `list`) before the page is returned. A resident whose stored record fails its integrity check is not served: it is listed under `withheld` with code `record_integrity_failed` (and recorded as an integrity incident), and the page still answers.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return residents;
    }

    private static async Task<Results<Ok<ResidentPage>, ProblemHttpResult>> ListAsync(
        [FromQuery] string? community, [FromQuery] string? street, [FromQuery] string? grid, [FromQuery] int? limit, [FromQuery] string? cursor,
        CallerContext caller, RequestPurpose purpose, JurisdictionTree tree, ResidentReader reader, ResidentViews views, CancellationToken cancellationToken)
    {
        var (scope, problem) = ResidentScope.Resolve(tree, caller, community, street, grid);
        if (scope is null)
        {
            return problem!;
        }
        var size = limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            return ResidentApiProblems.Validation([new("limit", $"must be 1..{MaxLimit}")]);
        }
        string? after = null;
        if (cursor is not null && !scope.TryReadCursor(cursor, out after))
        {
            return ResidentApiProblems.Validation([new("cursor", "not a cursor issued for this list")]);
        }

        var items = new List<ResidentView>(size);
        var withheld = new List<WithheldResident>();
        var scanned = 0;
        var exhausted = false;
        while (items.Count < size && scanned < MaxScanned)
        {
            var want = size - items.Count;
            var records = await reader.PageRecordsAsync(scope.Filter, after, want, cancellationToken);
            scanned += records.Count;
            if (records.Count > 0)
            {
                var (served, damaged) = await views.ServeRecordsAsync(caller, purpose.Value, AccessAction.List, records, cancellationToken);
                items.AddRange(served);
                withheld.AddRange(damaged);
                after = records[^1].Id;
            }
            if (records.Count < want)
            {
                exhausted = true;
                break;
            }
        }
        return TypedResults.Ok(new ResidentPage(items, exhausted || after is null ? null : scope.Cursor(after), withheld));
    }
}
