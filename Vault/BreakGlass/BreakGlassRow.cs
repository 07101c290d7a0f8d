using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.BreakGlass;

/// <summary>
/// One emergency access request (issue 5, item 5): who asked for which resident under which case,
/// who approved or rejected it, until when it is active, and how its review ended. Times are UTC.
/// </summary>
internal sealed class BreakGlassRow
{
    public required string Id { get; set; }

    /// <summary>The resident's district: the sharding key, and whose privacy officers approve and review.</summary>
    public required string DistrictCode { get; set; }

    public required string ResidentId { get; set; }

    public required string CaseId { get; set; }

    /// <summary>The requester's own words; never a field value of the resident is put here by the vault.</summary>
    public required string Reason { get; set; }

    public int Minutes { get; set; }

    public required string RequesterSubject { get; set; }

    public required string RequesterUnit { get; set; }

    public required string RequesterRole { get; set; }

    public DateTime RequestedAt { get; set; }

    /// <summary><c>pending</c>, <c>approved</c> or <c>rejected</c>.</summary>
    public required string Status { get; set; }

    public string? DecidedBy { get; set; }

    public DateTime? DecidedAt { get; set; }

    /// <summary>Set on approval: approval time plus <see cref="Minutes"/> (brought forward by an "unjustified" review).</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary><c>justified</c> or <c>unjustified</c>, once reviewed.</summary>
    public string? ReviewOutcome { get; set; }

    public string? ReviewNote { get; set; }

    public string? ReviewedBy { get; set; }

    public DateTime? ReviewedAt { get; set; }
}

internal sealed class BreakGlassRowConfiguration : IEntityTypeConfiguration<BreakGlassRow>
{
    public void Configure(EntityTypeBuilder<BreakGlassRow> b)
    {
        b.ToTable("break_glass");
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).HasColumnName("id").HasMaxLength(40);
        b.Property(r => r.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(r => r.ResidentId).HasColumnName("resident_id").HasMaxLength(32);
        b.Property(r => r.CaseId).HasColumnName("case_id").HasMaxLength(64);
        b.Property(r => r.Reason).HasColumnName("reason").HasMaxLength(1000);
        b.Property(r => r.Minutes).HasColumnName("minutes");
        b.Property(r => r.RequesterSubject).HasColumnName("requester_subject").HasMaxLength(200);
        b.Property(r => r.RequesterUnit).HasColumnName("requester_unit").HasMaxLength(100);
        b.Property(r => r.RequesterRole).HasColumnName("requester_role").HasMaxLength(40);
        b.Property(r => r.RequestedAt).HasColumnName("requested_at");
        b.Property(r => r.Status).HasColumnName("status").HasMaxLength(16);
        b.Property(r => r.DecidedBy).HasColumnName("decided_by").HasMaxLength(200);
        b.Property(r => r.DecidedAt).HasColumnName("decided_at");
        b.Property(r => r.ExpiresAt).HasColumnName("expires_at");
        b.Property(r => r.ReviewOutcome).HasColumnName("review_outcome").HasMaxLength(16);
        b.Property(r => r.ReviewNote).HasColumnName("review_note").HasMaxLength(2000);
        b.Property(r => r.ReviewedBy).HasColumnName("reviewed_by").HasMaxLength(200);
        b.Property(r => r.ReviewedAt).HasColumnName("reviewed_at");
        b.HasIndex(r => new { r.DistrictCode, r.Status, r.RequestedAt });
        b.HasIndex(r => new { r.RequesterSubject, r.RequestedAt });
        b.HasIndex(r => new { r.Status, r.ExpiresAt });
    }
}
