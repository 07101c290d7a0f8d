using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.Forms;

/// <summary>
/// One version of a form a district defined (templates are files, not rows). Versions are kept: a fill
/// names the version it was made from, so last month's file can be explained after the header changed.
/// </summary>
internal sealed class FormRow
{
    public required string DistrictCode { get; set; }
    public required string Code { get; set; }
    public int Version { get; set; }
    /// <summary>The definition as JSON (docs/forms.md): titles, columns, filter; never a resident's value.</summary>
    public required string Definition { get; set; }
    public required string DefinedBy { get; set; }
    public required string DefinedByUnit { get; set; }
    public long DefinedAtUnixMs { get; set; }
}

/// <summary>
/// One fill: which form (and version) was filled by whom, for which jurisdiction and purpose, as which
/// file format, under which policy version, with how many rows. The file itself is not kept (it holds
/// the residents' data; a re-fill makes a new one from the record as it is then).
/// </summary>
internal sealed class FormFillRow
{
    public required string Id { get; set; }
    public required string DistrictCode { get; set; }
    public required string FormCode { get; set; }
    /// <summary>0 for a shipped template.</summary>
    public int FormVersion { get; set; }
    public required string Title { get; set; }
    public required string Within { get; set; }
    public required string Format { get; set; }
    public required string Purpose { get; set; }
    public required string FilledBy { get; set; }
    public required string FilledByUnit { get; set; }
    public long FilledAtUnixMs { get; set; }
    public int Rows { get; set; }
    public int Withheld { get; set; }
    public required string PolicyVersion { get; set; }
    /// <summary>The fill this one repeats, if it was a re-fill.</summary>
    public string? RefillOf { get; set; }
}

/// <summary>How many residents of one community a fill listed: what lets a community worker see which forms were filled from its residents.</summary>
internal sealed class FormFillCommunityRow
{
    public required string FillId { get; set; }
    public required string DistrictCode { get; set; }
    public required string CommunityCode { get; set; }
    /// <summary>Residents of the community the fill listed (0 included), or <see cref="Aggregate"/> for a statistic, which lists no one.</summary>
    public int Rows { get; set; }
    public long FilledAtUnixMs { get; set; }

    public const int Aggregate = -1;
}

internal sealed class FormRowConfiguration : IEntityTypeConfiguration<FormRow>
{
    public void Configure(EntityTypeBuilder<FormRow> b)
    {
        b.ToTable("department_forms");
        b.HasKey(f => new { f.DistrictCode, f.Code, f.Version });
        b.Property(f => f.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(f => f.Code).HasColumnName("code").HasMaxLength(48);
        b.Property(f => f.Version).HasColumnName("version");
        b.Property(f => f.Definition).HasColumnName("definition").HasMaxLength(64_000);
        b.Property(f => f.DefinedBy).HasColumnName("defined_by").HasMaxLength(64);
        b.Property(f => f.DefinedByUnit).HasColumnName("defined_by_unit").HasMaxLength(96);
        b.Property(f => f.DefinedAtUnixMs).HasColumnName("defined_at_ms");
    }
}

internal sealed class FormFillRowConfiguration : IEntityTypeConfiguration<FormFillRow>
{
    public void Configure(EntityTypeBuilder<FormFillRow> b)
    {
        b.ToTable("form_fills");
        b.HasKey(f => f.Id);
        b.Property(f => f.Id).HasColumnName("id").HasMaxLength(32);
        b.Property(f => f.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(f => f.FormCode).HasColumnName("form_code").HasMaxLength(48);
        b.Property(f => f.FormVersion).HasColumnName("form_version");
        b.Property(f => f.Title).HasColumnName("title").HasMaxLength(100);
        b.Property(f => f.Within).HasColumnName("within").HasMaxLength(16);
        b.Property(f => f.Format).HasColumnName("format").HasMaxLength(16);
        b.Property(f => f.Purpose).HasColumnName("purpose").HasMaxLength(48);
        b.Property(f => f.FilledBy).HasColumnName("filled_by").HasMaxLength(64);
        b.Property(f => f.FilledByUnit).HasColumnName("filled_by_unit").HasMaxLength(96);
        b.Property(f => f.FilledAtUnixMs).HasColumnName("filled_at_ms");
        b.Property(f => f.Rows).HasColumnName("rows");
        b.Property(f => f.Withheld).HasColumnName("withheld");
        b.Property(f => f.PolicyVersion).HasColumnName("policy_version").HasMaxLength(64);
        b.Property(f => f.RefillOf).HasColumnName("refill_of").HasMaxLength(32);
        b.HasIndex(f => new { f.DistrictCode, f.FilledAtUnixMs }).HasDatabaseName("IX_form_fills_district");
    }
}

internal sealed class FormFillCommunityRowConfiguration : IEntityTypeConfiguration<FormFillCommunityRow>
{
    public void Configure(EntityTypeBuilder<FormFillCommunityRow> b)
    {
        b.ToTable("form_fill_communities");
        b.HasKey(f => new { f.FillId, f.CommunityCode });
        b.Property(f => f.FillId).HasColumnName("fill_id").HasMaxLength(32);
        b.Property(f => f.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(f => f.CommunityCode).HasColumnName("community_code").HasMaxLength(12);
        b.Property(f => f.Rows).HasColumnName("rows");
        b.Property(f => f.FilledAtUnixMs).HasColumnName("filled_at_ms");
        b.HasIndex(f => new { f.CommunityCode, f.FilledAtUnixMs }).HasDatabaseName("IX_form_fill_comm");
    }
}
