using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.Oversight;

/// <summary>
/// <c>/api/v1/oversight</c>: questions privacy officers and auditors ask about access rights (issue
/// 16, items 2 and 3). Thin: each endpoint calls one <see cref="OversightService"/> method.
/// </summary>
internal static class OversightEndpoints
{
    public const string Tag = "Oversight";

    public static IEndpointRouteBuilder MapOversightEndpoints(this IEndpointRouteBuilder api)
    {
        var oversight = api.MapGroup("/oversight").WithTags(Tag)
            .AddEndpointFilter(ApiAuthorization.RequireRole(UnitRoles.PrivacyOfficer, UnitRoles.Auditor))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        oversight.MapGet("/explain", async Task<Results<Ok<DecisionExplanation>, ProblemHttpResult>> (
                string? role, string? jurisdiction, string? department, string? subject, string? field, string? purpose, string? resident, string? residentJurisdiction,
                CallerContext caller, OversightService service, CancellationToken ct) =>
                Map(await service.ExplainAsync(caller, new(role, jurisdiction, department, subject), field, purpose, resident, residentJurisdiction, ct)))
            .WithName("ExplainDecision")
            .WithSummary("Why a unit gets what it gets of one field of a resident (or of residents of a community or grid) for a purpose.")
            .WithDescription("Names the fidelity served and the right held, their source (policy, grant, break_glass), every policy line that matched with its file, line and the right it gives " +
                "(the deciding one marked), time windows, grant chains and break-glass, and notes with stable codes (docs/oversight.md). `subject` (a user id) adds that person's break-glass. " +
                "With `resident`, where the resident lives is read under the officer's own `audit` view and logged (action `explain`) before the answer; `residentJurisdiction` reads no resident.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        oversight.MapGet("/who-can-see", async Task<Results<Ok<WhoCanSeeAnswer>, ProblemHttpResult>> (
                string? field, string? resident, string? jurisdiction, CallerContext caller, OversightService service, CancellationToken ct) =>
                Map(await service.WhoCanSeeAsync(caller, field, resident, jurisdiction, ct)))
            .WithName("WhoCanSee")
            .WithSummary("Every unit that can see one field of a resident (or of the residents of a jurisdiction), at which right, for which purposes: policy, live grants, break-glass.")
            .WithDescription("Give `resident` (logged as an `explain` access) or `jurisdiction` (any node within yours). Each viewer names its deciding policy line or its grant chain / break-glass id, " +
                "and the residence jurisdictions (communities, grids) where it holds.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        oversight.MapGet("/what-can", async Task<Results<Ok<WhatCanAnswer>, ProblemHttpResult>> (
                string? role, string? jurisdiction, string? department, CallerContext caller, OversightService service, CancellationToken ct) =>
                Map(await service.WhatCanAsync(caller, new(role, jurisdiction, department, null), ct)))
            .WithName("WhatCanSee")
            .WithSummary("Everything one unit can see: field × purpose × right, over the fewest jurisdictions that cover where it holds; grants it received; break-glass its people hold now.");
        return api;
    }

    private static Results<Ok<T>, ProblemHttpResult> Map<T>(OversightOutcome<T> outcome) =>
        outcome.Problem is null ? TypedResults.Ok(outcome.Value!) : ProblemCatalog.Problem(outcome.Problem, outcome.Detail);
}
