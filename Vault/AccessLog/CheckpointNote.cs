using System.Security.Cryptography;
using System.Text;

namespace DataVault.Vault.AccessLog;

/// <summary>
/// A district log's signed tree head as a C2SP <c>tlog-checkpoint</c> in a C2SP <c>signed-note</c>,
/// the format transparency-log tooling and witnesses read (issue 14, "An anchored log"):
/// <code>
/// &lt;origin&gt;\n&lt;tree size, decimal&gt;\n&lt;base64 root hash&gt;\n\n— &lt;key name&gt; &lt;base64(key hash 4 ‖ Ed25519 signature 64)&gt;\n
/// </code>
/// The signature covers the note text: the three body lines with their newlines. The key name is the
/// origin; the key hash is the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). It is the
/// tree-head key (docs/access-log.md): its other signatures cover a payload starting with
/// <c>DataVault tree head v1</c>, which no note text can start with, so neither can be replayed as the other.
/// </summary>
public static class CheckpointNote
{
    /// <summary>The signature type byte of Ed25519 in C2SP signed-note.</summary>
    public const byte Ed25519Type = 0x01;

    private const string SignaturePrefix = "— ";

    /// <summary>The origin line of a district's log: unique per vault deployment and district.</summary>
    public static string Origin(string originPrefix, string logId) => $"{originPrefix}/{logId}";

    /// <summary>The note text a signature covers.</summary>
    public static string Body(string origin, long treeSize, ReadOnlySpan<byte> rootHash) =>
        $"{origin}\n{treeSize.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(rootHash)}\n";

    /// <summary>The 4-byte key hash that names <paramref name="publicKey"/> in signature lines.</summary>
    public static byte[] KeyHash(string name, ReadOnlySpan<byte> publicKey, byte signatureType = Ed25519Type)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = (byte)'\n';
        input[nameBytes.Length + 1] = signatureType;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return SHA256.HashData(input)[..4];
    }

    /// <summary>The verifier key string (<c>name+hex key hash+base64(0x01 ‖ key)</c>) witnesses and tools are configured with.</summary>
    public static string VerifierKey(string name, ReadOnlySpan<byte> publicKey, byte signatureType = Ed25519Type)
    {
        var typed = new byte[1 + publicKey.Length];
        typed[0] = signatureType;
        publicKey.CopyTo(typed.AsSpan(1));
        return $"{name}+{Convert.ToHexString(KeyHash(name, publicKey, signatureType)).ToLowerInvariant()}+{Convert.ToBase64String(typed)}";
    }

    /// <summary>
    /// Parses a signed-note verifier key <c>name+keyhash+base64(type‖key)</c> of the given signature
    /// type with a 32-byte Ed25519 key, checking that the key hash matches; null when it is not one.
    /// </summary>
    public static (string Name, byte[] PublicKey)? ParseVerifierKey(string text, byte signatureType)
    {
        var parts = text.Trim().Split('+', 3);
        if (parts.Length != 3 || parts[0].Length == 0)
        {
            return null;
        }
        byte[] typed;
        try
        {
            typed = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return null;
        }
        if (typed.Length != 33 || typed[0] != signatureType)
        {
            return null;
        }
        var key = typed[1..];
        return string.Equals(parts[1], Convert.ToHexString(KeyHash(parts[0], key, signatureType)), StringComparison.OrdinalIgnoreCase)
            ? (parts[0], key)
            : null;
    }

    /// <summary>The signature line of <paramref name="signature"/> (over a note body) by the key <paramref name="name"/>.</summary>
    public static string SignatureLine(string name, ReadOnlySpan<byte> publicKey, byte[] signature)
    {
        var bytes = new byte[4 + signature.Length];
        KeyHash(name, publicKey).CopyTo(bytes, 0);
        signature.CopyTo(bytes, 4);
        return $"{SignaturePrefix}{name} {Convert.ToBase64String(bytes)}\n";
    }

    /// <summary>
    /// Reads a checkpoint this vault signed: the note parses, its origin names a district log under
    /// <paramref name="originPrefix"/>, and a signature line by that origin verifies under
    /// <paramref name="publicKey"/> (cosignatures by witnesses may follow and are ignored here).
    /// Null with the reason otherwise.
    /// </summary>
    public static LogAnchor? TryOpen(string note, string source, string originPrefix, byte[] publicKey, out string? error)
    {
        error = null;
        if (TryParse(note) is not { } parsed)
        {
            error = $"{source} is not a checkpoint note (origin, size, base64 root, blank line, signature lines)";
            return null;
        }
        var logId = parsed.Origin.StartsWith(originPrefix + "/", StringComparison.Ordinal) ? parsed.Origin[(originPrefix.Length + 1)..] : "";
        if (logId.Length != 6 || !logId.All(char.IsAsciiDigit))
        {
            error = $"{source} names the origin {parsed.Origin}, not a district log of this vault ({originPrefix}/<district>)";
            return null;
        }
        var hash = KeyHash(parsed.Origin, publicKey);
        if (!parsed.Signatures.Any(sig => sig.Name == parsed.Origin && sig.KeyHash.AsSpan().SequenceEqual(hash) && TreeHeadSigner.VerifyNote(publicKey, parsed.Body, sig.Signature)))
        {
            error = $"{source} carries no valid signature of this vault's log key";
            return null;
        }
        return new LogAnchor(logId, parsed.TreeSize, parsed.RootHash, source);
    }

    /// <summary>A parsed note: its origin, size and root, the signed text, and its signature lines (name, key hash, signature).</summary>
    public sealed record Parsed(string Origin, long TreeSize, byte[] RootHash, string Body, IReadOnlyList<(string Name, byte[] KeyHash, byte[] Signature)> Signatures);

    /// <summary>Parses a checkpoint note; null when it is not one (wrong line structure, size or root encoding).</summary>
    public static Parsed? TryParse(string note)
    {
        var split = note.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !note.EndsWith('\n'))
        {
            return null;
        }
        var body = note[..(split + 1)];
        var lines = body.Split('\n');
        if (lines.Length < 4 || lines[0].Length == 0
            || !long.TryParse(lines[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size)
            || lines[1] != size.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }
        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            return null;
        }
        var signatures = new List<(string, byte[], byte[])>();
        foreach (var line in note[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal) || line.LastIndexOf(' ') is var space && space <= SignaturePrefix.Length)
            {
                return null;
            }
            try
            {
                var bytes = Convert.FromBase64String(line[(space + 1)..]);
                if (bytes.Length < 5)
                {
                    return null;
                }
                signatures.Add((line[SignaturePrefix.Length..space], bytes[..4], bytes[4..]));
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return root.Length == 32 && signatures.Count > 0 ? new Parsed(lines[0], size, root, body, signatures) : null;
    }
}
