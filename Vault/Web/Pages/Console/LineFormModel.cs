using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>The data of the one-rule form partial (shared by the new-draft and edit-draft pages).</summary>
internal sealed record LineFormModel(WebText T, IReadOnlyList<string> Roles, IReadOnlyList<string> Departments, IReadOnlyList<FieldDefinition> Fields,
    IReadOnlyList<string> Fidelities, IReadOnlyCollection<Purpose> Purposes, string Button);
