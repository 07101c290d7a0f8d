using System.Text;
using DataVault.Vault.Encryption;

namespace DataVault.Vault.Residents;

internal sealed partial class ResidentCodec
{
    /// <summary>
    /// Opens only the values whose key <paramref name="wanted"/> accepts: a view that serves six fields
    /// decrypts six envelopes, not all of them, and makes strings of nothing else.
    /// </summary>
    public Dictionary<string, string> Open(string recordId, string communityCode, byte[] blob, Func<string, bool> wanted) =>
        Open(recordId, communityCode, blob, wanted, null);

    /// <summary>
    /// Marks a value that is recorded but was not decrypted, because what is served of it depends only
    /// on its presence (<c>exists</c>, or a masking rule that shows "present"). Never a stored value: it
    /// starts with a NUL, which validation refuses in every field.
    /// </summary>
    public const string SealedPresent = "\u0000sealed";

    /// <summary>
    /// Opens the values whose key <paramref name="wanted"/> accepts (every value when it is null), and
    /// records a value whose key <paramref name="presenceOnly"/> accepts as <see cref="SealedPresent"/>
    /// without opening it. Keys go by without a string being made of them (the schema's own strings
    /// are the dictionary keys); plaintext bytes never reach the heap (<see cref="FieldCipher.OpenString"/>).
    /// </summary>
    public Dictionary<string, string> Open(string recordId, string communityCode, byte[] blob, Func<string, bool>? wanted, Func<string, bool>? presenceOnly)
    {
        var reader = new ResidentBlob.Reader(blob);
        var values = new Dictionary<string, string>(wanted is null ? reader.Count : 16, StringComparer.Ordinal);
        Span<char> keyBuffer = stackalloc char[256];
        while (reader.Next(out var entry))
        {
            var (key, level) = FieldOf(entry.KeyAscii, keyBuffer);
            if (wanted is null || wanted(key))
            {
                values[key] = entry.IsEnvelope
                    ? cipher.OpenString(new FieldSlot(recordId, key, communityCode, level), entry.Bytes)
                    : Encoding.UTF8.GetString(entry.Bytes);
            }
            else if (presenceOnly?.Invoke(key) == true)
            {
                values[key] = SealedPresent;
            }
        }
        return values;
    }
}
