using System.Globalization;
using DataVault.Vault.AccessLog;

namespace DataVault.Vault.Witness;

/// <summary>A log a witness follows: its origin line and the Ed25519 key of its checkpoint signatures.</summary>
public sealed record WitnessedLog(string Origin, byte[] PublicKey);

/// <summary>A witness's answer to <c>add-checkpoint</c>: the HTTP status, its body and content type.</summary>
public sealed record WitnessAnswer(int Status, string Body, string ContentType = "text/plain; charset=utf-8");

/// <summary>
/// The witness side of C2SP tlog-witness (<c>POST add-checkpoint</c>), for any DataVault district log
/// (or any log whose checkpoints are Ed25519 signed notes): a street office, a people's congress or
/// any independent party runs it with <c>witness serve</c>, keeps the last checkpoint it cosigned per
/// log, checks that each new one is a consistent extension (RFC 6962 consistency proof) and only then
/// cosigns. A log that was truncated or rolled back cannot produce that proof, so it gets no
/// cosignature: the refusal is the alarm.
/// </summary>
internal sealed class Witness(string name, TreeHeadSigner key, IReadOnlyList<WitnessedLog> logs, WitnessState state, TimeProvider time)
{
    private const int MaxProofLines = 63;

    public string Name { get; } = name;

    public string VerifierKey => Cosignature.VerifierKey(Name, key.PublicKey);

    /// <summary>The latest checkpoint this witness cosigned for <paramref name="origin"/>, with the log's and its own signatures.</summary>
    public string? Latest(string origin) => state.Latest(origin);

    public async Task<WitnessAnswer> AddCheckpointAsync(string request, CancellationToken ct)
    {
        if (!TryParseRequest(request, out var oldSize, out var proof, out var note, out var malformed))
        {
            return new WitnessAnswer(400, malformed + "\n");
        }
        if (CheckpointNote.TryParse(note) is not { } checkpoint)
        {
            return new WitnessAnswer(400, "the checkpoint is not a signed note (origin, size, base64 root, blank line, signature lines)\n");
        }
        if (logs.FirstOrDefault(l => l.Origin == checkpoint.Origin) is not { } log)
        {
            return new WitnessAnswer(404, $"unknown log origin {checkpoint.Origin}\n");
        }
        // Signatures of unknown keys are ignored; one of the log's key must be there and verify.
        var logKeyHash = CheckpointNote.KeyHash(log.Origin, log.PublicKey);
        var ofLogKey = checkpoint.Signatures.Where(s => s.Name == log.Origin && s.KeyHash.AsSpan().SequenceEqual(logKeyHash)).ToList();
        if (ofLogKey.Count == 0 || !ofLogKey.All(s => TreeHeadSigner.VerifyNote(log.PublicKey, checkpoint.Body, s.Signature)))
        {
            return new WitnessAnswer(403, "the checkpoint carries no valid signature of the log's key\n");
        }
        if (oldSize > checkpoint.TreeSize)
        {
            return new WitnessAnswer(400, "the old size is larger than the checkpoint's size\n");
        }
        if (checkpoint.TreeSize == 0 && !checkpoint.RootHash.AsSpan().SequenceEqual(MerkleHash.EmptyRoot()))
        {
            return new WitnessAnswer(422, "a checkpoint of size 0 must have the empty tree's root\n");
        }

        return await state.UpdateAsync(log.Origin, latest =>
        {
            var (knownSize, knownRoot) = latest is not null && CheckpointNote.TryParse(latest) is { } known ? (known.TreeSize, known.RootHash) : (0L, MerkleHash.EmptyRoot());
            if (oldSize != knownSize)
            {
                return (null, new WitnessAnswer(409, knownSize.ToString(CultureInfo.InvariantCulture) + "\n", "text/x.tlog.size"));
            }
            if (oldSize == 0 && proof.Count > 0)
            {
                return (null, new WitnessAnswer(422, "a consistency proof from size 0 must be empty\n"));
            }
            var consistent = oldSize == checkpoint.TreeSize
                ? knownRoot.AsSpan().SequenceEqual(checkpoint.RootHash)
                : oldSize == 0 || MerkleProofs.VerifyConsistency(oldSize, checkpoint.TreeSize, proof, knownRoot, checkpoint.RootHash);
            if (!consistent)
            {
                return (null, new WitnessAnswer(422, "the checkpoint is not a consistent extension of the last one cosigned: the log forked or was rolled back\n"));
            }
            var cosignature = Cosignature.Sign(Name, key, checkpoint.Body, time.GetUtcNow().ToUnixTimeSeconds());
            return (checkpoint.Body + "\n" + string.Concat(ofLogKey.Select(s => $"— {s.Name} {Convert.ToBase64String([.. s.KeyHash, .. s.Signature])}\n")) + cosignature,
                new WitnessAnswer(200, cosignature));
        }, ct);
    }

    /// <summary>
    /// The request body: <c>old N</c>, at most 63 base64 proof lines, a blank line, then the checkpoint;
    /// every line ends in a newline.
    /// </summary>
    private static bool TryParseRequest(string request, out long oldSize, out List<byte[]> proof, out string note, out string error)
    {
        oldSize = 0;
        proof = [];
        note = "";
        error = "";
        var blank = request.IndexOf("\n\n", StringComparison.Ordinal);
        var lines = blank < 0 ? [] : request[..blank].Split('\n');
        if (lines.Length == 0 || !lines[0].StartsWith("old ", StringComparison.Ordinal)
            || !long.TryParse(lines[0].AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out oldSize)
            || lines[0][4..] != oldSize.ToString(CultureInfo.InvariantCulture))
        {
            error = "the body must start with an old size line: 'old <decimal>' then proof lines, a blank line and the checkpoint";
            return false;
        }
        if (lines.Length - 1 > MaxProofLines)
        {
            error = $"at most {MaxProofLines} consistency proof lines";
            return false;
        }
        foreach (var line in lines.Skip(1))
        {
            try
            {
                var hash = Convert.FromBase64String(line);
                if (hash.Length != MerkleHash.Size)
                {
                    error = "a consistency proof line is not a 32-byte hash";
                    return false;
                }
                proof.Add(hash);
            }
            catch (FormatException)
            {
                error = "a consistency proof line is not base64";
                return false;
            }
        }
        note = request[(blank + 2)..];
        return true;
    }
}
