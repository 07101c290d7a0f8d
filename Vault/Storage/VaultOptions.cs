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

    /// <summary>
    /// PostgreSQL only: hash-partition every table of district data by district code, with every
    /// primary and unique key led by the district, as a sharded (Citus) deployment requires
    /// (DistrictPartitioning.cs, docs/sharding.md). Off by default.
    /// </summary>
    public bool PartitionByDistrict { get; set; }

    /// <summary>How many hash partitions each partitioned table gets (<see cref="PartitionByDistrict"/>); default 16.</summary>
    public int DistrictPartitions { get; set; } = 16;
}

public enum StorageProvider
{
    Sqlite,
    Postgres,
}
