using DataVault.Vault.PolicyFiles;

namespace DataVault.Tests.Policy;

/// <summary>
/// DataVault's shipped policy as the engine loads it, composed by the production composer
/// (<see cref="DataVaultPolicyFolder"/>: policies/policy.csv followed by the <c>g2</c> lines generated
/// from jurisdictions.csv and the <c>g3</c> lines generated from fields.csv), so the tests and npm
/// casbin check exactly the text the vault and <c>policy check</c> use.
/// </summary>
internal sealed record DataVaultPolicy(
    string ModelText,
    string PolicyText,
    IReadOnlyList<DataVaultField> Fields,
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
        var (composed, errors) = DataVaultPolicyFolder.Load(folder);
        if (composed is null)
        {
            throw new InvalidOperationException("the shipped policy folder does not load: " + string.Join("; ", errors));
        }
        return new DataVaultPolicy(
            composed.ModelText,
            composed.PolicyText,
            composed.Schema.Fields.Select(f => new DataVaultField(f.Key, f.Category, f.Department, f.Level.ToString())).ToList(),
            composed.Purposes.Order(StringComparer.Ordinal).ToList(),
            composed.Roles.Order(StringComparer.Ordinal).ToList());
    }
}

internal sealed record DataVaultField(string Key, string Category, string Department, string Level);
