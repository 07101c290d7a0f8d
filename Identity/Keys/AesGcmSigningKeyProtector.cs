using System.Security.Cryptography;
using System.Text;

namespace DataVault.Identity.Keys;

/// <summary>
/// The embedded default protector: AES-256-GCM under a key-encryption key. Layout:
/// version (1 byte) | nonce (12) | tag (16) | ciphertext. The key id is the associated data, so a
/// protected key copied onto another row fails to open (NIST SP 800-38D: fresh random 96-bit nonce
/// per call; far fewer than 2^32 calls per KEK, one per key rotation).
/// </summary>
internal sealed class AesGcmSigningKeyProtector : ISigningKeyProtector, IDisposable
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Purpose = "datavault.identity.token-keys.v1"u8.ToArray();

    private readonly AesGcm _aes;

    public AesGcmSigningKeyProtector(ReadOnlySpan<byte> keyEncryptionKey)
    {
        if (keyEncryptionKey.Length != 32)
        {
            throw new ArgumentException("The key-encryption key must be 32 bytes.", nameof(keyEncryptionKey));
        }
        _aes = new AesGcm(keyEncryptionKey, TagSize);
    }

    public byte[] Protect(string keyId, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[1 + NonceSize + TagSize + plaintext.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        _aes.Encrypt(nonce, plaintext, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize), AssociatedData(keyId));
        return output;
    }

    public byte[] Unprotect(string keyId, ReadOnlySpan<byte> protectedBytes)
    {
        if (protectedBytes.Length < 1 + NonceSize + TagSize || protectedBytes[0] != Version)
        {
            throw new CryptographicException("Unrecognised protected key format.");
        }
        var plaintext = new byte[protectedBytes.Length - 1 - NonceSize - TagSize];
        _aes.Decrypt(protectedBytes.Slice(1, NonceSize), protectedBytes[(1 + NonceSize + TagSize)..], protectedBytes.Slice(1 + NonceSize, TagSize), plaintext, AssociatedData(keyId));
        return plaintext;
    }

    private static byte[] AssociatedData(string keyId) => [.. Purpose, 0, .. Encoding.UTF8.GetBytes(keyId)];

    public void Dispose() => _aes.Dispose();

    /// <summary>
    /// The key-encryption key: from configuration (<c>Identity:KeyProtection:Key</c>, base64, e.g. an
    /// environment variable fed from a secret store) or, for the embedded single-machine default, a
    /// random key file in the data directory created on first run with owner-only permissions.
    /// The file sits apart from the database so a copied database alone does not open the keys.
    /// </summary>
    public static byte[] LoadOrCreateKeyEncryptionKey(string? configuredBase64, string keyFilePath)
    {
        if (!string.IsNullOrWhiteSpace(configuredBase64))
        {
            return Convert.FromBase64String(configuredBase64);
        }
        if (!File.Exists(keyFilePath))
        {
            // Two nodes starting together on one data directory: one file wins, complete, and the
            // other reads it (the keys folder is owner-only, 0700, like the vault's master key's).
            var key = RandomNumberGenerator.GetBytes(32);
            if (Storage.OwnerOnlyFiles.CreateCompleteOrKeepExisting(keyFilePath, key))
            {
                return key;
            }
        }
        return File.ReadAllBytes(keyFilePath);
    }
}
