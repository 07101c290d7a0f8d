using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using DataVault.Vault.Keys;

namespace DataVault.Vault.Encryption;

/// <summary>
/// Seals and opens field values in the versioned envelope (<see cref="EnvelopeFormat"/>) under the
/// data key of the slot's (level, district), with that key's cipher: AES-256-GCM, or SM4-GCM for a
/// key of the <c>Sm</c> suite (the envelope names which). Nonces are 96 random bits:
/// with the key ring's usage limit (well below 2^32 per key, NIST SP 800-38D §8.3) the chance
/// of a repeated nonce stays negligible. Singleton; thread-safe.
/// </summary>
internal sealed class FieldCipher(KeyRing keyRing)
{
    private const int StackLimit = 512;

    /// <summary>Encrypts <paramref name="plaintext"/> for <paramref name="slot"/> and returns the envelope bytes.</summary>
    public byte[] Seal(FieldSlot slot, ReadOnlySpan<byte> plaintext)
    {
        var key = KeyForSeal(slot);
        var envelope = new byte[SealedSize(key, plaintext.Length)];
        SealInto(slot, key, plaintext, envelope);
        return envelope;
    }

    /// <summary>
    /// The first step of a seal written straight into a larger buffer (a resident blob): the data key
    /// for the slot, with one encryption counted against its usage limit. Follow with exactly one
    /// <see cref="SealInto"/>; a key acquired and not used only makes the count conservative.
    /// </summary>
    public DataKey KeyForSeal(FieldSlot slot)
    {
        CheckSlot(slot);
        return KeyForSeal<FieldSlot>(slot);
    }

    /// <summary>As <see cref="KeyForSeal(FieldSlot)"/> for any envelope slot (a resident record's level bucket).</summary>
    public DataKey KeyForSeal<TSlot>(TSlot slot)
        where TSlot : IEnvelopeSlot => keyRing.AcquireForEncryption(slot.Level, slot.DistrictCode);

    /// <summary>The size of the envelope sealing <paramref name="plaintextLength"/> bytes under <paramref name="key"/>.</summary>
    public static int SealedSize(DataKey key, int plaintextLength) => EnvelopeFormat.EnvelopeSize(key.KeyIdAscii.Length, plaintextLength);

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> for <paramref name="slot"/> into <paramref name="envelope"/>,
    /// exactly <see cref="SealedSize"/> bytes, under a key from <see cref="KeyForSeal"/>.
    /// </summary>
    public static void SealInto<TSlot>(TSlot slot, DataKey key, ReadOnlySpan<byte> plaintext, Span<byte> envelope)
        where TSlot : IEnvelopeSlot
    {
        if (key.Level != slot.Level || !key.DistrictCode.AsSpan().SequenceEqual(slot.DistrictCode))
        {
            throw new ArgumentException("The key is not the slot's (level, district) key.", nameof(key));
        }
        if (envelope.Length != SealedSize(key, plaintext.Length))
        {
            throw new ArgumentException("The envelope buffer must be exactly the sealed size.", nameof(envelope));
        }
        var headerLength = EnvelopeFormat.WriteHeader(envelope, key.Aead.Algorithm, key.KeyIdAscii);
        var nonce = envelope.Slice(headerLength, EnvelopeFormat.NonceSize);
        NonceSource.Fill(nonce);

        var maxAad = slot.MaxAssociatedDataSize(headerLength);
        byte[]? rented = null;
        var aad = maxAad <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(maxAad));
        try
        {
            var aadLength = slot.WriteAssociatedData(envelope[..headerLength], aad);
            key.Aead.Encrypt(nonce, aad[..aadLength], plaintext, envelope[(headerLength + EnvelopeFormat.NonceSize)..]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Decrypts an envelope sealed for exactly this <paramref name="slot"/>; throws <see cref="EnvelopeException"/> otherwise.</summary>
    public byte[] Open(FieldSlot slot, ReadOnlySpan<byte> envelope)
    {
        CheckSlot(slot);
        var key = KeyFor(slot, envelope, out var parts);
        var plaintext = new byte[parts.CiphertextAndTag.Length - EnvelopeFormat.TagSize];
        Decrypt(slot, key, parts, plaintext);
        return plaintext;
    }

    /// <summary>
    /// Opens an envelope holding UTF-8 text. The plaintext bytes live on the stack (or in a pooled
    /// buffer for long values) and are cleared before returning: only the string leaves.
    /// </summary>
    public string OpenString(FieldSlot slot, ReadOnlySpan<byte> envelope)
    {
        CheckSlot(slot);
        var key = KeyFor(slot, envelope, out var parts);
        var length = parts.CiphertextAndTag.Length - EnvelopeFormat.TagSize;
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        var plaintext = buffer[..length];
        try
        {
            Decrypt(slot, key, parts, plaintext);
            return Encoding.UTF8.GetString(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The plaintext length of a well-formed envelope (its ciphertext without the tag); throws <see cref="EnvelopeException"/> otherwise.</summary>
    public static int PlaintextLength<TSlot>(TSlot slot, ReadOnlySpan<byte> envelope)
        where TSlot : IEnvelopeSlot =>
        EnvelopeFormat.TryParse(envelope, out var parts) is { } malformed
            ? throw new EnvelopeException(malformed, slot.RecordId, slot.PartName)
            : parts.CiphertextAndTag.Length - EnvelopeFormat.TagSize;

    /// <summary>
    /// Decrypts an envelope sealed for exactly this <paramref name="slot"/> into <paramref name="plaintext"/>,
    /// exactly <see cref="PlaintextLength"/> bytes (the caller owns and clears the buffer); throws
    /// <see cref="EnvelopeException"/> when it is malformed, under an unknown key or does not authenticate.
    /// </summary>
    public void OpenInto<TSlot>(TSlot slot, ReadOnlySpan<byte> envelope, Span<byte> plaintext)
        where TSlot : IEnvelopeSlot
    {
        var key = KeyFor(slot, envelope, out var parts);
        if (plaintext.Length != parts.CiphertextAndTag.Length - EnvelopeFormat.TagSize)
        {
            throw new ArgumentException("The plaintext buffer must be exactly the envelope's plaintext length.", nameof(plaintext));
        }
        Decrypt(slot, key, parts, plaintext);
    }

    /// <summary>Parses the envelope and finds its data key, checking that the key belongs to the slot.</summary>
    private DataKey KeyFor<TSlot>(TSlot slot, ReadOnlySpan<byte> envelope, out EnvelopeParts parts)
        where TSlot : IEnvelopeSlot
    {
        if (EnvelopeFormat.TryParse(envelope, out parts) is { } malformed)
        {
            throw new EnvelopeException(malformed, slot.RecordId, slot.PartName);
        }
        var key = keyRing.FindForDecryption(parts.KeyIdAscii, out var missing)
            ?? throw new EnvelopeException(missing ?? EnvelopeFailure.UnknownKey, slot.RecordId, slot.PartName, parts.KeyId);
        // The associated data already binds the level and district; this check only turns a
        // moved value into a precise message instead of a generic authentication failure.
        if (key.Level != slot.Level || !key.DistrictCode.AsSpan().SequenceEqual(slot.DistrictCode))
        {
            throw new EnvelopeException(EnvelopeFailure.KeyNotForSlot, slot.RecordId, slot.PartName, parts.KeyId);
        }
        // The algorithm id is authenticated too, so an id that is not the key's can only be an altered
        // byte; it is refused before a cipher is run with a key of the wrong size.
        if (key.Aead.Algorithm != parts.Algorithm)
        {
            throw new EnvelopeException(EnvelopeFailure.AuthenticationFailed, slot.RecordId, slot.PartName, parts.KeyId);
        }
        return key;
    }

    /// <summary>Decrypts into <paramref name="plaintext"/> (exactly the plaintext length); throws when the tag does not verify.</summary>
    private static void Decrypt<TSlot>(TSlot slot, DataKey key, EnvelopeParts parts, Span<byte> plaintext)
        where TSlot : IEnvelopeSlot
    {
        var maxAad = slot.MaxAssociatedDataSize(parts.Header.Length);
        byte[]? rented = null;
        var aad = maxAad <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(maxAad));
        bool ok;
        try
        {
            var aadLength = slot.WriteAssociatedData(parts.Header, aad);
            ok = key.Aead.TryDecrypt(parts.Nonce, aad[..aadLength], parts.CiphertextAndTag, plaintext);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        if (!ok)
        {
            throw new EnvelopeException(EnvelopeFailure.AuthenticationFailed, slot.RecordId, slot.PartName, parts.KeyId);
        }
    }

    /// <summary>Seals the UTF-8 bytes of <paramref name="value"/>.</summary>
    public byte[] SealString(FieldSlot slot, string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(value, buffer);
            return Seal(slot, buffer.AsSpan(0, length));
        }
        finally
        {
            // The pool's buffer would otherwise keep the plaintext until it is reused.
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, max));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The key id an envelope was sealed with, without decrypting it: what a re-encryption pass
    /// reads to find values still under an old key version. Throws <see cref="FormatException"/>
    /// if the bytes are not an envelope.
    /// </summary>
    public static string KeyIdOf(ReadOnlySpan<byte> envelope) =>
        EnvelopeFormat.TryParse(envelope, out var parts) switch
        {
            null => parts.KeyId,
            { } failure => throw new FormatException($"Not a readable DataVault field envelope ({failure})."),
        };

    private static void CheckSlot(FieldSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (slot.JurisdictionCode is not { Length: >= 6 } code || code.AsSpan(0, 6).ContainsAnyExceptInRange('0', '9'))
        {
            throw new ArgumentException("A slot's jurisdiction code starts with a six-digit district code.", nameof(slot));
        }
        if (string.IsNullOrEmpty(slot.RecordId) || string.IsNullOrEmpty(slot.FieldKey))
        {
            throw new ArgumentException("A slot names its record and its field.", nameof(slot));
        }
    }
}
