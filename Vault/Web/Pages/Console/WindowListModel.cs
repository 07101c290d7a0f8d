using DataVault.Vault.PolicyStore;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>The data of the time-window table partial (a draft's windowed rules, or the running version's).</summary>
internal sealed record WindowListModel(WebText T, IReadOnlyList<PolicyImpactWindow> Windows, string Id);
