using System.Reflection;
using DataVault.Tests.Vault.Storage;
using DataVault.Vault.Problems;

namespace DataVault.Tests.Vault.Schema;

/// <summary>docs/errors.md lists every code of <see cref="ProblemCatalog"/> with its status, and nothing else.</summary>
public sealed class ErrorDocTests
{
    [Fact]
    public void ErrorsDoc_ListsEveryCatalogCode_WithItsStatus()
    {
        var catalog = typeof(ProblemCatalog).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ProblemType))
            .Select(f => (ProblemType)f.GetValue(null)!)
            .Select(t => $"`{t.Code}` | {t.Status}")
            .Order(StringComparer.Ordinal)
            .ToList();
        var doc = File.ReadAllLines(Path.Combine(TestVault.RepoRoot, "docs", "errors.md"))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => string.Join(" | ", l.Split('|', StringSplitOptions.TrimEntries)[1..3]))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(catalog, doc);
    }
}
