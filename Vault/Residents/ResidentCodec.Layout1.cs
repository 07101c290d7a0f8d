using System.Text;
using DataVault.Vault.Encryption;

namespace DataVault.Vault.Residents;

internal sealed partial class ResidentCodec
{
    /// <summary>
    /// Opens a layout-1 record (<see cref="ResidentBlobLayout1"/>): L1/L2 values plain, each L3+ value
    /// its own envelope in the slot (record id, field key, community, level). Read only until the
    /// online migration has rewritten the row in layout 2.
    /// </summary>
    private Dictionary<string, string> OpenLayout1(RecordAddress record, byte[] blob, Func<string, bool>? wanted, Func<string, bool>? presenceOnly)
    {
        try
        {
            var reader = new ResidentBlobLayout1.Reader(blob);
            var values = new Dictionary<string, string>(wanted is null ? reader.Count : 16, StringComparer.Ordinal);
            Span<char> keyBuffer = stackalloc char[256];
            while (reader.Next(out var entry))
            {
                var (key, level) = FieldOf(entry.KeyAscii, keyBuffer);
                if (wanted is null || wanted(key))
                {
                    values[key] = entry.IsEnvelope
                        ? cipher.OpenString(new FieldSlot(record.Id, key, record.CommunityCode, level), entry.Bytes)
                        : Encoding.UTF8.GetString(entry.Bytes);
                }
                else if (presenceOnly?.Invoke(key) == true)
                {
                    values[key] = SealedPresent;
                }
            }
            return values;
        }
        catch (ArgumentOutOfRangeException)
        {
            // Layout 1's reader slices without checking lengths: a truncated record lands here.
            throw new InvalidDataException("truncated layout-1 resident record");
        }
    }
}
