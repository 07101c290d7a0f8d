using System.Buffers.Binary;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.AccessLog;

/// <summary>
/// A stored access-log entry. One Merkle tree per district (<see cref="LogId"/> is the district
/// code), so logs shard with the resident data and appends in different districts never contend.
/// </summary>
internal sealed class AccessLogRow
{
    public required string LogId { get; set; }
    public long Index { get; set; }
    public long RecordedAtUnixMs { get; set; }
    public required string ResidentId { get; set; }
    public required string Action { get; set; }
    public required string ActorUserId { get; set; }
    public required string ActorUnit { get; set; }
    public required string ActorRole { get; set; }
    public string? ClientId { get; set; }
    /// <summary><c>key=fidelity</c> pairs joined by <c>;</c>, in the order served.</summary>
    public required string Fields { get; set; }
    public required string Purpose { get; set; }
    public required string LegalBasis { get; set; }
    /// <summary>Grant ids from the root grant down, joined by <c>&gt;</c>; empty when no grant was used.</summary>
    public required string GrantChain { get; set; }
    public required string PolicyVersion { get; set; }
    public required string Decision { get; set; }
    /// <summary>The stated reason of a reveal or break-glass; null for other accesses.</summary>
    public string? Reason { get; set; }

    // 2: Reason joined the leaf data.
    private const byte CanonicalVersion = 2;

    /// <summary>
    /// The leaf's data: a versioned, length-prefixed encoding of every column, so that no two
    /// different entries encode alike and editing any column changes the leaf hash.
    /// </summary>
    public byte[] CanonicalBytes()
    {
        string?[] parts = [LogId, ResidentId, Action, ActorUserId, ActorUnit, ActorRole, ClientId, Fields, Purpose, LegalBasis, GrantChain, PolicyVersion, Decision, Reason];
        var size = 1 + 8 + 8 + parts.Sum(p => 5 + (p is null ? 0 : Encoding.UTF8.GetByteCount(p)));
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span[0] = CanonicalVersion;
        BinaryPrimitives.WriteInt64BigEndian(span[1..], Index);
        BinaryPrimitives.WriteInt64BigEndian(span[9..], RecordedAtUnixMs);
        var offset = 17;
        foreach (var part in parts)
        {
            // A presence byte keeps null and "" apart.
            span[offset++] = part is null ? (byte)0 : (byte)1;
            var written = part is null ? 0 : Encoding.UTF8.GetBytes(part, span[(offset + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(span[offset..], written);
            offset += 4 + written;
        }
        return buffer;
    }
}

/// <summary>A stored perfect subtree of a district's log (level 0 = the leaf hashes).</summary>
internal sealed class MerkleNodeRow
{
    public required string LogId { get; set; }
    public int Level { get; set; }
    public long Index { get; set; }
    public required byte[] Hash { get; set; }
}

/// <summary>A signed tree head: the log's size and root at a moment, signed by the vault's log key.</summary>
internal sealed class TreeHeadRow
{
    public required string LogId { get; set; }
    public long TreeSize { get; set; }
    public long SignedAtUnixMs { get; set; }
    public required byte[] RootHash { get; set; }
    public required string KeyId { get; set; }
    public required byte[] Signature { get; set; }
}

internal sealed class AccessLogRowConfiguration : IEntityTypeConfiguration<AccessLogRow>
{
    public void Configure(EntityTypeBuilder<AccessLogRow> builder)
    {
        builder.ToTable("AccessLog");
        builder.HasKey(e => new { e.LogId, e.Index });
        builder.Property(e => e.LogId).HasMaxLength(6);
        builder.Property(e => e.Index).ValueGeneratedNever();
        builder.Property(e => e.Reason).HasMaxLength(500);
        // The resident's own view ("who looked at my data"), newest first.
        builder.HasIndex(e => new { e.ResidentId, e.RecordedAtUnixMs });
        // The privacy officer's search by unit, role, purpose and period.
        builder.HasIndex(e => new { e.LogId, e.ActorUnit, e.RecordedAtUnixMs });
    }
}

internal sealed class MerkleNodeRowConfiguration : IEntityTypeConfiguration<MerkleNodeRow>
{
    public void Configure(EntityTypeBuilder<MerkleNodeRow> builder)
    {
        builder.ToTable("AccessLogNodes");
        builder.HasKey(e => new { e.LogId, e.Level, e.Index });
        builder.Property(e => e.LogId).HasMaxLength(6);
        builder.Property(e => e.Index).ValueGeneratedNever();
    }
}

internal sealed class TreeHeadRowConfiguration : IEntityTypeConfiguration<TreeHeadRow>
{
    public void Configure(EntityTypeBuilder<TreeHeadRow> builder)
    {
        builder.ToTable("AccessLogTreeHeads");
        builder.HasKey(e => new { e.LogId, e.TreeSize });
        builder.Property(e => e.LogId).HasMaxLength(6);
        builder.Property(e => e.TreeSize).ValueGeneratedNever();
    }
}
