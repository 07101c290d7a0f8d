using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using DataVault.Vault.Encryption;
using DataVault.Vault.Integrity;

namespace DataVault.Vault.Residents;

internal sealed partial class ResidentCodec
{
    /// <summary>
    /// Opens only the values whose key <paramref name="wanted"/> accepts: a view that serves L2 and L3
    /// fields decrypts those two buckets, not the L4 and L5 ones, and makes strings of nothing else.
    /// </summary>
    public Dictionary<string, string> Open(RecordAddress record, byte[] blob, Func<string, bool> wanted) =>
        Open(record, blob, wanted, null);

    /// <summary>
    /// Marks a value that is recorded but not served, because what is served of it depends only on its
    /// presence (<c>exists</c>, or a masking rule that shows "present"). Never a stored value: it starts
    /// with a NUL, which validation refuses in every field.
    /// </summary>
    public const string SealedPresent = "\u0000sealed";

    /// <summary>
    /// Opens the values whose key <paramref name="wanted"/> accepts (every value when it is null), and
    /// records a value whose key <paramref name="presenceOnly"/> accepts as <see cref="SealedPresent"/>
    /// without making a string of it. Only the buckets holding such fields are decrypted; their plaintext
    /// lives on the stack (or in a pooled buffer) and is cleared before returning. Throws
    /// <see cref="EnvelopeException"/> for ANY record that cannot be opened: a bucket that does not
    /// authenticate, a key the ring does not have, a layout that does not parse.
    /// </summary>
    public Dictionary<string, string> Open(RecordAddress record, byte[] blob, Func<string, bool>? wanted, Func<string, bool>? presenceOnly)
    {
        try
        {
            return ResidentBlob.LayoutOf(blob) switch
            {
                ResidentBlob.Layout2 => OpenLayout2(record, blob, wanted, presenceOnly),
                ResidentBlob.Layout1 => OpenLayout1(record, blob, wanted, presenceOnly),
                _ => throw new EnvelopeException(EnvelopeFailure.UnsupportedVersion, record.Id, "record"),
            };
        }
        catch (InvalidDataException)
        {
            // The message says only where the layout broke; no value or key is in it.
            throw new EnvelopeException(EnvelopeFailure.Malformed, record.Id, "record");
        }
    }

    /// <summary>
    /// <see cref="Open(RecordAddress, byte[], Func{string, bool}?, Func{string, bool}?)"/> for a path that
    /// serves or changes one record: one that cannot be opened throws <see cref="RecordIntegrityException"/>,
    /// which the API refuses with <c>record_integrity_failed</c> and records as an integrity incident.
    /// </summary>
    public Dictionary<string, string> OpenChecked(RecordAddress record, byte[] blob, Func<string, bool>? wanted = null, Func<string, bool>? presenceOnly = null)
    {
        try
        {
            return Open(record, blob, wanted, presenceOnly);
        }
        catch (EnvelopeException failure)
        {
            throw new RecordIntegrityException(WithheldRecord.Of(record, failure), failure);
        }
    }

    private Dictionary<string, string> OpenLayout2(RecordAddress record, byte[] blob, Func<string, bool>? wanted, Func<string, bool>? presenceOnly)
    {
        var values = new Dictionary<string, string>(wanted is null ? 48 : 16, StringComparer.Ordinal);
        var buckets = new ResidentBlob.BucketReader(blob);
        Span<char> keyBuffer = stackalloc char[256];
        Span<byte> stack = stackalloc byte[PlaintextStackLimit];
        while (buckets.Next(out var level, out var envelope))
        {
            if (wanted is not null && !_sizes.IsNeeded(level, wanted, presenceOnly))
            {
                continue;
            }
            var slot = new BucketSlot(record, level);
            var length = FieldCipher.PlaintextLength(slot, envelope);
            byte[]? rented = null;
            var content = (length <= stack.Length ? stack : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan())[..length];
            try
            {
                cipher.OpenInto(slot, envelope, content);
                var entries = new ResidentBlob.ContentReader(content);
                while (entries.Next(out var keyAscii, out var value))
                {
                    var (key, _) = FieldOf(keyAscii, keyBuffer);
                    if (wanted is null || wanted(key))
                    {
                        values[key] = Encoding.UTF8.GetString(value);
                    }
                    else if (presenceOnly?.Invoke(key) == true)
                    {
                        values[key] = SealedPresent;
                    }
                }
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
        return values;
    }
}
