using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.Households;

/// <summary><c>/api/v1/households</c>: a household (一户一码) and a community's households as scoped views (issue 15, item 4; docs/households.md).</summary>
internal static class HouseholdEndpoints
{
    public const string Tag = "Households";

    public static IServiceCollection AddHouseholds(this IServiceCollection services) => services
        .AddSingleton<HouseholdIndexState>()
        .AddSingleton<HouseholdSizes>()
        .AddSingleton<HouseholdService>()
        .AddSingleton<HouseholdIndexBackfill>()
        .AddHostedService(sp => sp.GetRequiredService<HouseholdIndexBackfill>());

    public static IEndpointRouteBuilder MapHouseholdEndpoints(this IEndpointRouteBuilder api)
    {
        var staff = UnitRoles.All.Where(r => r != UnitRoles.Resident).ToArray();
        var households = api.MapGroup("/households").WithTags(Tag).RequirePurpose().AddEndpointFilter(ApiAuthorization.RequireRole(staff));
        households.MapGet("", async Task<Results<Ok<HouseholdPage>, ProblemHttpResult>> (string? community, string? cursor, int? limit, CallerContext caller, RequestPurpose purpose, HouseholdService service, HttpContext http, CancellationToken ct) =>
                Map(await service.ListAsync(caller, purpose.Value, community, cursor, Math.Clamp(limit ?? HouseholdService.DefaultLimit, 1, HouseholdService.MaxLimit), ct), http))
            .WithName("ListHouseholds")
            .WithSummary("The households with members in a community (default: the caller's own), a page at a time, each member through the caller's view.")
            .WithDescription("A member is shown only where the caller's view serves `household_id` in the clear; members outside the caller's reach are absent. Pass `nextCursor` back as `cursor`. Every member shown is logged (action `household`). 503 `household_index_building` (with Retry-After) while an older store's household index is still being built.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        households.MapGet("/{code}", async Task<Results<Ok<HouseholdView>, ProblemHttpResult>> (string code, CallerContext caller, RequestPurpose purpose, HouseholdService service, HttpContext http, CancellationToken ct) =>
                Map(await service.GetAsync(caller, purpose.Value, code, ct), http))
            .WithName("GetHousehold")
            .WithSummary("One household by its code (户编号): each member within the caller's reach at the caller's fidelity, the head first.")
            .WithDescription("404 when no member is within the caller's reach, the same answer as for a code that does not exist. Every member shown is logged (action `household`).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static Results<Ok<T>, ProblemHttpResult> Map<T>(HouseholdOutcome<T> outcome, HttpContext http) => outcome switch
    {
        { Value: { } value } => TypedResults.Ok(value),
        { Refusal: HouseholdRefusal.Building } => Building(http, outcome.Detail),
        { Refusal: HouseholdRefusal.Invalid } => ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, outcome.Detail),
        _ => ProblemCatalog.Problem(ProblemCatalog.NotFound, outcome.Detail),
    };

    /// <summary>503 household_index_building with Retry-After: the one answer of every household read, count and move while an older store is indexed.</summary>
    public static ProblemHttpResult Building(HttpContext http, string? detail)
    {
        http.Response.Headers.RetryAfter = "10";
        return ProblemCatalog.Problem(ProblemCatalog.HouseholdIndexBuilding, detail);
    }
}
