using System.Collections.Concurrent;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace DataVault.Vault.Encryption;

/// <summary>
/// One GCM key, through BouncyCastle (GcmBlockCipher + AeadParameters), 96-bit nonce, 128-bit tag:
/// AES-256 (NIST SP 800-38D) or SM4 (GB/T 32907, in GCM as RFC 8998 specifies), by the key's
/// <see cref="Algorithm"/>. The two differ only in the block cipher under GCM and in the key size.
/// <para>
/// Speed: initialising a GcmBlockCipher with a key expands the block cipher's key schedule and the GHASH
/// table (several microseconds). A full record opens ~30 fields, so each key keeps a small pool
/// of ciphers already keyed; later operations re-initialise them with a null key (BouncyCastle
/// then keeps the key schedule and H) and only a new nonce, which is what makes a record open in
/// tens of microseconds. The pool is what makes the type thread-safe: a cipher is used by one
/// thread at a time.
/// </para>
/// </summary>
internal sealed class GcmKey : IDisposable
{
    public const int Aes256KeySize = 32;
    public const int Sm4KeySize = 16;
    public const int TagSize = 16;
    private const int MacSizeBits = TagSize * 8;
    private const int MaxPooled = 16;

    private readonly ConcurrentBag<GcmBlockCipher> _pool = [];
    private byte[]? _key;

    /// <summary>Takes a copy of <paramref name="key"/>; the caller may zero its own buffer afterwards.</summary>
    public GcmKey(EnvelopeAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        var size = KeySizeOf(algorithm);
        if (key.Length != size)
        {
            throw new ArgumentException($"{algorithm} needs a {size}-byte key.", nameof(key));
        }
        Algorithm = algorithm;
        _key = key.ToArray();
    }

    /// <summary>An AES-256-GCM key.</summary>
    public static GcmKey Aes256(ReadOnlySpan<byte> key) => new(EnvelopeAlgorithm.Aes256Gcm, key);

    /// <summary>The key's block cipher, as the envelope's algorithm id names it.</summary>
    public EnvelopeAlgorithm Algorithm { get; }

    /// <summary>The key size of <paramref name="algorithm"/> in bytes.</summary>
    public static int KeySizeOf(EnvelopeAlgorithm algorithm) => algorithm switch
    {
        EnvelopeAlgorithm.Aes256Gcm => Aes256KeySize,
        EnvelopeAlgorithm.Sm4Gcm => Sm4KeySize,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "no such envelope algorithm"),
    };

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertextAndTag"/> (plaintext length + 16 bytes).</summary>
    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag)
    {
        if (ciphertextAndTag.Length != plaintext.Length + TagSize)
        {
            throw new ArgumentException("The output must be the plaintext length plus the tag.", nameof(ciphertextAndTag));
        }
        var cipher = Rent(forEncryption: true, nonce);
        try
        {
            cipher.ProcessAadBytes(associatedData);
            var written = cipher.ProcessBytes(plaintext, ciphertextAndTag);
            cipher.DoFinal(ciphertextAndTag[written..]);
        }
        finally
        {
            Return(cipher);
        }
    }

    /// <summary>
    /// Decrypts and verifies; returns false (and clears <paramref name="plaintext"/>) when the tag does
    /// not verify. Nothing of an unauthenticated plaintext is left to the caller.
    /// </summary>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext)
    {
        if (ciphertextAndTag.Length < TagSize || plaintext.Length != ciphertextAndTag.Length - TagSize)
        {
            return false;
        }
        var cipher = Rent(forEncryption: false, nonce);
        try
        {
            cipher.ProcessAadBytes(associatedData);
            var written = cipher.ProcessBytes(ciphertextAndTag, plaintext);
            cipher.DoFinal(plaintext[written..]);
            return true;
        }
        catch (InvalidCipherTextException)
        {
            plaintext.Clear();
            return false;
        }
        finally
        {
            Return(cipher);
        }
    }

    private GcmBlockCipher Rent(bool forEncryption, ReadOnlySpan<byte> nonce)
    {
        var key = _key ?? throw new ObjectDisposedException(nameof(GcmKey));
        if (_pool.TryTake(out var cipher))
        {
            // Same key: a null KeyParameter keeps the key schedule and the GHASH table (see class remarks).
            cipher.Init(forEncryption, new AeadParameters(null, MacSizeBits, nonce.ToArray()));
            return cipher;
        }
        cipher = new GcmBlockCipher(Algorithm == EnvelopeAlgorithm.Sm4Gcm ? new SM4Engine() : AesUtilities.CreateEngine());
        cipher.Init(forEncryption, new AeadParameters(new KeyParameter(key), MacSizeBits, nonce.ToArray()));
        return cipher;
    }

    private void Return(GcmBlockCipher cipher)
    {
        if (_key is not null && _pool.Count < MaxPooled)
        {
            _pool.Add(cipher);
        }
    }

    public void Dispose()
    {
        if (_key is { } key)
        {
            Array.Clear(key);
            _key = null;
        }
        _pool.Clear();
    }
}
