using DataVault.Vault.Oversight;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>
/// Who can see what: the three oversight questions of <see cref="OversightService"/> (the same calls
/// as <c>/api/v1/oversight</c>, so a question about one resident is logged the same way), one form each.
/// </summary>
internal sealed class OversightModel(OversightService oversight, DataVaultPolicyFolder folder, ResidentSchema schema, PurposeCatalog purposes) : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Console;

    public IReadOnlyList<string> Roles => [.. folder.RoleLevels.Keys.Order(StringComparer.Ordinal)];

    public IReadOnlyList<FieldDefinition> Fields => schema.Fields;

    public IReadOnlyList<Purpose> Purposes => [.. purposes.All.OrderBy(p => p.Code, StringComparer.Ordinal)];

    public string? Ask { get; private set; }

    public DecisionExplanation? Explanation { get; private set; }

    public WhoCanSeeAnswer? Who { get; private set; }

    public WhatCanAnswer? What { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(string? ask, string? role, string? jurisdiction, string? department, string? field, string? purpose, string? resident, string? residence, CancellationToken cancellationToken)
    {
        Ask = ask;
        var unit = new OversightService.UnitQuery(Blank(role), Blank(jurisdiction), Blank(department), null);
        switch (ask)
        {
            case "explain":
                var explained = await oversight.ExplainAsync(Me.Caller, unit, field, purpose, Blank(resident), Blank(residence), cancellationToken);
                (Explanation, Problem) = (explained.Value, explained.Detail);
                break;
            case "who":
                var who = await oversight.WhoCanSeeAsync(Me.Caller, field, Blank(resident), Blank(residence), cancellationToken);
                (Who, Problem) = (who.Value, who.Detail);
                break;
            case "what":
                var what = await oversight.WhatCanAsync(Me.Caller, unit, cancellationToken);
                (What, Problem) = (what.Value, what.Detail);
                break;
        }
    }

    public string Label(FieldDefinition f) => T.Pick(f.LabelZh, f.LabelEn);

    public string FieldLabel(string key) => schema.TryGet(key, out var f) ? Label(f) : key;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
