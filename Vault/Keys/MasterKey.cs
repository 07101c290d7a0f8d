using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DataVault.Vault.Encryption;

namespace DataVault.Vault.Keys;

/// <summary>
/// The unwrapped master key in memory: wraps and unwraps data keys with AES-256-GCM, the data
/// key's id as associated data (so a wrapped key copied onto another key's row does not unwrap).
/// Wrapped form: nonce(12) | encrypted key(32) | tag(16).
/// </summary>
internal sealed class MasterKey : IDisposable
{
    public const int Size = 32;
    private const int NonceSize = 12;
    private static readonly byte[] WrapLabel = "DataVault/key-wrap/v1"u8.ToArray();
    private static readonly byte[] IdLabel = "DataVault/master-key-id/v1"u8.ToArray();

    private readonly AesGcmKey _aead;

    public MasterKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != Size)
        {
            throw new MasterKeyException("The master key must be 256 bits.");
        }
        _aead = new AesGcmKey(key);
        // A public fingerprint, so the key ring can say which master key wrapped a data key.
        // HMAC under the key itself: reveals nothing about the key (it is a PRF output).
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, IdLabel, mac);
        Id = "mk-" + Convert.ToHexStringLower(mac[..8]);
    }

    /// <summary>A public fingerprint of the master key (<c>mk-</c> and 16 hex digits).</summary>
    public string Id { get; }

    public byte[] Wrap(string keyId, ReadOnlySpan<byte> dataKey)
    {
        var wrapped = new byte[NonceSize + dataKey.Length + AesGcmKey.TagSize];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceSize));
        Span<byte> aad = stackalloc byte[AadSize(keyId)];
        WriteAad(keyId, aad);
        _aead.Encrypt(wrapped.AsSpan(0, NonceSize), aad, dataKey, wrapped.AsSpan(NonceSize));
        return wrapped;
    }

    /// <summary>Unwraps into a new buffer the caller zeroes; null if the tag does not verify (wrong master key or altered row).</summary>
    public byte[]? TryUnwrap(string keyId, ReadOnlySpan<byte> wrapped)
    {
        if (wrapped.Length < NonceSize + AesGcmKey.TagSize)
        {
            return null;
        }
        var key = new byte[wrapped.Length - NonceSize - AesGcmKey.TagSize];
        Span<byte> aad = stackalloc byte[AadSize(keyId)];
        WriteAad(keyId, aad);
        return _aead.TryDecrypt(wrapped[..NonceSize], aad, wrapped[NonceSize..], key) ? key : null;
    }

    private static int AadSize(string keyId) => 4 + WrapLabel.Length + 4 + Encoding.ASCII.GetByteCount(keyId);

    private static void WriteAad(string keyId, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, WrapLabel.Length);
        WrapLabel.CopyTo(destination[4..]);
        var at = 4 + WrapLabel.Length;
        var idLength = Encoding.ASCII.GetBytes(keyId, destination[(at + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(destination[at..], idLength);
    }

    public void Dispose() => _aead.Dispose();
}
