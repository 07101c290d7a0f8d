using System.Collections.Frozen;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Jurisdictions;

/// <summary>The level of a jurisdiction (块): district → street → community → grid.</summary>
public enum JurisdictionKind
{
    District,
    Street,
    Community,
    Grid,
}

/// <summary>One node of <c>policies/jurisdictions.csv</c>.</summary>
public sealed record Jurisdiction(string Code, string? Parent, JurisdictionKind Kind, string NameZh, string NameEn)
{
    /// <summary>The district code (first 6 digits): the sharding key every resident table carries.</summary>
    public string DistrictCode => Code[..6];
}

/// <summary>A residential compound (小区) of a community, from <c>policies/compounds.csv</c>.</summary>
public sealed record Compound(string Community, string Code, string NameZh);

/// <summary>
/// The jurisdiction tree. Parents are explicit in the file (moving a community to another street is
/// one edited line), so ancestry is walked through <see cref="Jurisdiction.Parent"/>, never inferred
/// from the code prefix.
/// </summary>
public sealed class JurisdictionTree
{
    public const string FileName = "jurisdictions.csv";
    public const string CompoundsFileName = "compounds.csv";

    private static readonly IReadOnlyList<string> Columns = ["code", "parent", "kind", "name_zh", "name_en"];
    private static readonly IReadOnlyList<string> CompoundColumns = ["community", "compound", "name_zh"];

    private readonly FrozenDictionary<string, Jurisdiction> _byCode;
    private readonly FrozenDictionary<string, IReadOnlyList<Compound>> _compounds;

    private JurisdictionTree(IReadOnlyList<Jurisdiction> nodes, IReadOnlyList<Compound> compounds)
    {
        Nodes = nodes;
        _byCode = nodes.ToFrozenDictionary(n => n.Code, StringComparer.Ordinal);
        _compounds = compounds.GroupBy(c => c.Community, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => (IReadOnlyList<Compound>)[.. g], StringComparer.Ordinal);
    }

    public IReadOnlyList<Jurisdiction> Nodes { get; }

    public Jurisdiction? Find(string code) => _byCode.GetValueOrDefault(code);

    public IReadOnlyList<Compound> CompoundsOf(string community) => _compounds.GetValueOrDefault(community) ?? [];

    /// <summary>The nearest ancestor (or the node itself) of the given kind.</summary>
    public Jurisdiction? AncestorOf(string code, JurisdictionKind kind)
    {
        var node = Find(code);
        while (node is not null && node.Kind != kind)
        {
            node = node.Parent is null ? null : Find(node.Parent);
        }
        return node;
    }

    public IEnumerable<Jurisdiction> ChildrenOf(string code) => Nodes.Where(n => n.Parent == code);

    public static JurisdictionTree LoadOrThrow(string directory)
    {
        var (tree, errors) = Load(directory);
        return tree ?? throw new InvalidOperationException("Invalid jurisdiction tree: " + string.Join("; ", errors));
    }

    public static (JurisdictionTree? Tree, IReadOnlyList<PolicyFileError> Errors) Load(string directory)
    {
        var (rows, readErrors) = PolicyCsv.Read(Path.Combine(directory, FileName), Columns);
        var errors = readErrors.ToList();
        var nodes = new List<Jurisdiction>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var c = row.Cells;
            var kind = c["kind"] switch
            {
                "district" => JurisdictionKind.District,
                "street" => JurisdictionKind.Street,
                "community" => JurisdictionKind.Community,
                "grid" => JurisdictionKind.Grid,
                _ => (JurisdictionKind?)null,
            };
            if (kind is null)
            {
                errors.Add(new PolicyFileError(FileName, row.Line, "kind", $"unknown kind '{c["kind"]}'"));
                continue;
            }
            var code = c["code"];
            if (!IsWellFormed(code, kind.Value))
            {
                errors.Add(new PolicyFileError(FileName, row.Line, "code", $"'{code}' is not a {c["kind"]} code"));
                continue;
            }
            if (!codes.Add(code))
            {
                errors.Add(new PolicyFileError(FileName, row.Line, "code", $"duplicate code '{code}'"));
                continue;
            }
            nodes.Add(new Jurisdiction(code, c["parent"].Length == 0 ? null : c["parent"], kind.Value, c["name_zh"], c["name_en"]));
        }

        var byCode = nodes.ToDictionary(n => n.Code, StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var line = rows.First(r => r.Cells["code"] == node.Code).Line;
            var expectedParent = node.Kind switch
            {
                JurisdictionKind.District => (JurisdictionKind?)null,
                JurisdictionKind.Street => JurisdictionKind.District,
                JurisdictionKind.Community => JurisdictionKind.Street,
                JurisdictionKind.Grid => JurisdictionKind.Community,
            };
            if (expectedParent is null)
            {
                if (node.Parent is not null)
                {
                    errors.Add(new PolicyFileError(FileName, line, "parent", "a district has no parent"));
                }
            }
            else if (node.Parent is null || !byCode.TryGetValue(node.Parent, out var parent) || parent.Kind != expectedParent)
            {
                errors.Add(new PolicyFileError(FileName, line, "parent", $"'{node.Parent}' is not a known {expectedParent.Value.ToString().ToLowerInvariant()}"));
            }
            else if (parent.DistrictCode != node.DistrictCode)
            {
                // The district prefix is the sharding key: a node cannot move across districts by editing its parent.
                errors.Add(new PolicyFileError(FileName, line, "parent", "parent is in another district"));
            }
        }

        var compounds = new List<Compound>();
        var compoundsPath = Path.Combine(directory, CompoundsFileName);
        if (File.Exists(compoundsPath))
        {
            var (compoundRows, compoundErrors) = PolicyCsv.Read(compoundsPath, CompoundColumns);
            errors.AddRange(compoundErrors);
            var seen = new HashSet<(string, string)>();
            foreach (var row in compoundRows)
            {
                var c = row.Cells;
                if (!byCode.TryGetValue(c["community"], out var community) || community.Kind != JurisdictionKind.Community)
                {
                    errors.Add(new PolicyFileError(CompoundsFileName, row.Line, "community", $"'{c["community"]}' is not a known community"));
                }
                else if (c["compound"].Length == 0 || !seen.Add((c["community"], c["compound"])))
                {
                    errors.Add(new PolicyFileError(CompoundsFileName, row.Line, "compound", "empty or duplicate compound code"));
                }
                else
                {
                    compounds.Add(new Compound(c["community"], c["compound"], c["name_zh"]));
                }
            }
        }
        return errors.Count == 0 ? (new JurisdictionTree(nodes, compounds), errors) : (null, errors);
    }

    /// <summary>Statistical division code shapes: 6-digit district, 9-digit street, 12-digit community, grid <c>&lt;community&gt;-NN</c>.</summary>
    public static bool IsWellFormed(string code, JurisdictionKind kind) => kind switch
    {
        JurisdictionKind.District => code.Length == 6 && code.All(char.IsAsciiDigit),
        JurisdictionKind.Street => code.Length == 9 && code.All(char.IsAsciiDigit),
        JurisdictionKind.Community => code.Length == 12 && code.All(char.IsAsciiDigit),
        JurisdictionKind.Grid => code.Length == 15 && code[12] == '-' && code[..12].All(char.IsAsciiDigit) && code[13..].All(char.IsAsciiDigit),
    };
}
