using System.Text;

namespace DataVault.Vault.Residents;

/// <summary>One entry of a layout-1 resident blob: a field key and its bytes (UTF-8 for L1/L2, an envelope for L3+).</summary>
internal readonly record struct BlobEntry(string Key, bool IsEnvelope, ReadOnlyMemory<byte> Bytes);

/// <summary>
/// Layout 1 of a resident record (docs/storage.md, "Resident record, layout 1"), the layout before
/// issue 14: it showed every field key, which L4/L5 facts a resident has and each value's length, and
/// kept L1/L2 values plain. The vault no longer writes it; it reads it until the online migration
/// (<see cref="ResidentRotation"/>) has rewritten every row, and tests write it to prove that migration.
/// <code>
/// blob  = version:u8 (=1) count:varint entry*
/// entry = keyLength:u8 key:ASCII kind:u8 (0 plain UTF-8, 1 envelope) length:varint bytes
/// </code>
/// Field keys are stored by name, not by position, so reordering or adding lines in
/// <c>policies/fields.csv</c> never changes the meaning of stored data. Entries are sorted by key
/// so the same values always encode to the same layout.
/// </summary>
internal static class ResidentBlobLayout1
{
    public const byte FormatVersion = ResidentBlob.Layout1;

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
        var size = PrefixSize(entries.Length);
        foreach (var e in entries)
        {
            size += EntrySize(e.Key, e.Bytes.Length);
        }
        var blob = new byte[size];
        var pos = WritePrefix(blob, entries.Length);
        foreach (var e in entries)
        {
            pos = WriteEntryHeader(blob, pos, e.Key, e.IsEnvelope, e.Bytes.Length);
            e.Bytes.Span.CopyTo(blob.AsSpan(pos));
            pos += e.Bytes.Length;
        }
        return blob;
    }

    // The pieces of an encoding, for a writer that fills entries in place (ResidentCodec.Seal encrypts
    // each value straight into the blob). Entries must be written in ordinal key order.

    /// <summary>The size of the format version and the entry count.</summary>
    public static int PrefixSize(int count) => 1 + Varint.Size((uint)count);

    /// <summary>The size of one entry: key length, key, kind, value length and <paramref name="length"/> value bytes.</summary>
    public static int EntrySize(string key, int length)
    {
        if (key.Length is 0 or > 255 || !Ascii.IsValid(key))
        {
            throw new ArgumentException("a field key is 1..255 ASCII characters", nameof(key));
        }
        return 1 + key.Length + 1 + Varint.Size((uint)length) + length;
    }

    /// <summary>Writes the format version and the entry count; returns where the first entry starts.</summary>
    public static int WritePrefix(Span<byte> blob, int count)
    {
        blob[0] = FormatVersion;
        var pos = 1;
        Varint.Write(blob, ref pos, (uint)count);
        return pos;
    }

    /// <summary>Writes an entry's header at <paramref name="pos"/>; returns where its <paramref name="length"/> value bytes go.</summary>
    public static int WriteEntryHeader(Span<byte> blob, int pos, string key, bool isEnvelope, int length)
    {
        blob[pos++] = (byte)key.Length;
        pos += Encoding.ASCII.GetBytes(key, blob[pos..]);
        blob[pos++] = isEnvelope ? (byte)1 : (byte)0;
        Varint.Write(blob, ref pos, (uint)length);
        return pos;
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
            var count = Varint.Read(blob, ref _pos);
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
            var length = (int)Varint.Read(_blob, ref _pos);
            entry = new RawEntry(key, isEnvelope, _blob.Slice(_pos, length), _pos);
            _pos += length;
            return true;
        }
    }
}
