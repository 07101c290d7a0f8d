using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.PolicyStore;

/// <summary>
/// One published policy version. Never updated or deleted: rollback is a new version. The text is the
/// hand-written policy.csv only; the g2/g3 lines are generated from jurisdictions.csv and fields.csv
/// whenever a version is loaded (docs/policy-model.md, "Generated lines").
/// </summary>
/// <remarks>
/// No district code: a policy holds no resident data and applies to the whole deployment. On a
/// sharded (Citus) store the two policy tables are reference tables, copied to every node.
/// </remarks>
internal sealed class PolicyVersionRow
{
    /// <summary>1, 2, 3…; the primary key, so two nodes publishing at once cannot both take a number.</summary>
    public int Number { get; set; }

    public required string PolicyText { get; set; }

    public required string ModelText { get; set; }

    /// <summary>The caller subject that wrote the draft (<c>system</c> for the shipped files).</summary>
    public required string Author { get; set; }

    public string? Approver { get; set; }

    public string? Publisher { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime PublishedAt { get; set; }

    public string? Note { get; set; }

    /// <summary>When this version restores an older one, that version's number.</summary>
    public int? RolledBackFrom { get; set; }

    public int? DraftId { get; set; }
}

/// <summary>A proposed change, from draft to published (docs/policy-lifecycle.md, "States").</summary>
internal sealed class PolicyDraftRow
{
    public int Id { get; set; }

    /// <summary>The version the text was written against; publishing refuses a draft whose base is no longer the newest.</summary>
    public int BaseVersion { get; set; }

    public required string PolicyText { get; set; }

    public required string Author { get; set; }

    public required string Status { get; set; }

    public string? Reviewer { get; set; }

    public string? ReviewNote { get; set; }

    public string? Note { get; set; }

    public int? RollbackOf { get; set; }

    public int? PublishedVersion { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? SubmittedAt { get; set; }

    public DateTime? ReviewedAt { get; set; }

    public DateTime? PublishedAt { get; set; }

    /// <summary>Incremented on every change: two officers acting on one draft at once cannot both succeed.</summary>
    public int Revision { get; set; }
}

internal sealed class PolicyVersionRowConfiguration : IEntityTypeConfiguration<PolicyVersionRow>
{
    public void Configure(EntityTypeBuilder<PolicyVersionRow> b)
    {
        b.ToTable("policy_versions");
        b.HasKey(v => v.Number);
        b.Property(v => v.Number).HasColumnName("number").ValueGeneratedNever();
        b.Property(v => v.PolicyText).HasColumnName("policy_text");
        b.Property(v => v.ModelText).HasColumnName("model_text");
        b.Property(v => v.Author).HasColumnName("author").HasMaxLength(200);
        b.Property(v => v.Approver).HasColumnName("approver").HasMaxLength(200);
        b.Property(v => v.Publisher).HasColumnName("publisher").HasMaxLength(200);
        b.Property(v => v.CreatedAt).HasColumnName("created_at");
        b.Property(v => v.PublishedAt).HasColumnName("published_at");
        b.Property(v => v.Note).HasColumnName("note").HasMaxLength(2000);
        b.Property(v => v.RolledBackFrom).HasColumnName("rolled_back_from");
        b.Property(v => v.DraftId).HasColumnName("draft_id");
    }
}

internal sealed class PolicyDraftRowConfiguration : IEntityTypeConfiguration<PolicyDraftRow>
{
    public void Configure(EntityTypeBuilder<PolicyDraftRow> b)
    {
        b.ToTable("policy_drafts");
        b.HasKey(d => d.Id);
        b.Property(d => d.Id).HasColumnName("id").ValueGeneratedOnAdd();
        b.Property(d => d.BaseVersion).HasColumnName("base_version");
        b.Property(d => d.PolicyText).HasColumnName("policy_text");
        b.Property(d => d.Author).HasColumnName("author").HasMaxLength(200);
        b.Property(d => d.Status).HasColumnName("status").HasMaxLength(16);
        b.Property(d => d.Reviewer).HasColumnName("reviewer").HasMaxLength(200);
        b.Property(d => d.ReviewNote).HasColumnName("review_note").HasMaxLength(2000);
        b.Property(d => d.Note).HasColumnName("note").HasMaxLength(2000);
        b.Property(d => d.RollbackOf).HasColumnName("rollback_of");
        b.Property(d => d.PublishedVersion).HasColumnName("published_version");
        b.Property(d => d.CreatedAt).HasColumnName("created_at");
        b.Property(d => d.UpdatedAt).HasColumnName("updated_at");
        b.Property(d => d.SubmittedAt).HasColumnName("submitted_at");
        b.Property(d => d.ReviewedAt).HasColumnName("reviewed_at");
        b.Property(d => d.PublishedAt).HasColumnName("published_at");
        b.Property(d => d.Revision).HasColumnName("revision").IsConcurrencyToken();
        b.HasIndex(d => d.Status);
    }
}
