using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.Feed;

/// <summary><c>GET /api/v1/feed</c>: the scoped change feed for department systems that keep their own copy (issue 15, item 2; docs/feed.md).</summary>
internal static class FeedEndpoints
{
    public const string Tag = "Change feed";

    public static IServiceCollection AddChangeFeed(this IServiceCollection services) => services.AddSingleton<ChangeFeed>();

    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder api)
    {
        var staff = UnitRoles.All.Where(r => r != UnitRoles.Resident).ToArray();
        api.MapGet("/feed", async Task<Results<Ok<FeedPage>, ProblemHttpResult>> (string? cursor, string? from, int? limit, CallerContext caller, RequestPurpose purpose, ChangeFeed feed, CancellationToken ct) =>
            {
                if (from is not (null or "start" or "now"))
                {
                    return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "from: start 或 now / 'from' is start or now.");
                }
                var (page, problem) = await feed.ReadAsync(caller, purpose.Value, cursor, from == "now", Math.Clamp(limit ?? ChangeFeed.DefaultLimit, 1, ChangeFeed.MaxLimit), ct);
                return page is null ? ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, problem) : TypedResults.Ok(page);
            })
            .WithTags(Tag)
            .RequirePurpose()
            .AddEndpointFilter(ApiAuthorization.RequireRole(staff))
            .WithName("ReadChangeFeed")
            .WithSummary("Changes to residents within the caller's reach since a cursor, in commit order, each through the caller's view for the stated purpose.")
            .WithDescription("Without `cursor`: from the first journalled change (`from=start`, default) or from now (`from=now`: no changes, just a cursor). Always pass the returned `cursor` next, and store it only after you have stored the changes (at least once). " +
                "Kinds: `created`, `updated` (only the changed fields you may see), `moved_in`, `moved_out` (no data: drop your copy). `resident` is the current view of those fields, so its version may be newer than the change's. Each delivery is logged to the resident (action `feed`). `caughtUp` is true when the journal was read to its end.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }
}
