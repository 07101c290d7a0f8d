using System.Text;

namespace DataVault.Vault.Residents;

/// <summary>One entry of a resident blob: a field key and its bytes (UTF-8 for L1/L2, an envelope for L3+).</summary>
internal readonly record struct BlobEntry(string Key, bool IsEnvelope, ReadOnlyMemory<byte> Bytes);

/// <summary>
/// The compact binary form of a resident's field values (docs/storage.md, "Resident blob"):
/// <code>
/// blob  = version:u8 (=1) count:varint entry*
/// entry = keyLength:u8 key:ASCII kind:u8 (0 plain UTF-8, 1 envelope) length:varint bytes
/// </code>
/// Field keys are stored by name, not by position, so reordering or adding lines in
/// <c>policies/fields.csv</c> never changes the meaning of stored data. Entries are sorted by key
/// so the same values always encode to the same layout.
/// </summary>
internal static class ResidentBlob
{
    public const byte FormatVersion = 1;

    public static byte[] Encode(IReadOnlyList<BlobEntry> entries)
    {
        var copy = new BlobEntry[entries.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = entries[i];
        }
        return Encode(copy.AsSpan());
    }

    /// <summary>Encodes <paramref name="entries"/> (sorted in place by key) into one exactly sized array.</summary>
    public static byte[] Encode(Span<BlobEntry> entries)
    {
        entries.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var size = 1 + VarintSize((uint)entries.Length);
        foreach (var e in entries)
        {
            var keyLength = Encoding.ASCII.GetByteCount(e.Key);
            if (keyLength is 0 or > 255)
            {
                throw new ArgumentException("field key length must be 1..255", nameof(entries));
            }
            size += 1 + keyLength + 1 + VarintSize((uint)e.Bytes.Length) + e.Bytes.Length;
        }
        var blob = new byte[size];
        blob[0] = FormatVersion;
        var pos = 1;
        WriteVarint(blob, ref pos, (uint)entries.Length);
        foreach (var e in entries)
        {
            var keyLength = Encoding.ASCII.GetBytes(e.Key, blob.AsSpan(pos + 1));
            blob[pos] = (byte)keyLength;
            pos += 1 + keyLength;
            blob[pos++] = e.IsEnvelope ? (byte)1 : (byte)0;
            WriteVarint(blob, ref pos, (uint)e.Bytes.Length);
            e.Bytes.Span.CopyTo(blob.AsSpan(pos));
            pos += e.Bytes.Length;
        }
        return blob;
    }

    public static List<BlobEntry> Decode(ReadOnlyMemory<byte> blob)
    {
        var reader = new Reader(blob.Span);
        var entries = new List<BlobEntry>(Math.Min(reader.Count, 256));
        while (reader.Next(out var entry))
        {
            entries.Add(new BlobEntry(Encoding.ASCII.GetString(entry.KeyAscii), entry.IsEnvelope, blob.Slice(entry.Offset, entry.Bytes.Length)));
        }
        return entries;
    }

    /// <summary>One entry as <see cref="Reader"/> walks it: spans into the blob, nothing allocated.</summary>
    public readonly ref struct RawEntry(ReadOnlySpan<byte> keyAscii, bool isEnvelope, ReadOnlySpan<byte> bytes, int offset)
    {
        public ReadOnlySpan<byte> KeyAscii { get; } = keyAscii;

        public bool IsEnvelope { get; } = isEnvelope;

        public ReadOnlySpan<byte> Bytes { get; } = bytes;

        /// <summary>Where <see cref="Bytes"/> starts in the blob.</summary>
        public int Offset { get; } = offset;
    }

    /// <summary>
    /// Walks a blob's entries without allocating: a read that serves a few fields looks at every key
    /// but makes strings only of the values it serves. Validates the layout as it goes and throws
    /// <see cref="InvalidDataException"/> on a bad one (and on trailing bytes, after the last entry).
    /// </summary>
    public ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _blob;
        private int _pos;
        private int _left;

        public Reader(ReadOnlySpan<byte> blob)
        {
            if (blob.Length < 2 || blob[0] != FormatVersion)
            {
                throw new InvalidDataException("unsupported resident blob version");
            }
            _blob = blob;
            _pos = 1;
            var count = ReadVarint(blob, ref _pos);
            _left = count <= int.MaxValue ? (int)count : throw new InvalidDataException("bad entry count in resident blob");
            Count = _left;
        }

        public int Count { get; }

        public bool Next(out RawEntry entry)
        {
            if (_left == 0)
            {
                if (_pos != _blob.Length)
                {
                    throw new InvalidDataException("trailing bytes in resident blob");
                }
                entry = default;
                return false;
            }
            _left--;
            int keyLength = _blob[_pos++];
            var key = _blob.Slice(_pos, keyLength);
            _pos += keyLength;
            var isEnvelope = _blob[_pos++] switch
            {
                0 => false,
                1 => true,
                _ => throw new InvalidDataException("unknown resident blob entry kind"),
            };
            var length = (int)ReadVarint(_blob, ref _pos);
            entry = new RawEntry(key, isEnvelope, _blob.Slice(_pos, length), _pos);
            _pos += length;
            return true;
        }
    }

    private static int VarintSize(uint value)
    {
        var n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    private static void WriteVarint(byte[] destination, ref int pos, uint value)
    {
        while (value >= 0x80)
        {
            destination[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[pos++] = (byte)value;
    }

    private static uint ReadVarint(ReadOnlySpan<byte> span, ref int pos)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = span[pos++];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new InvalidDataException("bad varint in resident blob");
    }
}
