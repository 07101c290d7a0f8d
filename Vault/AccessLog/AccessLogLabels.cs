using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.AccessLog;

/// <summary>
/// Turns stored entries into what people read: role labels from <c>policies/roles.csv</c>, purpose
/// labels from <c>purposes.csv</c>, field labels and levels from <c>fields.csv</c>, and action
/// names. A code the files no longer know is shown as itself rather than dropped: the entry still
/// happened.
/// </summary>
internal sealed class AccessLogLabels
{
    private static readonly string[] RoleColumns = ["code", "label_zh", "label_en", "held_at", "department"];

    /// <summary>
    /// The purpose of a resident reading their own record (GET /me). Not an X-Purpose: no official
    /// can state it, so it is not in purposes.csv.
    /// </summary>
    public static readonly Purpose SelfAccess = new("self_access", "本人查阅", "Your own request",
        "PIPL art. 45: the individual's right to consult and copy their personal information");

    private static readonly Dictionary<string, (string Zh, string En)> Actions = new(StringComparer.Ordinal)
    {
        ["read"] = ("查看", "Read"),
        ["list"] = ("列表查询", "Listed"),
        ["reveal"] = ("查看明文", "Revealed in the clear"),
        ["export"] = ("导出", "Exported"),
        ["aggregate"] = ("统计汇总", "Counted in a statistic"),
        [LoggedAccess.BreakGlassAction] = ("紧急访问", "Emergency (break-glass) access"),
        ["write"] = ("修改", "Changed"),
        ["explain"] = ("核查谁可查看您的数据", "Checked who may see your data"),
        ["form"] = ("填入部门报表", "Listed in a department form"),
        ["feed"] = ("同步至部门系统", "Sent to a department's system (change feed)"),
        ["household"] = ("按家庭户查看", "Viewed as a member of your household"),
    };

    private readonly Dictionary<string, (string Zh, string En)> _roles;
    private readonly PurposeCatalog _purposes;
    private readonly ResidentSchema _schema;

    public AccessLogLabels(IOptions<SchemaOptions> options, PurposeCatalog purposes, ResidentSchema schema)
    {
        var path = Path.Combine(options.Value.PoliciesDirectory, "roles.csv");
        var (rows, errors) = PolicyCsv.Read(path, RoleColumns);
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"{path}: {string.Join("; ", errors)}");
        }
        _roles = rows.ToDictionary(r => r.Cells["code"], r => (r.Cells["label_zh"], r.Cells["label_en"]), StringComparer.Ordinal);
        // Residents are not a staff role of the policy, but they appear in their own log.
        _roles.TryAdd("resident", ("居民本人", "Resident (you)"));
        _purposes = purposes;
        _schema = schema;
    }

    public CodeLabel Role(string code) =>
        _roles.TryGetValue(code, out var l) ? new CodeLabel(code, l.Zh, l.En) : new CodeLabel(code, code, code);

    public CodeLabel Action(string code) =>
        Actions.TryGetValue(code, out var l) ? new CodeLabel(code, l.Zh, l.En) : new CodeLabel(code, code, code);

    public CodeLabel Purpose(string code)
    {
        var purpose = code == SelfAccess.Code ? SelfAccess : _purposes.Find(code);
        return purpose is null ? new CodeLabel(code, code, code) : new CodeLabel(code, purpose.LabelZh, purpose.LabelEn);
    }

    public LoggedField Field(string key, string fidelity) =>
        _schema.TryGet(key, out var f)
            ? new LoggedField(key, f.LabelZh, f.LabelEn, fidelity, f.Level.ToString())
            : new LoggedField(key, key, key, fidelity, null);

    /// <summary>The entry as people read it; every stored column is kept so that it can be re-hashed.</summary>
    public LoggedAccess Describe(AccessLogRow row) => new(
        row.LogId,
        row.Index,
        DateTimeOffset.FromUnixTimeMilliseconds(row.RecordedAtUnixMs),
        row.RecordedAtUnixMs,
        row.ResidentId,
        Action(row.Action),
        row.ActorUserId,
        row.ActorUnit,
        Role(row.ActorRole),
        row.ClientId,
        Purpose(row.Purpose),
        row.LegalBasis,
        [.. StoredFields.Parse(row.Fields).Select(f => Field(f.Key, f.Fidelity))],
        StoredFields.ParseChain(row.GrantChain),
        row.PolicyVersion,
        row.Decision,
        row.Reason);
}

/// <summary>The stored spelling of an entry's fields (<c>key=fidelity;…</c>) and grant chain (<c>a&gt;b</c>), both ways.</summary>
internal static class StoredFields
{
    public static IReadOnlyList<(string Key, string Fidelity)> Parse(string stored) =>
        stored.Length == 0
            ? []
            : [.. stored.Split(';').Select(pair => pair.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0 ? (pair[..eq], pair[(eq + 1)..]) : (pair, ""))];

    public static string Join(IEnumerable<(string Key, string Fidelity)> fields) => string.Join(';', fields.Select(f => $"{f.Key}={f.Fidelity}"));

    public static IReadOnlyList<string> ParseChain(string stored) => stored.Length == 0 ? [] : stored.Split('>');

    public static string JoinChain(IEnumerable<string> chain) => string.Join('>', chain);
}
