using System.Buffers.Binary;
using System.Globalization;
using DataVault.Vault.AccessLog;

namespace DataVault.Vault.Witness;

/// <summary>
/// C2SP tlog-cosignature/v1 with Ed25519 (signature type 0x04), as docs/access-log.md ("Witnesses")
/// writes it down. A cosignature is a signed-note signature line on a checkpoint:
/// <code>
/// — &lt;cosigner name&gt; base64(keyhash[4] ‖ timestamp:u64 big-endian ‖ Ed25519 signature[64])
/// keyhash  = SHA-256(name ‖ "\n" ‖ 0x04 ‖ 32-byte public key)[:4]
/// message  = "cosignature/v1\n" ‖ "time " decimal(timestamp) "\n" ‖ checkpoint body (its lines up to the blank line)
/// </code>
/// The statement: as of that time, this is the largest consistent tree head the cosigner has seen
/// for the log named by the origin line.
/// </summary>
public static class Cosignature
{
    public const byte Ed25519CosignatureType = 0x04;

    private const int SignatureSize = 64;

    /// <summary>The signed message for a checkpoint body at a POSIX time (seconds).</summary>
    public static string Message(string checkpointBody, long timestamp) =>
        $"cosignature/v1\ntime {timestamp.ToString(CultureInfo.InvariantCulture)}\n{checkpointBody}";

    /// <summary>The signed-note verifier key of a cosigner: <c>name+keyhash+base64(0x04‖key)</c>.</summary>
    public static string VerifierKey(string name, ReadOnlySpan<byte> publicKey) =>
        CheckpointNote.VerifierKey(name, publicKey, Ed25519CosignatureType);

    internal static string Sign(string name, TreeHeadSigner key, string checkpointBody, long timestamp)
    {
        var signature = key.SignNote(Message(checkpointBody, timestamp));
        var bytes = new byte[4 + 8 + SignatureSize];
        CheckpointNote.KeyHash(name, key.PublicKey, Ed25519CosignatureType).CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(4), (ulong)timestamp);
        signature.CopyTo(bytes, 12);
        return $"— {name} {Convert.ToBase64String(bytes)}\n";
    }

    /// <summary>
    /// The timestamp of a valid cosignature by (<paramref name="name"/>, <paramref name="publicKey"/>)
    /// on <paramref name="checkpointBody"/> among a note's signatures; null when there is none.
    /// </summary>
    public static long? Verify(string name, byte[] publicKey, string checkpointBody, IEnumerable<(string Name, byte[] KeyHash, byte[] Signature)> signatures)
    {
        var hash = CheckpointNote.KeyHash(name, publicKey, Ed25519CosignatureType);
        foreach (var (signer, keyHash, rest) in signatures)
        {
            if (signer != name || !keyHash.AsSpan().SequenceEqual(hash) || rest.Length != 8 + SignatureSize)
            {
                continue;
            }
            var timestamp = BinaryPrimitives.ReadUInt64BigEndian(rest);
            if (timestamp is 0 or > long.MaxValue)
            {
                continue;
            }
            if (TreeHeadSigner.VerifyNote(publicKey, Message(checkpointBody, (long)timestamp), rest[8..]))
            {
                return (long)timestamp;
            }
        }
        return null;
    }
}
