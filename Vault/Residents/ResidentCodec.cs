using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using DataVault.Vault.Encryption;
using DataVault.Vault.Keys;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Residents;

/// <summary>
/// Turns a resident's field values into a <see cref="ResidentBlob"/> (layout 2) and back: the values of
/// each sensitivity level are sealed together, padded to the level's fixed size, in one envelope under
/// the (level, district) key whose associated data binds the record's id, routing columns and version
/// (<see cref="BucketSlot"/>). A bucket copied to another record, moved with an edited routing column,
/// or put back from an older version fails to open. Layout-1 records (ResidentCodec.Layout1.cs) are
/// still read until the online migration has rewritten them.
/// </summary>
internal sealed partial class ResidentCodec(ResidentSchema schema, FieldCipher cipher, KeyRing keyRing)
{
    private readonly BucketSizes _sizes = new(schema);

    /// <summary>
    /// Seals a resident's values into one blob in one array: each bucket's plaintext is written into a
    /// stack (or pooled) buffer, encrypted straight into its place and cleared, so no plaintext byte copy
    /// is left on the heap. Throws <see cref="ArgumentException"/> for a key the schema does not declare.
    /// </summary>
    public byte[] Seal(RecordAddress record, IReadOnlyDictionary<string, string> values)
    {
        var plan = ArrayPool<SealStep>.Shared.Rent(values.Count);
        var n = 0;
        try
        {
            Span<int> contentLength = stackalloc int[(int)SensitivityLevel.L5 + 1];
            Span<int> count = stackalloc int[(int)SensitivityLevel.L5 + 1];
            // The schema's fields in ordinal key order: each bucket's canonical entry order, without a sort.
            foreach (var field in _fieldsInKeyOrder)
            {
                if (!values.TryGetValue(field.Key, out var value))
                {
                    continue;
                }
                var length = Encoding.UTF8.GetByteCount(value);
                plan[n++] = new SealStep(field, value, length);
                contentLength[(int)field.Level] += ResidentBlob.EntrySize(field.Key, length);
                count[(int)field.Level]++;
            }
            if (n != values.Count)
            {
                var unknown = values.Keys.First(k => !schema.TryGet(k, out _));
                throw new ArgumentException($"field {unknown} is not in the resident schema", nameof(values));
            }

            var levels = _sizes.Levels;
            var buckets = new (BucketSlot Slot, DataKey Key, int Padded, int EnvelopeLength)[levels.Count];
            var size = ResidentBlob.PrefixSize;
            for (var b = 0; b < buckets.Length; b++)
            {
                var level = levels[b];
                var slot = new BucketSlot(record, level);
                var padded = _sizes.PaddedSize(level, ResidentBlob.ContentPrefixSize(count[(int)level]) + contentLength[(int)level]);
                var key = cipher.KeyForSeal(slot);
                var envelopeLength = FieldCipher.SealedSize(key, padded);
                buckets[b] = (slot, key, padded, envelopeLength);
                size += ResidentBlob.BucketHeaderSize(envelopeLength) + envelopeLength;
            }

            var blob = new byte[size];
            var pos = ResidentBlob.WritePrefix(blob, buckets.Length);
            Span<byte> stack = stackalloc byte[PlaintextStackLimit];
            foreach (var (slot, key, padded, envelopeLength) in buckets)
            {
                pos = ResidentBlob.WriteBucketHeader(blob, pos, slot.Level, envelopeLength);
                SealBucket(slot, key, plan.AsSpan(0, n), count[(int)slot.Level], padded, stack, blob.AsSpan(pos, envelopeLength));
                pos += envelopeLength;
            }
            return pos == blob.Length ? blob : throw new InvalidOperationException("resident blob size mismatch");
        }
        finally
        {
            // The plan holds the plaintext strings: nothing of it may stay reachable from the pool.
            Array.Clear(plan, 0, n);
            ArrayPool<SealStep>.Shared.Return(plan);
        }
    }

    private const int PlaintextStackLimit = 4096;

    /// <summary>Writes the content of one bucket (its level's entries of <paramref name="plan"/>, then zero padding) and seals it.</summary>
    private static void SealBucket(BucketSlot slot, DataKey key, ReadOnlySpan<SealStep> plan, int count, int padded, Span<byte> stack, Span<byte> envelope)
    {
        byte[]? rented = null;
        var content = (padded <= stack.Length ? stack : (rented = ArrayPool<byte>.Shared.Rent(padded)).AsSpan())[..padded];
        try
        {
            content.Clear();
            var pos = ResidentBlob.WriteContentPrefix(content, count);
            foreach (var step in plan)
            {
                if (step.Field.Level == slot.Level)
                {
                    pos = ResidentBlob.WriteEntryHeader(content, pos, step.Field.Key, step.Length);
                    pos += Encoding.UTF8.GetBytes(step.Value, content[pos..]);
                }
            }
            FieldCipher.SealInto(slot, key, content, envelope);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>One value of a seal: its field and its UTF-8 length.</summary>
    private readonly record struct SealStep(FieldDefinition Field, string Value, int Length);

    private readonly FieldDefinition[] _fieldsInKeyOrder = [.. schema.Fields.OrderBy(f => f.Key, StringComparer.Ordinal)];

    /// <summary>
    /// Reserves, before sealing, the key usage that sealing records of these communities will count
    /// (one envelope per bucket): one call to the key ring per (level, district) for the whole set
    /// instead of a reservation falling due in the middle of a batch (where, on SQLite, it would wait
    /// for a running write transaction).
    /// </summary>
    public void ReserveSeals(IEnumerable<string> communityCodes)
    {
        var records = new Dictionary<string, long>(StringComparer.Ordinal);
        var byDistrict = records.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var communityCode in communityCodes)
        {
            var district = communityCode.AsSpan(0, 6);
            byDistrict[district] = byDistrict.TryGetValue(district, out var n) ? n + 1 : 1;
        }
        foreach (var (district, n) in records)
        {
            foreach (var level in _sizes.Levels)
            {
                keyRing.WarmUp(level, district, n, ReserveAhead * n);
            }
        }
    }

    /// <summary>
    /// A reservation made for a batch covers this many more batches of its size (a bulk load
    /// reserves a few times per million values, not once per batch). Whatever a stopped process
    /// leaves unused only makes the usage count conservative.
    /// </summary>
    private const int ReserveAhead = 16;

    /// <summary>Opens every value. Throws <see cref="EnvelopeException"/> if the record cannot be opened (tampered, moved, unknown key, bad layout).</summary>
    public Dictionary<string, string> Open(RecordAddress record, byte[] blob) => Open(record, blob, null, null);

    /// <summary>The key ids of the envelopes in a blob (for rotation passes); decrypts nothing.</summary>
    public static IEnumerable<string> KeyIdsOf(byte[] blob)
    {
        if (ResidentBlob.LayoutOf(blob) == ResidentBlob.Layout1)
        {
            return ResidentBlobLayout1.Decode(blob).Where(e => e.IsEnvelope).Select(e => FieldCipher.KeyIdOf(e.Bytes.Span));
        }
        var keyIds = new List<string>(5);
        var reader = new ResidentBlob.BucketReader(blob);
        while (reader.Next(out _, out var envelope))
        {
            keyIds.Add(FieldCipher.KeyIdOf(envelope));
        }
        return keyIds;
    }

    /// <summary>
    /// The field of a stored key, found without allocating: its interned key string and level. A field
    /// removed from the schema after it was stored still opens under the level it had; the slot records
    /// the level, so an unknown key is opened as L5 and fails closed if wrong.
    /// </summary>
    private (string Key, SensitivityLevel Level) FieldOf(ReadOnlySpan<byte> keyAscii, Span<char> buffer)
    {
        var chars = buffer[..Encoding.ASCII.GetChars(keyAscii, buffer)];
        return schema.TryGet(chars, out var field) ? (field.Key, field.Level) : (new string(chars), SensitivityLevel.L5);
    }
}
