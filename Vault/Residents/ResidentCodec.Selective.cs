using System.Text;
using DataVault.Vault.Encryption;

namespace DataVault.Vault.Residents;

internal sealed partial class ResidentCodec
{
    /// <summary>
    /// Opens only the values whose key <paramref name="wanted"/> accepts: a view that serves six fields
    /// decrypts six envelopes, not all of them. Plain (L1/L2) values are always cheap and always opened.
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
    /// As <see cref="Open(string, string, byte[], Func{string, bool})"/>, and an envelope whose key
    /// <paramref name="presenceOnly"/> accepts is recorded as <see cref="SealedPresent"/> without being opened.
    /// </summary>
    public Dictionary<string, string> Open(string recordId, string communityCode, byte[] blob, Func<string, bool> wanted, Func<string, bool>? presenceOnly)
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
            else if (presenceOnly?.Invoke(e.Key) == true)
            {
                values[e.Key] = SealedPresent;
            }
        }
        return values;
    }
}
