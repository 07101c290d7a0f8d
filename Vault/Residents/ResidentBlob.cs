using System.Text;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Residents;

/// <summary>
/// Layout 2 of a resident record (docs/storage.md, "Resident record, layout 2"): one AEAD envelope per
/// sensitivity level, every level the schema declares present for every resident whatever it holds,
/// each padded to its level's size (<see cref="BucketSizes"/>). At rest a row shows its routing columns
/// and nothing else: no field key, no count of facts, no value length.
/// <code>
/// blob    = layout:u8 (=2) bucketCount:u8 bucket*            buckets in ascending level order
/// bucket  = level:u8 envelopeLength:varint envelope          envelope: docs/encryption.md
/// content = count:varint entry* zero*                        a bucket's plaintext, padded with zero bytes
/// entry   = keyLength:u8 key:ASCII valueLength:varint value:UTF-8     entries in ordinal key order
/// </code>
/// Field keys stay names inside the content (as in layout 1), so reordering or adding lines in
/// <c>policies/fields.csv</c> never changes the meaning of stored data.
/// </summary>
internal static class ResidentBlob
{
    public const byte Layout1 = 1;
    public const byte Layout2 = 2;

    /// <summary>The layout byte of a stored blob (0 for an empty one).</summary>
    public static byte LayoutOf(ReadOnlySpan<byte> blob) => blob.IsEmpty ? (byte)0 : blob[0];

    public const int PrefixSize = 2;

    /// <summary>The size of a bucket's level and length, before its envelope.</summary>
    public static int BucketHeaderSize(int envelopeLength) => 1 + Varint.Size((uint)envelopeLength);

    public static int WritePrefix(Span<byte> blob, int bucketCount)
    {
        blob[0] = Layout2;
        blob[1] = checked((byte)bucketCount);
        return PrefixSize;
    }

    /// <summary>Writes a bucket's header at <paramref name="pos"/>; returns where its envelope goes.</summary>
    public static int WriteBucketHeader(Span<byte> blob, int pos, SensitivityLevel level, int envelopeLength)
    {
        blob[pos++] = (byte)level;
        Varint.Write(blob, ref pos, (uint)envelopeLength);
        return pos;
    }

    /// <summary>The size of one content entry holding <paramref name="valueLength"/> UTF-8 bytes.</summary>
    public static int EntrySize(string key, int valueLength)
    {
        if (key.Length is 0 or > 255 || !Ascii.IsValid(key))
        {
            throw new ArgumentException("a field key is 1..255 ASCII characters", nameof(key));
        }
        return 1 + key.Length + Varint.Size((uint)valueLength) + valueLength;
    }

    public static int ContentPrefixSize(int count) => Varint.Size((uint)count);

    public static int WriteContentPrefix(Span<byte> content, int count)
    {
        var pos = 0;
        Varint.Write(content, ref pos, (uint)count);
        return pos;
    }

    /// <summary>Writes an entry's key and length at <paramref name="pos"/>; returns where its value bytes go.</summary>
    public static int WriteEntryHeader(Span<byte> content, int pos, string key, int valueLength)
    {
        content[pos++] = (byte)key.Length;
        pos += Encoding.ASCII.GetBytes(key, content[pos..]);
        Varint.Write(content, ref pos, (uint)valueLength);
        return pos;
    }

    /// <summary>Walks the buckets of a layout-2 blob; throws <see cref="InvalidDataException"/> on a bad layout.</summary>
    public ref struct BucketReader
    {
        private readonly ReadOnlySpan<byte> _blob;
        private int _pos;
        private int _left;
        private int _lastLevel;

        public BucketReader(ReadOnlySpan<byte> blob)
        {
            if (blob.Length < PrefixSize || blob[0] != Layout2)
            {
                throw new InvalidDataException("not a layout-2 resident record");
            }
            _blob = blob;
            _pos = PrefixSize;
            _left = blob[1];
            _lastLevel = -1;
        }

        public bool Next(out SensitivityLevel level, out ReadOnlySpan<byte> envelope)
        {
            if (_left == 0)
            {
                level = default;
                envelope = default;
                return _pos == _blob.Length ? false : throw new InvalidDataException("trailing bytes in resident record");
            }
            _left--;
            var raw = Byte(_blob, ref _pos);
            if (raw <= _lastLevel || raw > (int)SensitivityLevel.L5)
            {
                throw new InvalidDataException("resident record buckets out of order or of an unknown level");
            }
            _lastLevel = raw;
            level = (SensitivityLevel)raw;
            envelope = Slice(_blob, ref _pos, Varint.Read(_blob, ref _pos));
            return true;
        }
    }

    /// <summary>
    /// Walks the entries of a bucket's plaintext without allocating; checks that what follows the last
    /// entry is zero padding. Throws <see cref="InvalidDataException"/> on a bad layout.
    /// </summary>
    public ref struct ContentReader
    {
        private readonly ReadOnlySpan<byte> _content;
        private int _pos;
        private uint _left;

        public ContentReader(ReadOnlySpan<byte> content)
        {
            _content = content;
            _left = Varint.Read(content, ref _pos);
        }

        public bool Next(out ReadOnlySpan<byte> keyAscii, out ReadOnlySpan<byte> value)
        {
            if (_left == 0)
            {
                keyAscii = default;
                value = default;
                return _content[_pos..].ContainsAnyExcept((byte)0) ? throw new InvalidDataException("bucket padding is not zero") : false;
            }
            _left--;
            keyAscii = Slice(_content, ref _pos, Byte(_content, ref _pos));
            value = Slice(_content, ref _pos, Varint.Read(_content, ref _pos));
            return true;
        }
    }

    private static byte Byte(ReadOnlySpan<byte> span, ref int pos) =>
        pos < span.Length ? span[pos++] : throw new InvalidDataException("truncated resident record");

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> span, scoped ref int pos, uint length)
    {
        if (length > (uint)(span.Length - pos))
        {
            throw new InvalidDataException("truncated resident record");
        }
        var slice = span.Slice(pos, (int)length);
        pos += (int)length;
        return slice;
    }
}

/// <summary>Unsigned LEB128 integers, as both record layouts write lengths and counts.</summary>
internal static class Varint
{
    public static int Size(uint value)
    {
        var n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    public static void Write(Span<byte> destination, ref int pos, uint value)
    {
        while (value >= 0x80)
        {
            destination[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[pos++] = (byte)value;
    }

    public static uint Read(ReadOnlySpan<byte> span, ref int pos)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (pos >= span.Length)
            {
                break;
            }
            var b = span[pos++];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new InvalidDataException("bad varint in resident record");
    }
}
