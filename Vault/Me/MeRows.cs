using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.Me;

/// <summary>
/// A resident's question about one access-log entry: a case for the privacy officers of the district
/// whose unit made the access (DESIGN.md, "The access log"). <see cref="DistrictCode"/> is that
/// district (the queue it sits in); <see cref="ResidentDistrictCode"/> is where the resident's data
/// lives. Holds the resident's words and the officer's answer, never a field value.
/// </summary>
internal sealed class AccessQuestionRow
{
    public required string Id { get; set; }
    public required string DistrictCode { get; set; }
    public required string ResidentDistrictCode { get; set; }
    public required string ResidentId { get; set; }
    /// <summary>The identity user who asked (the token's <c>sub</c>).</summary>
    public required string AskedBy { get; set; }
    public required string LogId { get; set; }
    public long EntryIndex { get; set; }
    public required string Text { get; set; }
    public required string Status { get; set; }
    public long AskedAtUnixMs { get; set; }
    public string? Answer { get; set; }
    public string? Resolution { get; set; }
    public string? AnsweredBy { get; set; }
    public string? AnsweredByUnit { get; set; }
    public long? AnsweredAtUnixMs { get; set; }
}

/// <summary>
/// A resident's request to correct one field of their record. Only the field key and the resident's
/// note are kept: no proposed value is stored (a community worker checks the documents and edits the
/// record through the normal, logged API). Sits in the queue of the resident's community.
/// </summary>
internal sealed class CorrectionRequestRow
{
    public required string Id { get; set; }
    public required string DistrictCode { get; set; }
    public required string CommunityCode { get; set; }
    public required string ResidentId { get; set; }
    public required string RequestedBy { get; set; }
    public required string FieldKey { get; set; }
    public required string Note { get; set; }
    public required string Status { get; set; }
    public long RequestedAtUnixMs { get; set; }
    public string? Resolution { get; set; }
    public string? Response { get; set; }
    public string? ResolvedBy { get; set; }
    public string? ResolvedByUnit { get; set; }
    public long? ResolvedAtUnixMs { get; set; }
}

internal sealed class AccessQuestionRowConfiguration : IEntityTypeConfiguration<AccessQuestionRow>
{
    public void Configure(EntityTypeBuilder<AccessQuestionRow> b)
    {
        b.ToTable("access_questions");
        b.HasKey(q => q.Id);
        b.Property(q => q.Id).HasColumnName("id").HasMaxLength(32);
        b.Property(q => q.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(q => q.ResidentDistrictCode).HasColumnName("resident_district_code").HasMaxLength(6);
        b.Property(q => q.ResidentId).HasColumnName("resident_id").HasMaxLength(32);
        b.Property(q => q.AskedBy).HasColumnName("asked_by").HasMaxLength(64);
        b.Property(q => q.LogId).HasColumnName("log_id").HasMaxLength(6);
        b.Property(q => q.EntryIndex).HasColumnName("entry_index");
        b.Property(q => q.Text).HasColumnName("text").HasMaxLength(MeLimits.TextLength);
        b.Property(q => q.Status).HasColumnName("status").HasMaxLength(16);
        b.Property(q => q.AskedAtUnixMs).HasColumnName("asked_at_ms");
        b.Property(q => q.Answer).HasColumnName("answer").HasMaxLength(MeLimits.TextLength);
        b.Property(q => q.Resolution).HasColumnName("resolution").HasMaxLength(32);
        b.Property(q => q.AnsweredBy).HasColumnName("answered_by").HasMaxLength(64);
        b.Property(q => q.AnsweredByUnit).HasColumnName("answered_by_unit").HasMaxLength(96);
        b.Property(q => q.AnsweredAtUnixMs).HasColumnName("answered_at_ms");
        // The officer's queue, and the resident's own list.
        b.HasIndex(q => new { q.DistrictCode, q.Status, q.AskedAtUnixMs });
        b.HasIndex(q => new { q.ResidentId, q.AskedAtUnixMs });
    }
}

internal sealed class CorrectionRequestRowConfiguration : IEntityTypeConfiguration<CorrectionRequestRow>
{
    public void Configure(EntityTypeBuilder<CorrectionRequestRow> b)
    {
        b.ToTable("correction_requests");
        b.HasKey(c => c.Id);
        b.Property(c => c.Id).HasColumnName("id").HasMaxLength(32);
        b.Property(c => c.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        b.Property(c => c.CommunityCode).HasColumnName("community_code").HasMaxLength(12);
        b.Property(c => c.ResidentId).HasColumnName("resident_id").HasMaxLength(32);
        b.Property(c => c.RequestedBy).HasColumnName("requested_by").HasMaxLength(64);
        b.Property(c => c.FieldKey).HasColumnName("field_key").HasMaxLength(64);
        b.Property(c => c.Note).HasColumnName("note").HasMaxLength(MeLimits.TextLength);
        b.Property(c => c.Status).HasColumnName("status").HasMaxLength(16);
        b.Property(c => c.RequestedAtUnixMs).HasColumnName("requested_at_ms");
        b.Property(c => c.Resolution).HasColumnName("resolution").HasMaxLength(32);
        b.Property(c => c.Response).HasColumnName("response").HasMaxLength(MeLimits.TextLength);
        b.Property(c => c.ResolvedBy).HasColumnName("resolved_by").HasMaxLength(64);
        b.Property(c => c.ResolvedByUnit).HasColumnName("resolved_by_unit").HasMaxLength(96);
        b.Property(c => c.ResolvedAtUnixMs).HasColumnName("resolved_at_ms");
        b.HasIndex(c => new { c.DistrictCode, c.CommunityCode, c.Status, c.RequestedAtUnixMs });
        b.HasIndex(c => new { c.ResidentId, c.RequestedAtUnixMs });
    }
}

internal static class MeLimits
{
    /// <summary>Longest question, answer, note or response, in characters.</summary>
    public const int TextLength = 1000;
}
