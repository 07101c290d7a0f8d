using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.Grants;

/// <summary>
/// One grant as stored (DESIGN.md, "Grants"). Times are UTC <see cref="DateTime"/>s, as the other
/// vault tables keep them, so both providers can compare them in SQL. Never leaves the data layer:
/// <see cref="Grant"/> is what the rest of the feature sees.
/// </summary>
internal sealed class GrantRow
{
    public required string Id { get; set; }

    /// <summary>The sharding key (DESIGN.md, "Scale"): grants never cross a district.</summary>
    public required string DistrictCode { get; set; }

    /// <summary>Null for a root grant (backed by the grantor's policy rights).</summary>
    public string? ParentId { get; set; }

    public required string GrantorSubject { get; set; }

    public required string GrantorUnit { get; set; }

    public required string GrantorRole { get; set; }

    public required string GrantorJurisdiction { get; set; }

    public string? GrantorDepartment { get; set; }

    public required string GranteeUnit { get; set; }

    public required string GranteeRole { get; set; }

    public required string GranteeJurisdiction { get; set; }

    public string? GranteeDepartment { get; set; }

    /// <summary>Field keys, space-separated, already expanded from any <c>cat:</c> of the request.</summary>
    public required string Fields { get; set; }

    /// <summary>The fidelity's policy name (<c>clear</c>, <c>masked</c>…).</summary>
    public required string MaxFidelity { get; set; }

    public required string Purpose { get; set; }

    public required string LegalBasis { get; set; }

    public DateTime ValidFrom { get; set; }

    public DateTime ValidUntil { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    public string? RevokedBy { get; set; }
}

internal sealed class GrantRowConfiguration : IEntityTypeConfiguration<GrantRow>
{
    public void Configure(EntityTypeBuilder<GrantRow> b)
    {
        b.ToTable("grants");
        b.HasKey(g => g.Id);
        b.Property(g => g.Id).HasColumnName("id").HasMaxLength(40);
        b.Property(g => g.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(g => g.ParentId).HasColumnName("parent_id").HasMaxLength(40);
        b.Property(g => g.GrantorSubject).HasColumnName("grantor_subject").HasMaxLength(200);
        b.Property(g => g.GrantorUnit).HasColumnName("grantor_unit").HasMaxLength(100);
        b.Property(g => g.GrantorRole).HasColumnName("grantor_role").HasMaxLength(40);
        b.Property(g => g.GrantorJurisdiction).HasColumnName("grantor_jurisdiction").HasMaxLength(15);
        b.Property(g => g.GrantorDepartment).HasColumnName("grantor_department").HasMaxLength(40);
        b.Property(g => g.GranteeUnit).HasColumnName("grantee_unit").HasMaxLength(100);
        b.Property(g => g.GranteeRole).HasColumnName("grantee_role").HasMaxLength(40);
        b.Property(g => g.GranteeJurisdiction).HasColumnName("grantee_jurisdiction").HasMaxLength(15);
        b.Property(g => g.GranteeDepartment).HasColumnName("grantee_department").HasMaxLength(40);
        b.Property(g => g.Fields).HasColumnName("fields").HasMaxLength(4000);
        b.Property(g => g.MaxFidelity).HasColumnName("max_fidelity").HasMaxLength(10);
        b.Property(g => g.Purpose).HasColumnName("purpose").HasMaxLength(40);
        b.Property(g => g.LegalBasis).HasColumnName("legal_basis").HasMaxLength(1000);
        b.Property(g => g.ValidFrom).HasColumnName("valid_from");
        b.Property(g => g.ValidUntil).HasColumnName("valid_until");
        b.Property(g => g.CreatedAt).HasColumnName("created_at");
        b.Property(g => g.RevokedAt).HasColumnName("revoked_at");
        b.Property(g => g.RevokedBy).HasColumnName("revoked_by").HasMaxLength(200);
        b.HasIndex(g => new { g.DistrictCode, g.ParentId });
        b.HasIndex(g => new { g.GranteeUnit, g.CreatedAt });
        b.HasIndex(g => new { g.GrantorUnit, g.CreatedAt });
        b.HasIndex(g => g.ValidUntil);
    }
}
