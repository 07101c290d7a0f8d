using System.Text;
using DataVault.Tests.Vault.Storage;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Schema;

namespace DataVault.Tests.Vault.Schema;

/// <summary>
/// docs/schema.md carries a table generated from policies/fields.csv and compounds.csv; this test
/// keeps them in step. To regenerate after editing the CSV: DATAVAULT_UPDATE_DOCS=1 dotnet test
/// --filter SchemaDocTests.
/// </summary>
public sealed class SchemaDocTests
{
    private const string Begin = "<!-- BEGIN GENERATED: fields.csv -->";
    private const string End = "<!-- END GENERATED -->";

    [Fact]
    public void SchemaDoc_GeneratedTables_MatchThePolicyFiles()
    {
        var policies = Path.Combine(TestVault.RepoRoot, "policies");
        var schema = ResidentSchema.LoadOrThrow(Path.Combine(policies, "fields.csv"));
        var tree = JurisdictionTree.LoadOrThrow(policies);
        var generated = Render(schema, tree);
        var docPath = Path.Combine(TestVault.RepoRoot, "docs", "schema.md");
        var doc = File.ReadAllText(docPath);
        var start = doc.IndexOf(Begin, StringComparison.Ordinal);
        var end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/schema.md lacks the generated-section markers");
        var current = doc[(start + Begin.Length)..end];

        if (Environment.GetEnvironmentVariable("DATAVAULT_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(docPath, doc[..(start + Begin.Length)] + generated + doc[end..]);
            return;
        }
        Assert.Equal(generated, current);
    }

    private static string Render(ResidentSchema schema, JurisdictionTree tree)
    {
        var sb = new StringBuilder("\n");
        sb.Append("| key | 中文 | label | type | category | department | level | masking | validation | indexed | required |\n");
        sb.Append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var f in schema.Fields)
        {
            var rule = f.Rule.Kind switch
            {
                FieldRuleKind.Enum => "enum: " + string.Join(" \\| ", f.Rule.Values!),
                FieldRuleKind.Int => $"int {f.Rule.Min}..{f.Rule.Max}",
                FieldRuleKind.Text => $"text ≤ {f.Rule.Max}",
                FieldRuleKind.Jurisdiction => "jurisdiction: " + f.Rule.JurisdictionKind,
                FieldRuleKind.Gb11643 => "GB 11643",
                FieldRuleKind.PhoneCn => "CN mobile",
                FieldRuleKind.Date => "date",
                FieldRuleKind.Bool => "bool",
                FieldRuleKind.Compound => "compound of the community",
            };
            sb.Append($"| `{f.Key}` | {f.LabelZh} | {f.LabelEn} | {f.Type.ToString().ToLowerInvariant()} | {f.Category} | {f.Department} | {f.Level} | {f.Masking.ToString().ToLowerInvariant()} | {rule} | {(f.Indexed ? "yes" : "")} | {(f.Required ? "yes" : "")} |\n");
        }
        sb.Append("\nCompounds of community Y (`510107004003`), the values of `compound` there:\n\n| compound | 名称 |\n|---|---|\n");
        foreach (var c in tree.CompoundsOf("510107004003"))
        {
            sb.Append($"| `{c.Code}` | {c.NameZh} |\n");
        }
        return sb.ToString();
    }
}
