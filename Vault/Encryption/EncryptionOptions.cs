using System.ComponentModel.DataAnnotations;

namespace DataVault.Vault.Encryption;

/// <summary>Which <see cref="Keys.IMasterKeyProvider"/> supplies the master key.</summary>
public enum MasterKeyProviderKind
{
    /// <summary>A key file under the data directory, created on first run (the embedded default).</summary>
    File,
    /// <summary>Base64 in an environment variable (production, from the orchestrator's secret store).</summary>
    Environment,
}

/// <summary>Field encryption and keys (configuration section <c>Encryption</c>).</summary>
public sealed class EncryptionOptions
{
    public const string Section = "Encryption";

    /// <summary>
    /// NIST SP 800-38D §8.3: with random 96-bit nonces, at most 2^32 encryptions per key. The
    /// configured limit must stay strictly below it.
    /// </summary>
    public const long NistInvocationLimit = 1L << 32;

    public MasterKeyProviderKind MasterKeyProvider { get; set; } = MasterKeyProviderKind.File;

    /// <summary>
    /// The suite of every key created from now on (first use, rotation, usage limit). Keys keep the
    /// suite they were created in, so a store switched to <c>Sm</c> moves over with <c>keys rotate</c>
    /// while every value stays readable (docs/encryption.md, "国密").
    /// </summary>
    [EnumDataType(typeof(CryptoSuite))]
    public CryptoSuite Suite { get; set; } = CryptoSuite.Aes;

    /// <summary>Key file for the File provider; default <c>&lt;Vault:DataDirectory&gt;/keys/master.key</c>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Variable for the Environment provider.</summary>
    [Required]
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$")]
    public string EnvironmentVariable { get; set; } = "DATAVAULT_MASTER_KEY";

    /// <summary>
    /// A data key stops encrypting after this many encryptions and the next version takes over.
    /// Default 2^30: a quarter of the NIST limit, leaving room for blocks reserved and not used.
    /// </summary>
    [Range(1L, NistInvocationLimit - 1)]
    public long RetireAfterEncryptions { get; set; } = 1L << 30;

    /// <summary>
    /// Encryptions a node reserves from the database at a time (one atomic UPDATE per block), so
    /// several nodes can share a key without a database round trip per value. A node that stops
    /// loses the rest of its block, which only makes the count conservative. Default 65,536: a
    /// reservation is a durable write (milliseconds on SQLite), so smaller blocks showed up in
    /// the cost of every seal; losing a block per restart costs 0.006 % of a key's 2^30.
    /// </summary>
    [Range(1, 1 << 24)]
    public int ReservationBlock { get; set; } = 1 << 16;

    /// <summary>Checks that go beyond single attributes.</summary>
    internal static bool IsConsistent(EncryptionOptions options) =>
        options.ReservationBlock <= options.RetireAfterEncryptions;
}
