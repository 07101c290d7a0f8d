using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.AccessLog;

/// <summary>The first thing found wrong in a log, named so that an auditor can go and look.</summary>
public sealed record LogProblem(string LogId, long? EntryIndex, string Reason);

/// <summary>
/// A head remembered outside the database (a checkpoint a witness, an auditor or a resident kept):
/// the stored log must be a consistent extension of it, or the log was rolled back or rewritten.
/// </summary>
public sealed record LogAnchor(string LogId, long TreeSize, byte[] RootHash, string Source);

/// <summary>The outcome of checking every district log from its first entry.</summary>
public sealed record LogVerificationReport(int LogsChecked, long EntriesChecked, int TreeHeadsChecked, LogProblem? FirstProblem)
{
    /// <summary>Checkpoints (kept outside the database) the stored logs were checked against.</summary>
    public int CheckpointsChecked { get; init; }

    public bool Intact => FirstProblem is null;
}

/// <summary>
/// Checks the whole access log from the stored entries up: every entry is re-hashed from its
/// columns and compared with the stored leaf; the tree is rebuilt and every signed tree head must
/// match it and carry a valid signature under the vault's own log key. Editing a row changes its
/// leaf; deleting one leaves a gap or breaks the heads; rewriting the stored hashes as well cannot
/// be hidden from a head signed before, because the signing key is not in the database.
/// </summary>
internal sealed class AccessLogVerifier(IDbContextFactory<VaultDbContext> dbFactory, TreeHeadSigner signer)
{
    public async Task<LogVerificationReport> VerifyAsync(IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        await VerifyAsync([], progress, cancellationToken);

    /// <summary>Checks every log as above and, in addition, that each stored log extends every one of <paramref name="anchors"/>.</summary>
    public async Task<LogVerificationReport> VerifyAsync(IReadOnlyList<LogAnchor> anchors, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.Set<TreeHeadRow>().Select(h => h.LogId)
            .Union(db.Set<AccessLogRow>().Select(r => r.LogId))
            .Distinct().ToListAsync(cancellationToken);
        // A log that was deleted outright is still checked against the checkpoints that name it.
        var logIds = stored.Union(anchors.Select(a => a.LogId)).Order(StringComparer.Ordinal).ToList();

        long entries = 0;
        var heads = 0;
        foreach (var logId in logIds)
        {
            var (checkedEntries, checkedHeads, problem) = await VerifyLogAsync(db, logId, [.. anchors.Where(a => a.LogId == logId)], progress, entries, cancellationToken);
            entries += checkedEntries;
            heads += checkedHeads;
            if (problem is not null)
            {
                return new LogVerificationReport(logIds.Count, entries, heads, problem) { CheckpointsChecked = anchors.Count };
            }
        }
        return new LogVerificationReport(logIds.Count, entries, heads, null) { CheckpointsChecked = anchors.Count };
    }

    private async Task<(long Entries, int Heads, LogProblem? Problem)> VerifyLogAsync(VaultDbContext db, string logId, IReadOnlyList<LogAnchor> anchors, IProgress<long>? progress, long entriesBefore, CancellationToken cancellationToken)
    {
        var treeHeads = await db.Set<TreeHeadRow>().AsNoTracking().Where(h => h.LogId == logId)
            .OrderBy(h => h.TreeSize).ToListAsync(cancellationToken);
        var nextHead = 0;
        var rebuilt = new InMemoryMerkleNodes();
        var tree = new MerkleTree(rebuilt);

        LogProblem? CheckHeadsUpTo(long size)
        {
            for (; nextHead < treeHeads.Count && treeHeads[nextHead].TreeSize <= size; nextHead++)
            {
                var head = treeHeads[nextHead];
                if (!signer.SignedHead(head.KeyId, logId, head.TreeSize, head.SignedAtUnixMs, head.RootHash, head.Signature))
                {
                    return new LogProblem(logId, null, $"the tree head at size {head.TreeSize} does not carry a valid signature of this vault's log key");
                }
                if (!tree.RootHash(head.TreeSize).AsSpan().SequenceEqual(head.RootHash))
                {
                    var since = nextHead == 0 ? 0 : treeHeads[nextHead - 1].TreeSize;
                    return new LogProblem(logId, since, $"entries {since}..{head.TreeSize - 1} no longer match the tree head signed at size {head.TreeSize}: an entry in that range was altered, removed or inserted");
                }
            }
            return null;
        }

        // The stored leaves are read alongside the entries, on a context of their own (one context
        // runs one query at a time).
        await using var leavesDb = await dbFactory.CreateDbContextAsync(cancellationToken);
        var storedLeaves = leavesDb.Set<MerkleNodeRow>().AsNoTracking().Where(n => n.LogId == logId && n.Level == 0)
            .OrderBy(n => n.Index).Select(n => new { n.Index, n.Hash }).AsAsyncEnumerable().GetAsyncEnumerator(cancellationToken);
        try
        {
            long expected = 0;
            await foreach (var row in db.Set<AccessLogRow>().AsNoTracking().Where(r => r.LogId == logId).OrderBy(r => r.Index).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                if (row.Index != expected)
                {
                    return (expected, nextHead, new LogProblem(logId, expected, row.Index > expected
                        ? $"entry {expected} is missing (the next stored entry is {row.Index})"
                        : $"entry {row.Index} appears twice"));
                }
                var leaf = MerkleHash.Leaf(row.CanonicalBytes());
                if (!await storedLeaves.MoveNextAsync() || storedLeaves.Current.Index != row.Index)
                {
                    return (expected, nextHead, new LogProblem(logId, row.Index, $"entry {row.Index} has no stored leaf hash"));
                }
                if (!storedLeaves.Current.Hash.AsSpan().SequenceEqual(leaf))
                {
                    return (expected, nextHead, new LogProblem(logId, row.Index, $"entry {row.Index} was altered: its content no longer matches its leaf hash"));
                }
                rebuilt.Append(leaf);
                expected++;
                if (CheckHeadsUpTo(expected) is { } problem)
                {
                    return (expected, nextHead, problem);
                }
                if (expected % 10_000 == 0)
                {
                    progress?.Report(entriesBefore + expected);
                }
            }

            if (nextHead < treeHeads.Count)
            {
                var head = treeHeads[nextHead];
                return (expected, nextHead, new LogProblem(logId, expected, $"a tree head was signed at size {head.TreeSize} but only {expected} entries remain: entries from {expected} on were removed"));
            }
            progress?.Report(entriesBefore + expected);
            foreach (var anchor in anchors.OrderBy(a => a.TreeSize))
            {
                if (anchor.TreeSize > expected)
                {
                    return (expected, nextHead, new LogProblem(logId, expected,
                        $"the checkpoint {anchor.Source} has {anchor.TreeSize} entries but only {expected} are stored: the log was rolled back"));
                }
                if (!tree.RootHash(anchor.TreeSize).AsSpan().SequenceEqual(anchor.RootHash))
                {
                    return (expected, nextHead, new LogProblem(logId, null,
                        $"the stored log is not a consistent extension of the checkpoint {anchor.Source} (size {anchor.TreeSize}): its first {anchor.TreeSize} entries were rewritten"));
                }
            }
            return (expected, nextHead, null);
        }
        finally
        {
            await storedLeaves.DisposeAsync();
        }
    }
}
