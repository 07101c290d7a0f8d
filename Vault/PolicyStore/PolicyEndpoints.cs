using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.PolicyStore;

/// <summary>
/// <c>/api/v1/policy</c>: the policy lifecycle for privacy officers (whose tokens already need a second
/// factor); auditors may read versions and diffs. Thin: every endpoint calls one
/// <see cref="PolicyStoreService"/> method and maps its outcome.
/// </summary>
internal static class PolicyEndpoints
{
    public const string Tag = "Policy";

    public static IEndpointRouteBuilder MapPolicyEndpoints(this IEndpointRouteBuilder api)
    {
        var policy = api.MapGroup("/policy").WithTags(Tag)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        var read = policy.MapGroup("").AddEndpointFilter(ApiAuthorization.RequireRole(UnitRoles.PrivacyOfficer, UnitRoles.Auditor));
        var write = policy.MapGroup("").AddEndpointFilter(ApiAuthorization.RequireRole(UnitRoles.PrivacyOfficer));

        read.MapGet("/versions", async Task<Results<Ok<PolicyVersionPage>, ProblemHttpResult>> (string? cursor, int? limit, PolicyStoreService store, CancellationToken ct) =>
                await store.ListVersionsAsync(cursor, limit, ct) is { } page ? TypedResults.Ok(page) : AccessLog.AccessLogEndpoints.BadCursor())
            .WithName("ListPolicyVersions")
            .WithSummary("Published policy versions, newest first, cursor-paged.")
            .WithDescription("`limit` defaults to 20 (at most PolicyStore:MaxPageSize). Pass `nextCursor` back as `cursor` for the next page. `running` marks the version this node decides under.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        read.MapGet("/versions/{number:int}", async Task<Results<Ok<PolicyVersionDetail>, ProblemHttpResult>> (int number, PolicyStoreService store, CancellationToken ct) =>
                await store.GetVersionAsync(number, ct) is { } v ? TypedResults.Ok(v) : ProblemCatalog.Problem(ProblemCatalog.NotFound, $"没有策略版本 {number} / No policy version {number}."))
            .WithName("GetPolicyVersion")
            .WithSummary("One version: its hand-written policy.csv text, model, author, approver and times.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/versions/{from:int}/diff/{to:int}", async Task<Results<Ok<PolicyDiff>, ProblemHttpResult>> (int from, int to, PolicyStoreService store, CancellationToken ct) =>
                Map(await store.DiffAsync(from, to, ct)))
            .WithName("DiffPolicyVersions")
            .WithSummary("A line diff between two versions' policy text (added, removed, unchanged lines with both sides' numbers).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        write.MapPost("/versions/{number:int}/rollback", async Task<Results<Created<PolicyDraftView>, ProblemHttpResult>> (int number, [FromBody] PolicyReviewRequest? body, CallerContext caller, PolicyStoreService store, CancellationToken ct) =>
                Created(await store.RollbackAsync(number, caller.Subject, body?.Note, ct)))
            .WithName("RollBackPolicy")
            .WithSummary("Starts a rollback: a new draft whose text is version {number}'s. It is reviewed and published like any draft, becoming a new version.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        write.MapGet("/drafts", async (string? status, PolicyStoreService store, CancellationToken ct) => TypedResults.Ok(await store.ListDraftsAsync(status, ct)))
            .WithName("ListPolicyDrafts")
            .WithSummary("Drafts, newest first (at most 200), optionally with one status: draft, submitted, approved, rejected, published.");
        write.MapPost("/drafts", async Task<Results<Created<PolicyDraftView>, ProblemHttpResult>> (PolicyDraftRequest body, CallerContext caller, PolicyStoreService store, CancellationToken ct) =>
                Created(await store.CreateDraftAsync(caller.Subject, body, ct)))
            .WithName("CreatePolicyDraft")
            .WithSummary("A new draft: the whole policy text, or one form-built line appended to the base version's text.")
            .WithDescription("A line is `{role, jurisdiction (default *), department (default *), field (a key, cat:… or owner:…), fidelity, purpose, validFrom?, validUntil?}`. " +
                "A time window (ISO 8601 with offset; either side may be omitted) is written as the comment `# window: FROM/UNTIL` (Beijing time) on the line before the rule; " +
                "the rule decides only while validFrom <= now < validUntil, enforced on the first request past either instant. validUntil must be after validFrom and in the future, " +
                "and at most 366 days after validFrom (or now); otherwise validation_failed. In text, the same annotation may be written by hand (docs/policy-lifecycle.md, \"Time windows\").")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        write.MapGet("/drafts/{id:int}", async Task<Results<Ok<PolicyDraftView>, ProblemHttpResult>> (int id, PolicyStoreService store, CancellationToken ct) =>
                await store.GetDraftAsync(id, ct) is { } d ? TypedResults.Ok(d) : ProblemCatalog.Problem(ProblemCatalog.NotFound, $"没有草稿 {id} / No draft {id}."))
            .WithName("GetPolicyDraft")
            .WithSummary("One draft with its text and state.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPut("/drafts/{id:int}", async Task<Results<Ok<PolicyDraftView>, ProblemHttpResult>> (int id, PolicyDraftRequest body, CallerContext caller, PolicyStoreService store, CancellationToken ct) =>
                Map(await store.UpdateDraftAsync(id, caller.Subject, body, ct)))
            .WithName("UpdatePolicyDraft")
            .WithSummary("Replaces the draft's text (or appends a form line). Author only; a rejected draft returns to draft; a submitted or approved one cannot change.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        write.MapPost("/drafts/{id:int}/validate", async Task<Results<Ok<PolicyValidation>, ProblemHttpResult>> (int id, PolicyStoreService store, CancellationToken ct) =>
                Map(await store.ValidateDraftAsync(id, ct)))
            .WithName("ValidatePolicyDraft")
            .WithSummary("Every Casbin error and every privacy check, each with file, line and column.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        write.MapGet("/drafts/{id:int}/impact", async Task<Results<Ok<PolicyImpact>, ProblemHttpResult>> (int id, PolicyStoreService store, CancellationToken ct) =>
                Map(await store.ImpactAsync(id, ct)))
            .WithName("DryRunPolicyDraft")
            .WithSummary("Dry run on the real data: who gains and who loses which fields, for how many residents and officials, per community.")
            .WithDescription("Computed as of now (`asOf`): a windowed rule counts only if its window is open now. `windows` lists every windowed rule of the draft with its window, state (open, pending, closed) and an \"opens at / closes at\" sentence.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        write.MapPost("/drafts/{id:int}/submit", async Task<Results<Ok<PolicyDraftView>, ProblemHttpResult>> (int id, CallerContext caller, PolicyStoreService store, CancellationToken ct) =>
                Map(await store.SubmitAsync(id, caller.Subject, ct)))
            .WithName("SubmitPolicyDraft")
            .WithSummary("The author submits a valid draft for review.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        write.MapPost("/drafts/{id:int}/approve", async Task<Results<Ok<PolicyDraftView>, ProblemHttpResult>> (int id, [FromBody] PolicyReviewRequest? body, CallerContext caller, PolicyStoreService store, CancellationToken ct) =>
                Map(await store.ApproveAsync(id, caller.Subject, body?.Note, ct)))
            .WithName("ApprovePolicyDraft")
            .WithSummary("A second privacy officer approves a submitted draft (the author gets 403 self_approval).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        write.MapPost("/drafts/{id:int}/reject", async Task<Results<Ok<PolicyDraftView>, ProblemHttpResult>> (int id, [FromBody] PolicyReviewRequest? body, CallerContext caller, PolicyStoreService store, CancellationToken ct) =>
                Map(await store.RejectAsync(id, caller.Subject, body?.Note, ct)))
            .WithName("RejectPolicyDraft")
            .WithSummary("A second privacy officer rejects a submitted draft; its author may edit it again.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        write.MapPost("/drafts/{id:int}/publish", async Task<Results<Ok<PolicyVersionDetail>, ProblemHttpResult>> (int id, CallerContext caller, PolicyStoreService store, CancellationToken ct) =>
                Map(await store.PublishAsync(id, caller.Subject, ct)))
            .WithName("PublishPolicyDraft")
            .WithSummary("Publishes an approved draft as the next version, atomically; this node switches to it at once, the others within PolicyStore:PollInterval.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        write.MapGet("/coverage", async Task<Results<Ok<PolicyCoverage>, ProblemHttpResult>> (int? draft, PolicyStoreService store, CancellationToken ct) =>
                Map(await store.CoverageAsync(draft, ct)))
            .WithName("PolicyCoverage")
            .WithSummary("For every role × L4/L5 field: an explicit decision, an explicit denial (a `none` line), or a gap (only through cat:/owner:, or nothing). Of the newest version, or of `?draft=ID`.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static Results<Ok<T>, ProblemHttpResult> Map<T>(PolicyOutcome<T> outcome) =>
        outcome.Problem is null ? TypedResults.Ok(outcome.Value!) : Problem(outcome);

    private static Results<Created<PolicyDraftView>, ProblemHttpResult> Created(PolicyOutcome<PolicyDraftView> outcome) =>
        outcome.Problem is null ? TypedResults.Created($"/api/v1/policy/drafts/{outcome.Value!.Id}", outcome.Value) : Problem(outcome);

    private static ProblemHttpResult Problem<T>(PolicyOutcome<T> outcome) =>
        ProblemCatalog.Problem(outcome.Problem!, outcome.Detail, outcome.Issues is null ? null : new Dictionary<string, object?> { ["errors"] = outcome.Issues });
}
