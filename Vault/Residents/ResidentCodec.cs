using System.Text;
using DataVault.Vault.Encryption;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Residents;

/// <summary>
/// Turns a resident's field values into a <see cref="ResidentBlob"/> and back. Every L3+ value is
/// sealed by <see cref="FieldCipher"/> in its slot (record id, field key, community, level), so an
/// envelope copied to another record, field or community fails to open.
/// </summary>
internal sealed partial class ResidentCodec(ResidentSchema schema, FieldCipher cipher)
{
    public byte[] Seal(string recordId, string communityCode, IReadOnlyDictionary<string, string> values)
    {
        var entries = new List<BlobEntry>(values.Count);
        foreach (var (key, value) in values)
        {
            var field = schema[key];
            var plain = Encoding.UTF8.GetBytes(value);
            entries.Add(field.IsEncrypted
                ? new BlobEntry(key, true, cipher.Seal(new FieldSlot(recordId, key, communityCode, field.Level), plain))
                : new BlobEntry(key, false, plain));
        }
        return ResidentBlob.Encode(entries);
    }

    /// <summary>Opens every value. Throws <see cref="EnvelopeException"/> if any envelope fails (tampered, wrong slot, unknown key).</summary>
    public Dictionary<string, string> Open(string recordId, string communityCode, byte[] blob)
    {
        var entries = ResidentBlob.Decode(blob);
        var values = new Dictionary<string, string>(entries.Count, StringComparer.Ordinal);
        foreach (var e in entries)
        {
            values[e.Key] = e.IsEnvelope
                ? Encoding.UTF8.GetString(cipher.Open(new FieldSlot(recordId, e.Key, communityCode, LevelOf(e.Key)), e.Bytes.Span))
                : Encoding.UTF8.GetString(e.Bytes.Span);
        }
        return values;
    }

    /// <summary>The key ids used by the envelopes in a blob (for rotation passes).</summary>
    public static IEnumerable<string> KeyIdsOf(byte[] blob) =>
        ResidentBlob.Decode(blob).Where(e => e.IsEnvelope).Select(e => FieldCipher.KeyIdOf(e.Bytes.Span));

    /// <summary>
    /// A field removed from the schema after it was stored still opens under the level it had;
    /// the slot records the level, so an unknown key is opened as L5 and fails closed if wrong.
    /// </summary>
    private SensitivityLevel LevelOf(string key) => schema.TryGet(key, out var f) ? f.Level : SensitivityLevel.L5;
}
