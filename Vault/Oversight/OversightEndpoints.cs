using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Me;
using DataVault.Vault.Oversight.Sealing;
using DataVault.Vault.Oversight.Snooping;
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

        oversight.MapGet("/alerts", async Task<Results<Ok<SnoopingAlertPage>, ProblemHttpResult>> (string? status, string? cursor, int? limit, CallerContext caller, SnoopingAlerts alerts, CancellationToken ct) =>
                !QueueCursor.TryDecode(cursor, out var after) ? AccessLog.AccessLogEndpoints.BadCursor()
                : status is not (null or SnoopingAlertRow.Open or SnoopingAlertRow.Upheld or SnoopingAlertRow.Dismissed) ? ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "status: open, upheld or dismissed")
                : TypedResults.Ok(await alerts.ListAsync(caller, status, after, Math.Clamp(limit ?? 50, 1, 200), ct)))
            .WithName("ListSnoopingAlerts")
            .WithSummary("The district's snooping alerts, newest first, cursor-paged; `status` = open, upheld or dismissed.")
            .WithDescription("Each alert names its rule (policies/snooping-rules.csv), the caller, the Beijing day, the residents concerned, the figure measured against the threshold, a summary and the evidence entries (logId:index). Counts and ids only, never a field value.");
        oversight.MapGet("/alerts/{id}", async Task<Results<Ok<SnoopingAlertView>, ProblemHttpResult>> (string id, CallerContext caller, SnoopingAlerts alerts, CancellationToken ct) =>
                await alerts.GetAsync(caller, id, ct) is { } alert ? TypedResults.Ok(alert) : ProblemCatalog.Problem(ProblemCatalog.NotFound, $"没有告警 {id} / No alert {id}."))
            .WithName("GetSnoopingAlert")
            .WithSummary("One alert with each evidence entry and its RFC 6962 inclusion proof against the newest signed tree head.");
        oversight.MapPost("/alerts/{id}/close", async Task<Results<Ok<SnoopingAlertView>, ProblemHttpResult>> (string id, CloseAlert body, CallerContext caller, SnoopingAlerts alerts, CancellationToken ct) =>
                await alerts.CloseAsync(caller, id, body, ct) is var (alert, problem, detail) && problem is null ? TypedResults.Ok(alert!) : ProblemCatalog.Problem(problem!, detail))
            .WithName("CloseSnoopingAlert")
            .WithSummary("Close an open alert as `upheld` (the residents concerned are told, with the reason) or `dismissed`, with a reason of 10–1000 characters. Privacy officers only.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        oversight.MapPost("/alerts/scan", async Task<Results<Ok<SnoopingScan>, ProblemHttpResult>> (string? day, CallerContext caller, SnoopingScanner scanner, TimeProvider time, CancellationToken ct) =>
            {
                if (AccessLog.AccessLogEndpoints.DistrictOf(caller, UnitRoles.PrivacyOfficer) is not { } district)
                {
                    return ProblemCatalog.Problem(ProblemCatalog.Forbidden, "只有隐私官可以发起扫描 / Only privacy officers start a scan.");
                }
                var judged = SnoopingDetector.DayOf(time.GetUtcNow());
                if (day is not null && !DateOnly.TryParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out judged))
                {
                    return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "day: yyyy-MM-dd (Beijing)");
                }
                return TypedResults.Ok(await scanner.ScanAsync(district, judged, ct));
            })
            .WithName("ScanForSnooping")
            .WithSummary("Run the snooping rules now over the district's log for one Beijing day (`day=yyyy-MM-dd`, default today); new findings join the queue (a finding already there is not added again). Privacy officers only.");

        var seals = api.MapGroup("/seals").WithTags(Tag)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        seals.MapPost("/", async Task<Results<Created<SealView>, ProblemHttpResult>> (SealRequest body, CallerContext caller, SealService service, CancellationToken ct) =>
                await service.RequestAsync(caller, body, ct) is var (seal, problem, detail) && problem is null ? TypedResults.Created($"/api/v1/seals#{seal!.Id}", seal) : ProblemCatalog.Problem(problem!, detail))
            .WithName("RequestSeal")
            .WithSummary("Ask to seal your unit's accesses to one resident from the resident's view for 1–90 days (`caseId`, `legalBasis`); a privacy officer of the district, not you, approves.")
            .WithDescription("While approved, the accesses are logged as usual (counted, provable) and shown to the resident as \"a sealed access, visible from DATE\" until the seal ends or is lifted (docs/oversight.md).");
        seals.MapGet("/", async (CallerContext caller, SealService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(caller, ct)))
            .WithName("ListSeals")
            .WithSummary("The district's seals (privacy officers, auditors) or your own requests, newest first.");
        seals.MapPost("/{id}/approve", async Task<Results<Ok<SealView>, ProblemHttpResult>> (string id, CallerContext caller, SealService service, CancellationToken ct) =>
                Map(await service.DecideAsync(caller, id, approve: true, ct)))
            .WithName("ApproveSeal")
            .WithSummary("Approve a pending seal (a privacy officer of its district, never its requester): it takes effect now, for its days.");
        seals.MapPost("/{id}/reject", async Task<Results<Ok<SealView>, ProblemHttpResult>> (string id, CallerContext caller, SealService service, CancellationToken ct) =>
                Map(await service.DecideAsync(caller, id, approve: false, ct)))
            .WithName("RejectSeal")
            .WithSummary("Reject a pending seal.");
        seals.MapPost("/{id}/lift", async Task<Results<Ok<SealView>, ProblemHttpResult>> (string id, LiftSeal body, CallerContext caller, SealService service, CancellationToken ct) =>
                Map(await service.LiftAsync(caller, id, body, ct)))
            .WithName("LiftSeal")
            .WithSummary("End an approved seal now, with a reason: its sealed accesses become visible to the resident at once.");
        return api;
    }

    private static Results<Ok<SealView>, ProblemHttpResult> Map((SealView? Seal, ProblemType? Problem, string? Detail) outcome) =>
        outcome.Problem is null ? TypedResults.Ok(outcome.Seal!) : ProblemCatalog.Problem(outcome.Problem, outcome.Detail);

    private static Results<Ok<T>, ProblemHttpResult> Map<T>(OversightOutcome<T> outcome) =>
        outcome.Problem is null ? TypedResults.Ok(outcome.Value!) : ProblemCatalog.Problem(outcome.Problem, outcome.Detail);
}
