using System.Text;
using DataVault.Vault.Encryption;

namespace DataVault.Vault.Residents;

internal sealed partial class ResidentCodec
{
    /// <summary>
    /// Opens only the values whose key <paramref name="wanted"/> accepts: a view that serves six fields
    /// decrypts six envelopes, not all of them. Plain (L1/L2) values are always cheap and always opened.
    /// </summary>
    public Dictionary<string, string> Open(string recordId, string communityCode, byte[] blob, Func<string, bool> wanted)
    {
        var entries = ResidentBlob.Decode(blob);
        var values = new Dictionary<string, string>(entries.Count, StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (!e.IsEnvelope)
            {
                values[e.Key] = Encoding.UTF8.GetString(e.Bytes.Span);
            }
            else if (wanted(e.Key))
            {
                values[e.Key] = Encoding.UTF8.GetString(cipher.Open(new FieldSlot(recordId, e.Key, communityCode, LevelOf(e.Key)), e.Bytes.Span));
            }
        }
        return values;
    }
}
