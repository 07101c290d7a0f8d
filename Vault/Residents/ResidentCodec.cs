using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using DataVault.Vault.Encryption;
using DataVault.Vault.Keys;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Residents;

/// <summary>
/// Turns a resident's field values into a <see cref="ResidentBlob"/> and back. Every L3+ value is
/// sealed by <see cref="FieldCipher"/> in its slot (record id, field key, community, level), so an
/// envelope copied to another record, field or community fails to open.
/// </summary>
internal sealed partial class ResidentCodec(ResidentSchema schema, FieldCipher cipher, KeyRing keyRing)
{
    /// <summary>
    /// Seals a resident's values into one blob, in one pass and one array: each L3+ value is encrypted
    /// straight into its place (no envelope array per field), from a stack buffer that is cleared
    /// afterwards, so no plaintext byte copy of an L3+ value is left on the heap. Throws
    /// <see cref="ArgumentException"/> for a key the schema does not declare.
    /// </summary>
    public byte[] Seal(string recordId, string communityCode, IReadOnlyDictionary<string, string> values)
    {
        var plan = ArrayPool<SealStep>.Shared.Rent(values.Count);
        var n = 0;
        try
        {
            var size = 0;
            // The schema's fields in ordinal key order: the blob's canonical entry order, without a sort.
            foreach (var field in _fieldsInKeyOrder)
            {
                if (!values.TryGetValue(field.Key, out var value))
                {
                    continue;
                }
                var plainLength = Encoding.UTF8.GetByteCount(value);
                var step = field.IsEncrypted
                    ? SealStep.Encrypted(field, value, plainLength, new FieldSlot(recordId, field.Key, communityCode, field.Level), cipher)
                    : new SealStep(field, value, plainLength, null, null, plainLength);
                plan[n++] = step;
                size += ResidentBlob.EntrySize(field.Key, step.Size);
            }
            if (n != values.Count)
            {
                var unknown = values.Keys.First(k => !schema.TryGet(k, out _));
                throw new ArgumentException($"field {unknown} is not in the resident schema", nameof(values));
            }

            var blob = new byte[ResidentBlob.PrefixSize(n) + size];
            var pos = ResidentBlob.WritePrefix(blob, n);
            Span<byte> stack = stackalloc byte[PlaintextStackLimit];
            for (var i = 0; i < n; i++)
            {
                var step = plan[i];
                pos = ResidentBlob.WriteEntryHeader(blob, pos, step.Field.Key, step.Key is not null, step.Size);
                if (step.Key is null)
                {
                    Encoding.UTF8.GetBytes(step.Value, blob.AsSpan(pos, step.Size));
                }
                else
                {
                    SealValue(step, stack, blob.AsSpan(pos, step.Size));
                }
                pos += step.Size;
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

    private const int PlaintextStackLimit = 1024;

    private static void SealValue(SealStep step, Span<byte> stack, Span<byte> envelope)
    {
        byte[]? rented = null;
        var buffer = step.PlainLength <= stack.Length ? stack : (rented = ArrayPool<byte>.Shared.Rent(step.PlainLength));
        var plaintext = buffer[..step.PlainLength];
        try
        {
            Encoding.UTF8.GetBytes(step.Value, plaintext);
            FieldCipher.SealInto(step.Slot!, step.Key!, plaintext, envelope);
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

    /// <summary>One value of a seal: its field, its UTF-8 length, and for an L3+ value the slot and the key it is sealed under.</summary>
    private readonly record struct SealStep(FieldDefinition Field, string Value, int PlainLength, FieldSlot? Slot, DataKey? Key, int Size)
    {
        public static SealStep Encrypted(FieldDefinition field, string value, int plainLength, FieldSlot slot, FieldCipher cipher)
        {
            var key = cipher.KeyForSeal(slot);
            return new SealStep(field, value, plainLength, slot, key, FieldCipher.SealedSize(key, plainLength));
        }
    }

    private readonly FieldDefinition[] _fieldsInKeyOrder = [.. schema.Fields.OrderBy(f => f.Key, StringComparer.Ordinal)];

    /// <summary>
    /// Reserves, before sealing, the key usage that sealing these records will count: one call to
    /// the key ring per (level, district) for the whole set instead of a reservation falling due
    /// in the middle of a batch (where, on SQLite, it would wait for a running write transaction).
    /// </summary>
    public void ReserveSeals(IEnumerable<(string CommunityCode, IReadOnlyDictionary<string, string> Values)> records)
    {
        // Counts per district, one slot per level: a batch has thousands of records and ~20 envelopes each.
        var counts = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var byDistrict = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var levels = (int)SensitivityLevel.L5 + 1;
        foreach (var (communityCode, values) in records)
        {
            var district = communityCode.AsSpan(0, 6);
            if (!byDistrict.TryGetValue(district, out var perLevel))
            {
                perLevel = new long[levels];
                byDistrict[district] = perLevel;
            }
            foreach (var key in values.Keys)
            {
                var field = schema[key];
                if (field.IsEncrypted)
                {
                    perLevel[(int)field.Level]++;
                }
            }
        }
        foreach (var (district, perLevel) in counts)
        {
            for (var level = 0; level < levels; level++)
            {
                if (perLevel[level] > 0)
                {
                    keyRing.WarmUp((SensitivityLevel)level, district, perLevel[level], ReserveAhead * perLevel[level]);
                }
            }
        }
    }

    /// <summary>
    /// A reservation made for a batch covers this many more batches of its size (a bulk load
    /// reserves a few times per million values, not once per batch). Whatever a stopped process
    /// leaves unused only makes the usage count conservative.
    /// </summary>
    private const int ReserveAhead = 16;

    /// <summary>Opens every value. Throws <see cref="EnvelopeException"/> if any envelope fails (tampered, wrong slot, unknown key).</summary>
    public Dictionary<string, string> Open(string recordId, string communityCode, byte[] blob) => Open(recordId, communityCode, blob, null, null);

    /// <summary>The key ids used by the envelopes in a blob (for rotation passes).</summary>
    public static IEnumerable<string> KeyIdsOf(byte[] blob) =>
        ResidentBlob.Decode(blob).Where(e => e.IsEnvelope).Select(e => FieldCipher.KeyIdOf(e.Bytes.Span));

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
