using System.Buffers.Binary;
using System.Text;

namespace DataVault.Vault.Encryption;

/// <summary>
/// Algorithm ids of the field envelope. They are part of the stored format: never renumber or reuse one.
/// </summary>
public enum EnvelopeAlgorithm : byte
{
    /// <summary>AES-256-GCM, 96-bit nonce, 128-bit tag (NIST SP 800-38D).</summary>
    Aes256Gcm = 1,

    /// <summary>SM4-GCM (GB/T 32907 in GCM as RFC 8998 specifies), 96-bit nonce, 128-bit tag: the <c>Sm</c> suite's.</summary>
    Sm4Gcm = 2,
}

/// <summary>The parts of an envelope, as views into its bytes.</summary>
internal readonly ref struct EnvelopeParts
{
    public EnvelopeParts(EnvelopeAlgorithm algorithm, ReadOnlySpan<byte> header, ReadOnlySpan<byte> keyIdAscii, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertextAndTag)
    {
        Algorithm = algorithm;
        Header = header;
        KeyIdAscii = keyIdAscii;
        Nonce = nonce;
        CiphertextAndTag = ciphertextAndTag;
    }

    public EnvelopeAlgorithm Algorithm { get; }

    /// <summary>Version, algorithm id, key id length and key id: authenticated as associated data.</summary>
    public ReadOnlySpan<byte> Header { get; }

    /// <summary>The key id's ASCII bytes (a string is made only when one is needed: a message or a cache miss).</summary>
    public ReadOnlySpan<byte> KeyIdAscii { get; }

    public string KeyId => Encoding.ASCII.GetString(KeyIdAscii);

    public ReadOnlySpan<byte> Nonce { get; }

    public ReadOnlySpan<byte> CiphertextAndTag { get; }
}

/// <summary>
/// The versioned field envelope (docs/encryption.md has the byte layout):
/// <code>
/// version(1) = 0x01 | algorithm(1) | keyIdLength(1) = n | keyId(n, ASCII) | nonce(12) | ciphertext | tag(16)
/// </code>
/// and its associated data, a canonical length-prefixed encoding of the slot and the header:
/// <code>
/// lp("DataVault/field/v1") | lp(UTF-8 RecordId) | lp(UTF-8 FieldKey) | lp(UTF-8 JurisdictionCode) | level(1) | lp(header)
/// </code>
/// where lp(x) is a 4-byte big-endian length followed by x. Length prefixes make the encoding
/// unambiguous (record "a|b" + field "c" cannot collide with record "a" + field "b|c"), and
/// binding the header means a swapped key id or algorithm id fails authentication even if the
/// other key could be found.
/// </summary>
internal static class EnvelopeFormat
{
    public const byte Version1 = 1;
    public const int NonceSize = 12;
    public const int TagSize = GcmKey.TagSize;
    public const int MaxKeyIdLength = 64;
    private const int FixedHeaderSize = 3;

    private static readonly byte[] AadLabel = "DataVault/field/v1"u8.ToArray();

    public static int HeaderSize(int keyIdLength) => FixedHeaderSize + keyIdLength;

    public static int EnvelopeSize(int keyIdLength, int plaintextLength) => HeaderSize(keyIdLength) + NonceSize + plaintextLength + TagSize;

    /// <summary>Writes the header and returns its length.</summary>
    public static int WriteHeader(Span<byte> destination, EnvelopeAlgorithm algorithm, ReadOnlySpan<byte> keyIdAscii)
    {
        destination[0] = Version1;
        destination[1] = (byte)algorithm;
        destination[2] = checked((byte)keyIdAscii.Length);
        keyIdAscii.CopyTo(destination[FixedHeaderSize..]);
        return FixedHeaderSize + keyIdAscii.Length;
    }

    /// <summary>Splits an envelope; returns the failure, or null when the layout is well-formed.</summary>
    public static EnvelopeFailure? TryParse(ReadOnlySpan<byte> envelope, out EnvelopeParts parts)
    {
        parts = default;
        if (envelope.Length < FixedHeaderSize)
        {
            return EnvelopeFailure.Malformed;
        }
        if (envelope[0] != Version1)
        {
            return EnvelopeFailure.UnsupportedVersion;
        }
        var keyIdLength = envelope[2];
        if (keyIdLength is 0 or > MaxKeyIdLength || envelope.Length < FixedHeaderSize + keyIdLength + NonceSize + TagSize)
        {
            return EnvelopeFailure.Malformed;
        }
        var keyIdBytes = envelope.Slice(FixedHeaderSize, keyIdLength);
        if (!IsKeyIdAscii(keyIdBytes))
        {
            return EnvelopeFailure.Malformed;
        }
        // The algorithm is checked after the layout so that a malformed envelope is reported as such,
        // and before any key lookup. That it is the key's algorithm is checked once the key is found.
        if (envelope[1] is not ((byte)EnvelopeAlgorithm.Aes256Gcm or (byte)EnvelopeAlgorithm.Sm4Gcm))
        {
            return EnvelopeFailure.UnsupportedAlgorithm;
        }
        var headerSize = FixedHeaderSize + keyIdLength;
        parts = new EnvelopeParts(
            (EnvelopeAlgorithm)envelope[1],
            envelope[..headerSize],
            keyIdBytes,
            envelope.Slice(headerSize, NonceSize),
            envelope[(headerSize + NonceSize)..]);
        return null;
    }

    /// <summary>Key ids are short ASCII names (letters, digits, '-', '_', '.').</summary>
    public static bool IsKeyIdAscii(ReadOnlySpan<byte> keyId)
    {
        foreach (var b in keyId)
        {
            var ok = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'.';
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>An upper bound of the associated data's size for <paramref name="slot"/>.</summary>
    public static int MaxAssociatedDataSize(FieldSlot slot, int headerLength) =>
        4 + AadLabel.Length
        + 4 + Encoding.UTF8.GetMaxByteCount(slot.RecordId.Length)
        + 4 + Encoding.UTF8.GetMaxByteCount(slot.FieldKey.Length)
        + 4 + Encoding.UTF8.GetMaxByteCount(slot.JurisdictionCode.Length)
        + 1
        + 4 + headerLength;

    /// <summary>Writes the associated data for <paramref name="slot"/> and <paramref name="header"/>; returns its length.</summary>
    public static int WriteAssociatedData(FieldSlot slot, ReadOnlySpan<byte> header, Span<byte> destination)
    {
        var at = 0;
        at += WritePrefixed(destination[at..], AadLabel);
        at += WritePrefixed(destination[at..], slot.RecordId);
        at += WritePrefixed(destination[at..], slot.FieldKey);
        at += WritePrefixed(destination[at..], slot.JurisdictionCode);
        destination[at++] = checked((byte)slot.Level);
        at += WritePrefixed(destination[at..], header);
        return at;
    }

    /// <summary>lp(x): a 4-byte big-endian length, then x.</summary>
    public static int WritePrefixed(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, value.Length);
        value.CopyTo(destination[4..]);
        return 4 + value.Length;
    }

    /// <summary>lp(UTF-8 x).</summary>
    public static int WritePrefixed(Span<byte> destination, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteInt32BigEndian(destination, length);
        return 4 + length;
    }
}
