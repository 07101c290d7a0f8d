using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.Residents;

/// <summary>
/// One resident, one row (no entity-attribute-value table): the jurisdiction columns needed to
/// route and filter, two blind indexes for exact lookup, and every field value in one compact
/// blob (<see cref="ResidentBlob"/>) whose L3+ entries are AEAD envelopes. Reading a record is one
/// primary-key lookup and one blob decode. Never leaves the data layer.
/// </summary>
internal sealed class ResidentRow
{
    /// <summary>Opaque and unguessable: creation time then 80 random bits (<see cref="ResidentWriter.NewId"/>); no count can be read off it.</summary>
    public required string Id { get; set; }

    /// <summary>First 6 digits of the community: the sharding key (DESIGN.md, "Scale").</summary>
    public required string DistrictCode { get; set; }

    public required string StreetCode { get; set; }

    public required string CommunityCode { get; set; }

    public string? GridCode { get; set; }

    /// <summary>Optimistic concurrency token, incremented on every write.</summary>
    public int Version { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>HMAC blind index of the normalised ID number: "collect once" is a unique index on it.</summary>
    public required byte[] IdNumberIndex { get; set; }

    public byte[]? PhoneIndex { get; set; }

    /// <summary>
    /// HMAC blind index of the household code (<see cref="Households.HouseholdIndex.Of"/>): empty when the resident has
    /// none; NULL only on a row stored before households existed, until the online backfill reaches it.
    /// </summary>
    public byte[]? HouseholdIndex { get; set; }

    public required byte[] Data { get; set; }

    /// <summary>What the row's buckets are bound to (not a column).</summary>
    public RecordAddress Address => new(Id, DistrictCode, StreetCode, CommunityCode, GridCode, Version);
}

internal sealed class ResidentRowConfiguration : IEntityTypeConfiguration<ResidentRow>
{
    public const string Table = "residents";

    public void Configure(EntityTypeBuilder<ResidentRow> b)
    {
        b.ToTable(Table);
        b.HasKey(r => r.Id);
        // snake_case names, as the other vault tables: PostgreSQL needs no quoting for them.
        b.Property(r => r.Id).HasColumnName("id").HasMaxLength(32);
        b.Property(r => r.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(r => r.StreetCode).HasColumnName("street_code").HasMaxLength(9);
        b.Property(r => r.CommunityCode).HasColumnName("community_code").HasMaxLength(12);
        b.Property(r => r.GridCode).HasColumnName("grid_code").HasMaxLength(15);
        b.Property(r => r.Version).HasColumnName("version").IsConcurrencyToken();
        b.Property(r => r.CreatedAt).HasColumnName("created_at");
        b.Property(r => r.UpdatedAt).HasColumnName("updated_at");
        b.Property(r => r.IdNumberIndex).HasColumnName("id_number_index").HasMaxLength(32);
        b.Property(r => r.PhoneIndex).HasColumnName("phone_index").HasMaxLength(32);
        b.Property(r => r.HouseholdIndex).HasColumnName("household_index").HasMaxLength(32);
        b.Property(r => r.Data).HasColumnName("data");
        b.Ignore(r => r.Address);
        b.HasIndex(r => r.IdNumberIndex).IsUnique();
        b.HasIndex(r => r.PhoneIndex);
        // A household's members; a community's households in index order (the household list pages by it).
        b.HasIndex(r => new { r.DistrictCode, r.HouseholdIndex });
        b.HasIndex(r => new { r.DistrictCode, r.CommunityCode, r.HouseholdIndex });
        // Every list walks one of these from its cursor in id order (ResidentReader.PageQuery), so a
        // page costs the same in a community of 1,000 as in one of 100,000. The trailing grid code does
        // not disturb that order and lets the dry run count residents per community and grid from the
        // index alone, without reading a single record.
        b.HasIndex(r => new { r.DistrictCode, r.CommunityCode, r.Id, r.GridCode });
        b.HasIndex(r => new { r.DistrictCode, r.GridCode, r.Id });
        b.HasIndex(r => new { r.DistrictCode, r.Id });
    }
}
