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
    public byte[] Seal(string recordId, string communityCode, IReadOnlyDictionary<string, string> values)
    {
        var entries = new BlobEntry[values.Count];
        var n = 0;
        foreach (var (key, value) in values)
        {
            var field = schema[key];
            // SealString encodes the value into a pooled buffer and clears it afterwards: no
            // plaintext byte copy of an L3+ value is left behind on the heap.
            entries[n++] = field.IsEncrypted
                ? new BlobEntry(key, true, cipher.SealString(new FieldSlot(recordId, key, communityCode, field.Level), value))
                : new BlobEntry(key, false, Encoding.UTF8.GetBytes(value));
        }
        return ResidentBlob.Encode(entries.AsSpan(0, n));
    }

    /// <summary>
    /// Reserves, before sealing, the key usage that sealing these records will count: one call to
    /// the key ring per (level, district) for the whole set instead of a reservation falling due
    /// in the middle of a batch (where, on SQLite, it would wait for a running write transaction).
    /// </summary>
    public void ReserveSeals(IEnumerable<(string CommunityCode, IReadOnlyDictionary<string, string> Values)> records)
    {
        var counts = new Dictionary<(SensitivityLevel Level, string District), long>();
        foreach (var (communityCode, values) in records)
        {
            var district = communityCode[..6];
            foreach (var key in values.Keys)
            {
                var field = schema[key];
                if (field.IsEncrypted)
                {
                    counts[(field.Level, district)] = counts.GetValueOrDefault((field.Level, district)) + 1;
                }
            }
        }
        foreach (var ((level, district), count) in counts)
        {
            keyRing.WarmUp(level, district, count, ReserveAhead * count);
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
        return _fieldsByKey.TryGetValue(chars, out var field) ? (field.Key, field.Level) : (new string(chars), SensitivityLevel.L5);
    }

    private readonly Dictionary<string, FieldDefinition>.AlternateLookup<ReadOnlySpan<char>> _fieldsByKey =
        schema.Fields.ToDictionary(f => f.Key, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
}
