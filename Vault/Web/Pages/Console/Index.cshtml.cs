using DataVault.Vault.PolicyStore;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>Policies: the version in force, the history of versions, a diff between two, and rollback (which drafts a new version).</summary>
internal sealed class IndexModel(PolicyRuntime policy, PolicyStoreService store) : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Console;

    public PolicySnapshot Current { get; private set; } = null!;

    public IReadOnlyList<PolicyVersionSummary> History { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public PolicyDiff? Diff { get; private set; }

    /// <summary>The running version's time-windowed rules, with their state now.</summary>
    public IReadOnlyList<PolicyImpactWindow> Windows { get; private set; } = [];

    public string? Problem { get; private set; }

    [BindProperty(SupportsGet = true)] public int? From { get; set; }

    [BindProperty(SupportsGet = true)] public int? To { get; set; }

    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostRollbackAsync(int number, string? note, CancellationToken cancellationToken)
    {
        var outcome = await store.RollbackAsync(number, Me.Subject, note, cancellationToken);
        if (outcome.Value is { } draft)
        {
            return Redirect($"/console/drafts/{draft.Id}");
        }
        Problem = outcome.Detail;
        Response.StatusCode = outcome.Problem?.Status ?? StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Current = policy.Current;
        if (Current.StoreVersion > 0 && await store.GetVersionAsync(Current.StoreVersion, cancellationToken) is { } running)
        {
            Windows = store.WindowsOf(running.PolicyText);
        }
        // A hand-edited cursor shows the newest page with a note rather than an error page.
        var page = await store.ListVersionsAsync(Cursor, 20, cancellationToken);
        if (page is null)
        {
            Problem ??= "分页游标无效，已显示最新版本 / The page link was not valid; showing the newest versions.";
            page = (await store.ListVersionsAsync(null, 20, cancellationToken))!;
        }
        History = page.Items;
        NextCursor = page.NextCursor;
        if (From is { } from && To is { } to)
        {
            var diff = await store.DiffAsync(from, to, cancellationToken);
            Diff = diff.Value;
            Problem ??= diff.Detail;
        }
    }
}
