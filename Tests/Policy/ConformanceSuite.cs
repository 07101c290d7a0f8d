using System.Text.Json;

namespace DataVault.Tests.Policy;

/// <summary>
/// The shared Casbin conformance suite (<c>../shared/casbin-conformance</c>), read in place from the folder
/// beside the repository root (the folder holding DataVault.sln), as in CI.
/// </summary>
internal static class ConformanceSuite
{
    private static readonly Lazy<(string Folder, JsonDocument Document)> Loaded = new(() =>
    {
        var folder = Path.Combine(RepositoryRoot(), "..", "shared", "casbin-conformance");
        var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "cases.json")));
        return (Path.GetFullPath(folder), document);
    });

    public static string Folder => Loaded.Value.Folder;

    public static JsonElement Root => Loaded.Value.Document.RootElement;

    public static IEnumerable<JsonElement> Cases => Root.GetProperty("cases").EnumerateArray();

    public static JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    public static JsonElement Function(int index) => Root.GetProperty("functions")[index];

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataVault.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("DataVault.sln not found above " + AppContext.BaseDirectory);
    }
}
