using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.Oversight.Sealing;

/// <summary>
/// A seal on the resident's view of some accesses (issue 16, item 5): while approved, the accesses the
/// requesting unit makes to <see cref="ResidentId"/> from <see cref="SealedFromUnixMs"/> until
/// <see cref="SealedUntilUnixMs"/> are logged as usual (same Merkle tree, so they are counted and provable)
/// but their details are withheld from the resident until <see cref="SealedUntilUnixMs"/>, the instant the
/// seal ends by expiry or by a privacy officer lifting it. Needs a second person to approve, as a
/// break-glass does. Holds the legal basis and case the requester stated, never a field value.
/// </summary>
internal sealed class SealRow
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    public required string Id { get; set; }
    public required string DistrictCode { get; set; }
    public required string ResidentId { get; set; }
    public required string CaseId { get; set; }
    public required string LegalBasis { get; set; }
    public int Days { get; set; }
    public required string RequesterSubject { get; set; }
    public required string RequesterUnit { get; set; }
    public long RequestedAtUnixMs { get; set; }
    public required string Status { get; set; }
    public string? DecidedBy { get; set; }
    /// <summary>Set on approval: the approval instant. Accesses before it are never sealed.</summary>
    public long? SealedFromUnixMs { get; set; }
    /// <summary>Set on approval to approval + <see cref="Days"/>; brought forward to the lifting instant when a privacy officer lifts the seal.</summary>
    public long? SealedUntilUnixMs { get; set; }
    public string? LiftedBy { get; set; }
    public string? LiftReason { get; set; }
}

internal sealed class SealRowConfiguration : IEntityTypeConfiguration<SealRow>
{
    public void Configure(EntityTypeBuilder<SealRow> b)
    {
        b.ToTable("access_seals");
        b.HasKey(s => s.Id);
        b.Property(s => s.Id).HasColumnName("id").HasMaxLength(32);
        b.Property(s => s.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(s => s.ResidentId).HasColumnName("resident_id").HasMaxLength(32);
        b.Property(s => s.CaseId).HasColumnName("case_id").HasMaxLength(64);
        b.Property(s => s.LegalBasis).HasColumnName("legal_basis").HasMaxLength(1000);
        b.Property(s => s.Days).HasColumnName("days");
        b.Property(s => s.RequesterSubject).HasColumnName("requester_subject").HasMaxLength(64);
        b.Property(s => s.RequesterUnit).HasColumnName("requester_unit").HasMaxLength(96);
        b.Property(s => s.RequestedAtUnixMs).HasColumnName("requested_at_ms");
        b.Property(s => s.Status).HasColumnName("status").HasMaxLength(16);
        b.Property(s => s.DecidedBy).HasColumnName("decided_by").HasMaxLength(64);
        b.Property(s => s.SealedFromUnixMs).HasColumnName("sealed_from_ms");
        b.Property(s => s.SealedUntilUnixMs).HasColumnName("sealed_until_ms");
        b.Property(s => s.LiftedBy).HasColumnName("lifted_by").HasMaxLength(64);
        b.Property(s => s.LiftReason).HasColumnName("lift_reason").HasMaxLength(1000);
        b.HasIndex(s => new { s.ResidentId, s.Status }).HasDatabaseName("IX_access_seals_resident");
    }
}
