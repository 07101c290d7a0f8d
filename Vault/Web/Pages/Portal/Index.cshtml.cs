using DataVault.Vault.Me;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Web.Pages.Portal;

/// <summary>My data: each field's label, level, value and who may see it, in plain words. Reading it is logged as the resident's own access.</summary>
internal sealed class IndexModel(ResidentLink link, MyData data, WhoMaySee who) : PortalPageModel(link)
{
    public MyRecord Record { get; private set; } = null!;

    public IReadOnlyDictionary<string, IReadOnlyList<Viewer>> Viewers { get; private set; } = new Dictionary<string, IReadOnlyList<Viewer>>();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Record = await data.ReadAsync(Me.Caller, MyRecord, cancellationToken);
        Viewers = who.For(MyRecord);
    }

    /// <summary>"community workers: partly hidden, for elderly care, subsidies".</summary>
    public string Describe(Viewer v, string level)
    {
        var who = T["role_" + v.Role] + (v.Department is null ? "" : $"({T["dept_" + v.Department]})");
        // L4 and above are never served in the clear by a read (AccessResolver): only by a logged reveal.
        var how = v.Fidelity == Fidelity.Clear && Enum.TryParse<SensitivityLevel>(level, out var l) && l >= SensitivityLevel.L4
            ? T["clear_with_reason"]
            : T["fid_" + v.Fidelity.Name()];
        var purposes = string.Join(T.English ? ", " : "、", v.Purposes.Select(p => T.Pick(p.LabelZh, p.LabelEn)));
        return $"{who}:{how}({T["for_purpose"]} {purposes})";
    }
}
