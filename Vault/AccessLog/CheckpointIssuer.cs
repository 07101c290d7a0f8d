using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.AccessLog;

/// <summary>A district log's newest head as a checkpoint: its body, and the note with the vault's signature.</summary>
internal sealed record IssuedCheckpoint(SignedTreeHead Head, string Origin, string Body, string SignedNote);

/// <summary>
/// The one place a checkpoint is made from a stored head (the checkpoint endpoint and the witness
/// submitter both use it). Fails closed: a head whose stored signature does not verify was written
/// by someone else, and is never re-signed as a checkpoint.
/// </summary>
internal sealed class CheckpointIssuer(AccessLogReader reader, TreeHeadSigner signer, IOptions<AccessLogOptions> options)
{
    public enum Outcome
    {
        Issued,
        NoSuchLog,
        HeadSignatureInvalid,
    }

    public async Task<(Outcome Outcome, IssuedCheckpoint? Checkpoint)> IssueAsync(string logId, CancellationToken ct)
    {
        if (await reader.LatestTreeHeadAsync(logId, ct) is not { } head)
        {
            return (Outcome.NoSuchLog, null);
        }
        if (!signer.SignedHead(head.KeyId, logId, head.TreeSize, head.SignedAt.ToUnixTimeMilliseconds(), head.RootHash, head.Signature))
        {
            return (Outcome.HeadSignatureInvalid, null);
        }
        var origin = CheckpointNote.Origin(options.Value.CheckpointOrigin, logId);
        var body = CheckpointNote.Body(origin, head.TreeSize, head.RootHash);
        return (Outcome.Issued, new IssuedCheckpoint(head, origin, body, body + "\n" + CheckpointNote.SignatureLine(origin, signer.PublicKey, signer.SignNote(body))));
    }
}

/// <summary>
/// The witnesses' cosignatures of each district log's newest checkpoint, as the witness submitter
/// received and verified them; in memory only: after a restart the submitter asks again (a witness
/// cosigns the same checkpoint again, tlog-witness allows old size = size).
/// </summary>
internal sealed class CosignedCheckpoints
{
    private readonly ConcurrentDictionary<string, (string Body, IReadOnlyDictionary<string, string> Lines)> _byLog = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="witness"/>'s cosignature line on <paramref name="body"/>; a newer body replaces an older one's.</summary>
    public void Add(string logId, string body, string witness, string line) =>
        _byLog.AddOrUpdate(logId,
            _ => (body, new Dictionary<string, string> { [witness] = line }),
            (_, known) => known.Body == body
                ? (body, new Dictionary<string, string>(known.Lines) { [witness] = line })
                : (body, new Dictionary<string, string> { [witness] = line }));

    /// <summary>The cosignature lines on exactly <paramref name="body"/>, by witness name.</summary>
    public IEnumerable<string> For(string logId, string body) =>
        _byLog.TryGetValue(logId, out var known) && known.Body == body ? known.Lines.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Value) : [];
}
