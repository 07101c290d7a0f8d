using System.Text;

namespace DataVault.Tests.Policy;

/// <summary>
/// DataVault's shipped policy as the engine loads it: policies/model.conf, and policies/policy.csv followed by
/// the lines generated from the data files (docs/policy-model.md, "Generated lines"):
/// <list type="bullet">
/// <item><c>g2, child, parent</c> for every row of jurisdictions.csv that has a parent;</item>
/// <item><c>g3, field, cat:category</c> and <c>g3, field, owner:department</c> for every row of fields.csv.</item>
/// </list>
/// The vault's policy loader must compose the same text; npm casbin gets it as one policy string.
/// </summary>
internal sealed record DataVaultPolicy(
    string ModelText,
    string PolicyText,
    IReadOnlyList<DataVaultField> Fields,
    IReadOnlyList<DataVaultJurisdiction> Jurisdictions,
    IReadOnlyList<string> Purposes,
    IReadOnlyList<string> Roles)
{
    public static string Folder => Path.Combine(ConformanceSuite.RepositoryRoot(), "policies");

    /// <summary>Loads the files, or null with the name of the missing file.</summary>
    public static DataVaultPolicy? Load(out string? missing)
    {
        var folder = Folder;
        foreach (var name in new[] { "model.conf", "policy.csv", "fields.csv", "jurisdictions.csv", "purposes.csv", "roles.csv" })
        {
            if (!File.Exists(Path.Combine(folder, name)))
            {
                missing = "policies/" + name;
                return null;
            }
        }
        missing = null;
        var fields = Rows(Path.Combine(folder, "fields.csv"))
            .Select(r => new DataVaultField(r["key"], r["category"], r["department"], r["level"]))
            .ToList();
        var jurisdictions = Rows(Path.Combine(folder, "jurisdictions.csv"))
            .Select(r => new DataVaultJurisdiction(r["code"], r["parent"], r["kind"]))
            .ToList();
        var purposes = Rows(Path.Combine(folder, "purposes.csv")).Select(r => r["code"]).ToList();
        var roles = Rows(Path.Combine(folder, "roles.csv")).Select(r => r["code"]).ToList();

        var policy = new StringBuilder(File.ReadAllText(Path.Combine(folder, "policy.csv")));
        if (policy.Length > 0 && policy[^1] != '\n')
        {
            policy.Append('\n');
        }
        policy.Append("\n# generated from jurisdictions.csv\n");
        foreach (var j in jurisdictions.Where(j => j.Parent.Length > 0))
        {
            policy.Append("g2, ").Append(j.Code).Append(", ").Append(j.Parent).Append('\n');
        }
        policy.Append("\n# generated from fields.csv\n");
        foreach (var f in fields)
        {
            policy.Append("g3, ").Append(f.Key).Append(", cat:").Append(f.Category).Append('\n');
            policy.Append("g3, ").Append(f.Key).Append(", owner:").Append(f.Department).Append('\n');
        }
        return new DataVaultPolicy(File.ReadAllText(Path.Combine(folder, "model.conf")), policy.ToString(), fields, jurisdictions, purposes, roles);
    }

    /// <summary>Rows of a CSV file with a header, as column-name → value; RFC 4180 quoting.</summary>
    internal static IEnumerable<Dictionary<string, string>> Rows(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        var header = Split(lines[0]);
        foreach (var line in lines.Skip(1))
        {
            var cells = Split(line);
            yield return header.Select((h, i) => (h, v: i < cells.Count ? cells[i] : "")).ToDictionary(x => x.h, x => x.v, StringComparer.Ordinal);
        }
    }

    private static List<string> Split(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        cells.Add(cell.ToString());
        return cells;
    }
}

internal sealed record DataVaultField(string Key, string Category, string Department, string Level);

internal sealed record DataVaultJurisdiction(string Code, string Parent, string Kind);
