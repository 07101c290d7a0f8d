using DataVault.Vault.PolicyStore;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>
/// One draft through its life: its text and what it changes from its base version, validation
/// errors with line and column, the dry-run impact on the real data, then submit, four-eyes review
/// and publication. Every decision is the store's (<see cref="PolicyStoreService"/>, the same calls
/// as the API): the page hides the approve button from the author, and the store refuses the
/// author's approval even when posted directly.
/// </summary>
internal sealed class DraftModel(PolicyStoreService store, PurposeCatalog purposes, ResidentSchema schema) : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Console;

    public PolicyDraftView? Draft { get; private set; }

    public PolicyValidation? Validation { get; private set; }

    public PolicyDiff? Changes { get; private set; }

    public PolicyImpact? Impact { get; private set; }

    /// <summary>The draft's time-windowed rules with their state now, so the author and the reviewer read each time limit plainly.</summary>
    public IReadOnlyList<PolicyImpactWindow> Windows { get; private set; } = [];

    public string? Problem { get; private set; }

    public string? ProblemCode { get; private set; }

    public IReadOnlyList<PolicyIssue> Issues { get; private set; } = [];

    public bool IsAuthor => Draft is not null && Draft.Author == Me.Subject;

    public LineFormModel LineForm => new(T, DraftsModel.Roles, DraftsModel.Departments, schema.Fields, DraftsModel.Fidelities, purposes.All, T["add_line"]);

    public string PurposeLabel(string code) => purposes.Find(code) is { } p ? T.Pick(p.LabelZh, p.LabelEn) : code;

    public string FieldLabel(string key) => schema.TryGet(key, out var f) ? T.Pick(f.LabelZh, f.LabelEn) : key;

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken) => await LoadAsync(id, cancellationToken);

    public Task<IActionResult> OnPostUpdateAsync(int id, DraftInput input, CancellationToken cancellationToken) =>
        ActAsync(id, store.UpdateDraftAsync(id, Me.Subject, input.ToRequest(), cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostSubmitAsync(int id, CancellationToken cancellationToken) =>
        ActAsync(id, store.SubmitAsync(id, Me.Subject, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostApproveAsync(int id, string? note, CancellationToken cancellationToken) =>
        ActAsync(id, store.ApproveAsync(id, Me.Subject, note, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostRejectAsync(int id, string? note, CancellationToken cancellationToken) =>
        ActAsync(id, store.RejectAsync(id, Me.Subject, note, cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostPublishAsync(int id, CancellationToken cancellationToken)
    {
        var outcome = await store.PublishAsync(id, Me.Subject, cancellationToken);
        return outcome.Value is not null ? Redirect($"/console/drafts/{id}") : await RefusedAsync(id, outcome.Problem, outcome.Detail, outcome.Issues, cancellationToken);
    }

    private async Task<IActionResult> ActAsync(int id, Task<PolicyOutcome<PolicyDraftView>> action, CancellationToken cancellationToken)
    {
        var outcome = await action;
        // Post/redirect/get, so a refresh never repeats a review.
        return outcome.Value is not null ? Redirect($"/console/drafts/{id}") : await RefusedAsync(id, outcome.Problem, outcome.Detail, outcome.Issues, cancellationToken);
    }

    private async Task<IActionResult> RefusedAsync(int id, Problems.ProblemType? problem, string? detail, IReadOnlyList<PolicyIssue>? issues, CancellationToken cancellationToken)
    {
        var page = await LoadAsync(id, cancellationToken);
        Problem = detail;
        ProblemCode = problem?.Code;
        Issues = issues ?? [];
        Response.StatusCode = problem?.Status ?? StatusCodes.Status400BadRequest;
        return page;
    }

    private async Task<IActionResult> LoadAsync(int id, CancellationToken cancellationToken)
    {
        Draft = await store.GetDraftAsync(id, cancellationToken);
        if (Draft is null)
        {
            return NotFound();
        }
        Validation = (await store.ValidateDraftAsync(id, cancellationToken)).Value;
        Windows = store.WindowsOf(Draft.PolicyText);
        if (await store.GetVersionAsync(Draft.BaseVersion, cancellationToken) is { } baseVersion)
        {
            Changes = PolicyTextDiff.Compare(Draft.BaseVersion, baseVersion.PolicyText, 0, Draft.PolicyText);
        }
        // The dry run is what a reviewer decides on: shown whenever the draft validates and is not yet published.
        if (Validation is { Valid: true } && Draft.Status != DraftStatus.Published)
        {
            Impact = (await store.ImpactAsync(id, cancellationToken)).Value;
        }
        return Page();
    }
}
