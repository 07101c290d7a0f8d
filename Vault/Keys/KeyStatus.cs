using DataVault.Vault.Schema;

namespace DataVault.Vault.Keys;

/// <summary>One key as <c>keys status</c> shows it: metadata only, never key material.</summary>
public sealed record KeyStatus(
    string KeyId,
    KeyPurpose Purpose,
    SensitivityLevel? Level,
    string? DistrictCode,
    int Version,
    KeyState State,
    long EncryptionsReserved,
    long EncryptionLimit,
    string MasterKeyId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeactivatedAt,
    DateTimeOffset? RetiredAt)
{
    /// <summary>The suite the key was created in (<c>Aes</c> or <c>Sm</c>).</summary>
    public Encryption.CryptoSuite Suite { get; init; } = Encryption.CryptoSuite.Aes;
}

/// <summary>What <c>Retire</c> did.</summary>
public enum RetireOutcome
{
    /// <summary>The key's material was erased; values still sealed with it can no longer be opened.</summary>
    Retired,
    /// <summary>No key has that id.</summary>
    NotFound,
    /// <summary>The key still encrypts new values: rotate first.</summary>
    StillActive,
    /// <summary>The caller counted values still sealed with it: re-encrypt them first.</summary>
    StillInUse,
    /// <summary>Already retired; nothing changed.</summary>
    AlreadyRetired,
    /// <summary>Blind-index keys are not retired: every stored index depends on them.</summary>
    NotADataKey,
}

/// <summary>The result of <c>KeyRing.RetireAsync</c>; expected refusals are returned, not thrown.</summary>
public sealed record RetireResult(string KeyId, RetireOutcome Outcome, string Detail);
