using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DataVault.Vault.Encryption;
using DataVault.Vault.Encryption.Gm;

namespace DataVault.Vault.Keys;

/// <summary>
/// The unwrapped master key in memory: wraps and unwraps data keys in their suite's cipher, the data
/// key's id as associated data (so a wrapped key copied onto another key's row does not unwrap).
/// Wrapped form: nonce(12) | encrypted key | tag(16). An AES key is wrapped with AES-256-GCM under the
/// master key itself; an SM key with SM4-GCM under a 128-bit key derived from it
/// (the first 16 bytes of HMAC-SM3(master key, "DataVault/sm4-key-wrap/v1")), its own label in the
/// associated data, so a key of one suite never unwraps as the other's.
/// </summary>
internal sealed class MasterKey : IDisposable
{
    public const int Size = 32;
    private const int NonceSize = 12;
    private static readonly byte[] WrapLabel = "DataVault/key-wrap/v1"u8.ToArray();
    private static readonly byte[] SmWrapLabel = "DataVault/key-wrap/sm4/v1"u8.ToArray();
    private static readonly byte[] SmWrapKeyLabel = "DataVault/sm4-key-wrap/v1"u8.ToArray();
    private static readonly byte[] IdLabel = "DataVault/master-key-id/v1"u8.ToArray();

    private readonly GcmKey _aead;
    private readonly GcmKey _smAead;

    public MasterKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != Size)
        {
            throw new MasterKeyException("The master key must be 256 bits.");
        }
        _aead = GcmKey.Aes256(key);
        var smKey = GmPrimitives.HmacSm3(key, SmWrapKeyLabel);
        _smAead = new GcmKey(EnvelopeAlgorithm.Sm4Gcm, smKey.AsSpan(0, GcmKey.Sm4KeySize));
        CryptographicOperations.ZeroMemory(smKey);
        // A public fingerprint, so the key ring can say which master key wrapped a data key.
        // HMAC under the key itself: reveals nothing about the key (it is a PRF output).
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, IdLabel, mac);
        Id = "mk-" + Convert.ToHexStringLower(mac[..8]);
    }

    /// <summary>A public fingerprint of the master key (<c>mk-</c> and 16 hex digits).</summary>
    public string Id { get; }

    public byte[] Wrap(string keyId, ReadOnlySpan<byte> dataKey, CryptoSuite suite)
    {
        var (aead, label) = For(suite);
        var wrapped = new byte[NonceSize + dataKey.Length + GcmKey.TagSize];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceSize));
        Span<byte> aad = stackalloc byte[AadSize(label, keyId)];
        WriteAad(label, keyId, aad);
        aead.Encrypt(wrapped.AsSpan(0, NonceSize), aad, dataKey, wrapped.AsSpan(NonceSize));
        return wrapped;
    }

    /// <summary>Unwraps into a new buffer the caller zeroes; null if the tag does not verify (wrong master key, suite or altered row).</summary>
    public byte[]? TryUnwrap(string keyId, ReadOnlySpan<byte> wrapped, CryptoSuite suite)
    {
        if (wrapped.Length < NonceSize + GcmKey.TagSize)
        {
            return null;
        }
        var (aead, label) = For(suite);
        var key = new byte[wrapped.Length - NonceSize - GcmKey.TagSize];
        Span<byte> aad = stackalloc byte[AadSize(label, keyId)];
        WriteAad(label, keyId, aad);
        return aead.TryDecrypt(wrapped[..NonceSize], aad, wrapped[NonceSize..], key) ? key : null;
    }

    private (GcmKey Aead, byte[] Label) For(CryptoSuite suite) => suite switch
    {
        CryptoSuite.Aes => (_aead, WrapLabel),
        CryptoSuite.Sm => (_smAead, SmWrapLabel),
        _ => throw new ArgumentOutOfRangeException(nameof(suite), suite, "no such suite"),
    };

    private static int AadSize(byte[] label, string keyId) => 4 + label.Length + 4 + Encoding.ASCII.GetByteCount(keyId);

    private static void WriteAad(byte[] label, string keyId, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, label.Length);
        label.CopyTo(destination[4..]);
        var at = 4 + label.Length;
        var idLength = Encoding.ASCII.GetBytes(keyId, destination[(at + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(destination[at..], idLength);
    }

    public void Dispose()
    {
        _aead.Dispose();
        _smAead.Dispose();
    }
}
