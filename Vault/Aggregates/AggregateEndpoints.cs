using DataVault.Vault.Api;
using DataVault.Vault.Households;
using DataVault.Vault.Problems;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.Aggregates;

/// <summary><c>GET /api/v1/aggregates</c>: k-anonymous counts for upper levels (issue 5, item 3).</summary>
internal static class AggregateEndpoints
{
    public const string Tag = "Aggregates";

    public static IEndpointRouteBuilder MapAggregateEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/aggregates").WithTags(Tag).RequirePurpose();
        group.MapGet("", GetAsync)
            .WithName("GetAggregate")
            .WithSummary("Resident counts per jurisdiction below `within` down to `by`, optionally per category value of one field, k-anonymous with complementary suppression.")
            .WithDescription("`count=households` counts households instead (distinct household codes among the residents whose code the caller holds; no field), from the household index without opening a record. Counts only residents the caller's view reaches for the stated purpose (with `field`: residents whose field the caller holds; at `category` or more the columns are the field's category values, at `exists` only `recorded`/`unrecorded`). Every level between `within` and `by` is a row; a row's total is the sum of its cells and of its children. Counts from 1 to k−1 are suppressed (`count: null, suppressed: true`), and further cells are suppressed until no suppressed count can be computed from the published counts and sums. One access-log entry (resident `@<within>`, no values) is written before the answer. `within` outside the caller's jurisdiction is 404.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task<Results<Ok<AggregateReport>, ProblemHttpResult>> GetAsync(
        string? within, string? by, string? field, string? count, CallerContext caller, RequestPurpose purpose, AggregateQuery query, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await query.RunAsync(caller, purpose.Value, within, by, field, cancellationToken, count);
        return outcome switch
        {
            { Report: { } report } => TypedResults.Ok(report),
            { Refusal: AggregateRefusal.NotFound } => ProblemCatalog.Problem(ProblemCatalog.NotFound, outcome.Detail),
            { Refusal: AggregateRefusal.Forbidden } => ProblemCatalog.Problem(ProblemCatalog.Forbidden, outcome.Detail),
            { Refusal: AggregateRefusal.Building } => HouseholdEndpoints.Building(http, outcome.Detail),
            _ => ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, outcome.Detail),
        };
    }
}
