using DataVault.Vault.Schema;

namespace DataVault.Vault.Views;

/// <summary>A purpose a caller may state in <c>X-Purpose</c>, with the legal basis the access log records.</summary>
public sealed record Purpose(string Code, string LabelZh, string LabelEn, string LegalBasis);

/// <summary>The purposes of <c>policies/purposes.csv</c>: the only codes <c>X-Purpose</c> accepts.</summary>
public sealed class PurposeCatalog
{
    public const string FileName = "purposes.csv";
    private static readonly string[] Columns = ["code", "label_zh", "label_en", "legal_basis"];
    private readonly Dictionary<string, Purpose> _byCode;

    private PurposeCatalog(IEnumerable<Purpose> purposes) => _byCode = purposes.ToDictionary(p => p.Code, StringComparer.Ordinal);

    public IReadOnlyCollection<Purpose> All => _byCode.Values;

    public Purpose? Find(string? code) => code is null ? null : _byCode.GetValueOrDefault(code);

    public static PurposeCatalog LoadOrThrow(string policiesDirectory)
    {
        var path = Path.Combine(policiesDirectory, FileName);
        var (rows, errors) = PolicyCsv.Read(path, Columns);
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"{path}: {string.Join("; ", errors)}");
        }
        var purposes = rows.Select(r => new Purpose(r.Cells["code"], r.Cells["label_zh"], r.Cells["label_en"], r.Cells["legal_basis"])).ToList();
        var missingBasis = purposes.FirstOrDefault(p => p.Code.Length == 0 || p.LegalBasis.Length == 0);
        if (missingBasis is not null)
        {
            throw new InvalidDataException($"{path}: every purpose needs a code and a legal basis ('{missingBasis.Code}')");
        }
        return new PurposeCatalog(purposes);
    }
}
