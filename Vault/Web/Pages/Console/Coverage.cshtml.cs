using DataVault.Vault.PolicyStore;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>Coverage of the running policy: every role × L4/L5 field pair and the ones without an explicit decision.</summary>
internal sealed class CoverageModel(PolicyStoreService store) : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Console;

    public PolicyCoverage? Coverage { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(int? draft, CancellationToken cancellationToken)
    {
        var outcome = await store.CoverageAsync(draft, cancellationToken);
        Coverage = outcome.Value;
        Problem = outcome.Detail;
    }
}
