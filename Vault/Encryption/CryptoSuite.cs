namespace DataVault.Vault.Encryption;

/// <summary>
/// The family of algorithms a key belongs to (<c>Encryption:Suite</c>; recorded on every key, so one
/// store can hold keys of both while it rotates from one to the other). Stored as a number: never renumber.
/// </summary>
public enum CryptoSuite
{
    /// <summary>AES-256-GCM envelopes and key wrapping, HMAC-SHA256 blind indexes (the default).</summary>
    Aes = 1,

    /// <summary>
    /// 国密 (GB/T 39786's commercial cryptography): SM4-GCM envelopes and key wrapping (GB/T 32907, RFC 8998),
    /// HMAC-SM3 blind indexes (GB/T 32905).
    /// </summary>
    Sm = 2,
}

/// <summary>What each suite uses where.</summary>
internal static class CryptoSuites
{
    /// <summary>The envelope (and key-wrap) cipher of a suite.</summary>
    public static EnvelopeAlgorithm Aead(this CryptoSuite suite) => suite switch
    {
        CryptoSuite.Aes => EnvelopeAlgorithm.Aes256Gcm,
        CryptoSuite.Sm => EnvelopeAlgorithm.Sm4Gcm,
        _ => throw new ArgumentOutOfRangeException(nameof(suite), suite, "no such suite"),
    };

    /// <summary>The size of a data, blind-index or Data Protection key of a suite: the AEAD's key size.</summary>
    public static int KeySize(this CryptoSuite suite) => GcmKey.KeySizeOf(suite.Aead());
}
