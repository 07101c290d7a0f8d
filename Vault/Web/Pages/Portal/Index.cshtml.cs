using DataVault.Vault.Me;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Web.Pages.Portal;

/// <summary>My data: each field's label, level, value and who may see it, in plain words. Reading it is logged as the resident's own access.</summary>
internal sealed class IndexModel(ResidentLink link, MyData data, WhoMaySee who) : PortalPageModel(link)
{
    public MyRecord Record { get; private set; } = null!;

    public IReadOnlyDictionary<string, IReadOnlyList<PortalViewer>> Viewers { get; private set; } = new Dictionary<string, IReadOnlyList<PortalViewer>>();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Record = await data.ReadAsync(Me.Caller, MyRecord, cancellationToken);
        Viewers = await who.ForAsync(MyRecord, cancellationToken);
    }

    /// <summary>"community workers: partly hidden, for elderly care, subsidies".</summary>
    public string Describe(PortalViewer v, string level)
    {
        var who = v.Department is null ? T["role_" + v.Role] : T.WithNote(T["role_" + v.Role], T["dept_" + v.Department]);
        // L4 and above are never served in the clear by a read (AccessResolver): only by a logged reveal.
        var readable = v.Fidelity.Readable();
        var how = (readable == Fidelity.Clear && Enum.TryParse<SensitivityLevel>(level, out var l) && l >= SensitivityLevel.L4
            ? T["clear_with_reason"]
            : T["fid_" + readable.Name()]) + (v.Fidelity == Fidelity.Write ? T["and_may_change"] : "");
        var purposes = string.Join(T.English ? ", " : "、", v.Purposes.Select(p => T.Pick(p.LabelZh, p.LabelEn)));
        var described = T.WithNote(how, $"{T["for_purpose"]} {purposes}");
        return T.Labelled(who, v.ByGrant ? T.WithNote(described, T["by_grant"]) : described);
    }
}
