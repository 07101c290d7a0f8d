using DataVault.Vault.Encryption;
using DataVault.Vault.Schema;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DataVault.Vault.Keys;

/// <summary>What a key is for. Stored as a number: never renumber.</summary>
public enum KeyPurpose
{
    /// <summary>Encrypts field values of one (level, district).</summary>
    Data = 1,
    /// <summary>HMAC key of one kind of blind index.</summary>
    BlindIndex = 2,
    /// <summary>Ed25519 seed that signs the access log's tree heads.</summary>
    LogSigning = 3,
    /// <summary>AES-256 key that encrypts the ASP.NET Data Protection key ring (cookies, antiforgery).</summary>
    DataProtection = 4,
}

/// <summary>Life cycle of a key. Stored as a number: never renumber.</summary>
public enum KeyState
{
    /// <summary>Used for new encryptions of its scope (at most one per scope).</summary>
    Active = 1,
    /// <summary>Rotated or used up: still decrypts, never encrypts again.</summary>
    DecryptOnly = 2,
    /// <summary>Material erased after no value used it any more.</summary>
    Retired = 3,
}

/// <summary>
/// One data or blind-index key, wrapped by the master key. The table holds no plaintext key and
/// no resident data; the district column is there so that keys shard with the data they protect
/// (DESIGN.md, "Scale"). EF entity: never leaves Vault/Keys.
/// </summary>
internal sealed class StoredKey
{
    public required string KeyId { get; set; }

    /// <summary><c>L3/510107</c> for a data key, <c>bi/IdNumber</c> for a blind-index key.</summary>
    public required string Scope { get; set; }

    public KeyPurpose Purpose { get; set; }

    public SensitivityLevel? Level { get; set; }

    /// <summary>Six-digit district code of a data key; null for the vault-wide blind-index keys.</summary>
    public string? DistrictCode { get; set; }

    public int Version { get; set; }

    /// <summary>The suite the key was created in: its cipher (data, Data Protection), its HMAC (blind index) and how it is wrapped.</summary>
    public CryptoSuite Suite { get; set; } = CryptoSuite.Aes;

    public KeyState State { get; set; }

    /// <summary>nonce | encrypted key | tag under the master key; empty once retired.</summary>
    public required byte[] WrappedKey { get; set; }

    /// <summary>Fingerprint of the master key that wrapped it (<see cref="MasterKey.Id"/>).</summary>
    public required string MasterKeyId { get; set; }

    /// <summary>Encryptions reserved in blocks by every node (NIST SP 800-38D §8.3 invocation limit).</summary>
    public long EncryptionsReserved { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it stopped encrypting (rotation or usage limit).</summary>
    public DateTimeOffset? DeactivatedAt { get; set; }

    public DateTimeOffset? RetiredAt { get; set; }
}

internal sealed class StoredKeyConfiguration : IEntityTypeConfiguration<StoredKey>
{
    public void Configure(EntityTypeBuilder<StoredKey> builder)
    {
        // Explicit snake_case names: the table is read by operators and by both providers alike.
        builder.ToTable("vault_keys");
        builder.HasKey(k => k.KeyId);
        builder.Property(k => k.KeyId).HasColumnName("key_id").HasMaxLength(64);
        builder.Property(k => k.Scope).HasColumnName("scope").HasMaxLength(40).IsRequired();
        builder.Property(k => k.Purpose).HasColumnName("purpose");
        builder.Property(k => k.Level).HasColumnName("level");
        builder.Property(k => k.DistrictCode).HasColumnName("district_code").HasMaxLength(6);
        builder.Property(k => k.Version).HasColumnName("version");
        builder.Property(k => k.State).HasColumnName("state");
        // Keys from before the suite was recorded are AES keys: the migration fills the column with 1.
        builder.Property(k => k.Suite).HasColumnName("suite");
        builder.Property(k => k.WrappedKey).HasColumnName("wrapped_key").IsRequired();
        builder.Property(k => k.MasterKeyId).HasColumnName("master_key_id").HasMaxLength(32).IsRequired();
        builder.Property(k => k.EncryptionsReserved).HasColumnName("encryptions_reserved");
        builder.Property(k => k.CreatedAt).HasColumnName("created_at");
        builder.Property(k => k.DeactivatedAt).HasColumnName("deactivated_at");
        builder.Property(k => k.RetiredAt).HasColumnName("retired_at");
        // Two nodes racing to create the next version of a scope: exactly one insert wins.
        builder.HasIndex(k => new { k.Scope, k.Version }).IsUnique();
        // At most one active key per scope, enforced by the database: a node that found no active
        // key and creates "the next version" may otherwise race one that already created it, and
        // both versions would stay active. The losing insert fails and the node uses the winner.
        // (state = 1 is KeyState.Active; the filter is plain SQL that SQLite and PostgreSQL share.)
        builder.HasIndex(k => k.Scope).IsUnique().HasFilter("state = 1").HasDatabaseName("ix_vault_keys_one_active_per_scope");
        builder.HasIndex(k => k.DistrictCode);
    }
}
