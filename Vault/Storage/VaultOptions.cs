using System.ComponentModel.DataAnnotations;

namespace DataVault.Vault.Storage;

/// <summary>Where DataVault keeps its files (<c>Vault:DataDirectory</c>, default <c>./data</c>).</summary>
public sealed class VaultOptions
{
    public const string Section = "Vault";

    [Required]
    public string DataDirectory { get; set; } = "data";
}

/// <summary>Which database holds the vault (<c>Storage:Provider</c> = <c>Sqlite</c> or <c>Postgres</c>).</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Required for PostgreSQL; for SQLite, defaults to <c>vault.db</c> in the data directory.</summary>
    public string? ConnectionString { get; set; }
}

public enum StorageProvider
{
    Sqlite,
    Postgres,
}
