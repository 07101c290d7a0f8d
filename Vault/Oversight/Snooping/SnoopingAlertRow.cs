using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.Oversight.Snooping;

/// <summary>
/// One snooping alert in the queue of the privacy officers of <see cref="DistrictCode"/> (the district
/// whose log holds the accesses): what a rule found about one caller on one Beijing day, the
/// residents concerned and the log entries that show it (<c>logId:index</c>, space-separated), and how
/// an officer closed it. Counts, codes and ids only: never a field value. One alert per
/// (district, rule, day, caller, subject), so scanning a day again, or on two nodes, adds nothing.
/// </summary>
internal sealed class SnoopingAlertRow
{
    public const string Open = "open";
    public const string Upheld = "upheld";
    public const string Dismissed = "dismissed";

    public required string Id { get; set; }
    public required string DistrictCode { get; set; }
    public required string Rule { get; set; }
    /// <summary>The Beijing calendar day judged, <c>yyyy-MM-dd</c>.</summary>
    public required string Day { get; set; }
    public required string ActorUserId { get; set; }
    public required string ActorUnit { get; set; }
    public required string ActorRole { get; set; }
    /// <summary>What tells findings of one rule and day apart: the resident of a repeated look-up, the purpose of a rare one; empty otherwise.</summary>
    public required string SubjectKey { get; set; }
    public required string Evidence { get; set; }
    public double Measured { get; set; }
    public double Threshold { get; set; }
    public required string SummaryZh { get; set; }
    public required string SummaryEn { get; set; }
    public required string Status { get; set; }
    public long CreatedAtUnixMs { get; set; }
    public string? ClosedBy { get; set; }
    public string? ClosedByUnit { get; set; }
    public long? ClosedAtUnixMs { get; set; }
    public string? CloseReason { get; set; }
}

internal sealed class SnoopingAlertRowConfiguration : IEntityTypeConfiguration<SnoopingAlertRow>
{
    public void Configure(EntityTypeBuilder<SnoopingAlertRow> b)
    {
        b.ToTable("snooping_alerts");
        b.HasKey(a => a.Id);
        b.Property(a => a.Id).HasColumnName("id").HasMaxLength(32);
        b.Property(a => a.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(a => a.Rule).HasColumnName("rule").HasMaxLength(32);
        b.Property(a => a.Day).HasColumnName("day").HasMaxLength(10);
        b.Property(a => a.ActorUserId).HasColumnName("actor_user_id").HasMaxLength(64);
        b.Property(a => a.ActorUnit).HasColumnName("actor_unit").HasMaxLength(96);
        b.Property(a => a.ActorRole).HasColumnName("actor_role").HasMaxLength(32);
        b.Property(a => a.SubjectKey).HasColumnName("subject_key").HasMaxLength(64);
        b.Property(a => a.Evidence).HasColumnName("evidence");
        b.Property(a => a.Measured).HasColumnName("measured");
        b.Property(a => a.Threshold).HasColumnName("threshold");
        b.Property(a => a.SummaryZh).HasColumnName("summary_zh").HasMaxLength(500);
        b.Property(a => a.SummaryEn).HasColumnName("summary_en").HasMaxLength(500);
        b.Property(a => a.Status).HasColumnName("status").HasMaxLength(16);
        b.Property(a => a.CreatedAtUnixMs).HasColumnName("created_at_ms");
        b.Property(a => a.ClosedBy).HasColumnName("closed_by").HasMaxLength(64);
        b.Property(a => a.ClosedByUnit).HasColumnName("closed_by_unit").HasMaxLength(96);
        b.Property(a => a.ClosedAtUnixMs).HasColumnName("closed_at_ms");
        b.Property(a => a.CloseReason).HasColumnName("close_reason").HasMaxLength(1000);
        // Short names: partitioning adds "_lookup" indexes, and PostgreSQL cuts names at 63 bytes.
        b.HasIndex(a => new { a.DistrictCode, a.Rule, a.Day, a.ActorUserId, a.SubjectKey }).IsUnique().HasDatabaseName("IX_snooping_alerts_finding");
        b.HasIndex(a => new { a.DistrictCode, a.Status, a.CreatedAtUnixMs }).HasDatabaseName("IX_snooping_alerts_queue");
    }
}

/// <summary>A resident an alert concerns (so the resident can be told when it is upheld, and found by id).</summary>
internal sealed class SnoopingAlertResidentRow
{
    public required string AlertId { get; set; }
    public required string DistrictCode { get; set; }
    public required string ResidentId { get; set; }
}

internal sealed class SnoopingAlertResidentRowConfiguration : IEntityTypeConfiguration<SnoopingAlertResidentRow>
{
    public void Configure(EntityTypeBuilder<SnoopingAlertResidentRow> b)
    {
        b.ToTable("snooping_alert_residents");
        b.HasKey(r => new { r.AlertId, r.ResidentId });
        b.Property(r => r.AlertId).HasColumnName("alert_id").HasMaxLength(32);
        b.Property(r => r.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(r => r.ResidentId).HasColumnName("resident_id").HasMaxLength(32);
        b.HasIndex(r => r.ResidentId);
    }
}
