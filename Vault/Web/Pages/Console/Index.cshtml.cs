using DataVault.Vault.Views;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>The policy now in force: its version and lines.</summary>
internal sealed class IndexModel(PolicyRuntime policy) : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Console;

    public PolicySnapshot Current { get; private set; } = null!;

    public IReadOnlyList<string> Lines { get; private set; } = [];

    public void OnGet()
    {
        Current = policy.Current;
        Lines = [.. Current.PolicyText.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)];
    }
}
