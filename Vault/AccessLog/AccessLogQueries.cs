using System.Buffers.Text;
using System.Globalization;
using System.Text;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.AccessLog;

/// <summary>What an officer's search of one district's log asks for; every filter is optional.</summary>
public sealed record AccessLogSearch(string LogId, string? Unit, string? Role, string? Purpose, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// Reads the log for people: a resident's entries (with proofs), an officer's search, one entry by
/// position. Pages are newest first with opaque keyset cursors, so a page never shifts when new
/// entries arrive. Never writes an entry and never sees a value (entries hold none).
/// </summary>
internal sealed class AccessLogQueries(IDbContextFactory<VaultDbContext> dbFactory, AccessLogReader reader, AccessLogWriter writer, AccessLogLabels labels, TreeHeadSigner signer)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>The keys a verifier needs: today one Ed25519 key per vault.</summary>
    public IReadOnlyList<LogPublicKey> PublicKeys() => [new LogPublicKey(signer.KeyId, "Ed25519", signer.PublicKey)];

    /// <summary>
    /// The entries whose subject is one of <paramref name="subjects"/> (a resident id and the
    /// <c>@</c>-jurisdictions whose aggregates counted them), newest first.
    /// </summary>
    public async Task<(IReadOnlyList<AccessLogRow> Rows, string? NextCursor)> BySubjectsAsync(IReadOnlyCollection<string> subjects, Cursor? after, int limit, CancellationToken cancellationToken)
    {
        var wanted = subjects.ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Set<AccessLogRow>().AsNoTracking().Where(r => wanted.Contains(r.ResidentId));
        if (after is { } c)
        {
            query = query.Where(r => r.RecordedAtUnixMs < c.AtUnixMs
                || (r.RecordedAtUnixMs == c.AtUnixMs && (string.Compare(r.LogId, c.LogId) < 0 || (r.LogId == c.LogId && r.Index < c.Index))));
        }
        var rows = await query.OrderByDescending(r => r.RecordedAtUnixMs).ThenByDescending(r => r.LogId).ThenByDescending(r => r.Index)
            .Take(limit + 1).ToListAsync(cancellationToken);
        return Page(rows, limit);
    }

    /// <summary>An officer's search of one district's log, newest first. Metadata only.</summary>
    public async Task<(IReadOnlyList<AccessLogRow> Rows, string? NextCursor)> SearchAsync(AccessLogSearch search, Cursor? after, int limit, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Set<AccessLogRow>().AsNoTracking().Where(r => r.LogId == search.LogId);
        if (!string.IsNullOrEmpty(search.Unit))
        {
            query = query.Where(r => r.ActorUnit == search.Unit);
        }
        if (!string.IsNullOrEmpty(search.Role))
        {
            query = query.Where(r => r.ActorRole == search.Role);
        }
        if (!string.IsNullOrEmpty(search.Purpose))
        {
            query = query.Where(r => r.Purpose == search.Purpose);
        }
        if (search.From is { } from)
        {
            var ms = from.ToUnixTimeMilliseconds();
            query = query.Where(r => r.RecordedAtUnixMs >= ms);
        }
        if (search.To is { } to)
        {
            var ms = to.ToUnixTimeMilliseconds();
            query = query.Where(r => r.RecordedAtUnixMs < ms);
        }
        // One log: its index order is its time order, and the primary key serves it.
        if (after is { } c)
        {
            query = query.Where(r => r.Index < c.Index);
        }
        var rows = await query.OrderByDescending(r => r.Index).Take(limit + 1).ToListAsync(cancellationToken);
        return Page(rows, limit);
    }

    public async Task<AccessLogRow?> FindAsync(string logId, long index, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Set<AccessLogRow>().AsNoTracking().SingleOrDefaultAsync(r => r.LogId == logId && r.Index == index, cancellationToken);
    }

    public async Task<IReadOnlyList<AccessLogRow>> FindManyAsync(IEnumerable<(string LogId, long Index)> positions, CancellationToken cancellationToken)
    {
        var found = new List<AccessLogRow>();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        foreach (var log in positions.GroupBy(p => p.LogId, StringComparer.Ordinal))
        {
            var indexes = log.Select(p => p.Index).Distinct().ToList();
            found.AddRange(await db.Set<AccessLogRow>().AsNoTracking().Where(r => r.LogId == log.Key && indexes.Contains(r.Index)).ToListAsync(cancellationToken));
        }
        return found;
    }

    /// <summary>
    /// Each entry with its inclusion proof against the newest signed head of its log. When that head
    /// does not cover an entry yet (heads are signed at most every <c>TreeHeadInterval</c>), the
    /// writer is asked to sign the pending heads first, so a resident never waits for the next batch.
    /// </summary>
    public async Task<IReadOnlyList<ProvenAccess>> ProveAsync(IReadOnlyList<AccessLogRow> rows, CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, SignedTreeHead?>(StringComparer.Ordinal);
        foreach (var logId in rows.Select(r => r.LogId).Distinct(StringComparer.Ordinal))
        {
            heads[logId] = await reader.LatestTreeHeadAsync(logId, cancellationToken);
        }
        if (rows.Any(r => heads[r.LogId] is not { } h || h.TreeSize <= r.Index))
        {
            await writer.SignPendingTreeHeadsAsync(cancellationToken);
            foreach (var logId in heads.Keys.ToList())
            {
                heads[logId] = await reader.LatestTreeHeadAsync(logId, cancellationToken);
            }
        }

        var proofs = new Dictionary<(string LogId, long Index), InclusionProofView>();
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            foreach (var log in rows.GroupBy(r => r.LogId, StringComparer.Ordinal))
            {
                if (heads[log.Key] is not { } head)
                {
                    continue;
                }
                var covered = log.Where(r => r.Index < head.TreeSize).Select(r => r.Index).ToList();
                var nodes = await BatchNodes.LoadAsync(db, log.Key, covered, head.TreeSize, cancellationToken);
                var tree = new MerkleTree(nodes);
                foreach (var index in covered)
                {
                    proofs[(log.Key, index)] = new InclusionProofView(nodes.PerfectNode(0, index), head.TreeSize, tree.InclusionProof(index, head.TreeSize));
                }
            }
        }

        return [.. rows.Select(r =>
        {
            var proof = proofs.GetValueOrDefault((r.LogId, r.Index));
            return new ProvenAccess(labels.Describe(r), proof, proof is null ? null : TreeHeadView.From(heads[r.LogId]!));
        })];
    }

    private static (IReadOnlyList<AccessLogRow> Rows, string? NextCursor) Page(List<AccessLogRow> rows, int limit)
    {
        if (rows.Count <= limit)
        {
            return (rows, null);
        }
        rows.RemoveAt(rows.Count - 1);
        var last = rows[^1];
        return (rows, new Cursor(last.RecordedAtUnixMs, last.LogId, last.Index).Encode());
    }

    /// <summary>Clamps a requested page size to 1..<see cref="MaxLimit"/>.</summary>
    public static int Limit(int? requested) => Math.Clamp(requested ?? DefaultLimit, 1, MaxLimit);

    /// <summary>
    /// Loads, in one query per tree level, exactly the stored nodes the proofs of several entries
    /// need. Which nodes a proof reads depends only on the index and the size, so a dry run with
    /// placeholder hashes lists them.
    /// </summary>
    private sealed class BatchNodes : IMerkleNodeReader
    {
        private static readonly byte[] Placeholder = new byte[MerkleHash.Size];
        private readonly Dictionary<(int Level, long Index), byte[]> _nodes = [];

        public byte[] PerfectNode(int level, long index) =>
            _nodes.TryGetValue((level, index), out var hash) ? hash : throw new InvalidOperationException($"stored node ({level}, {index}) is missing");

        public static async Task<BatchNodes> LoadAsync(VaultDbContext db, string logId, IReadOnlyList<long> indexes, long treeSize, CancellationToken cancellationToken)
        {
            var wanted = new Wanted();
            var dryRun = new MerkleTree(wanted);
            foreach (var index in indexes)
            {
                wanted.PerfectNode(0, index);
                dryRun.InclusionProof(index, treeSize);
            }
            var loaded = new BatchNodes();
            foreach (var level in wanted.Coordinates.GroupBy(c => c.Level))
            {
                var levelNumber = level.Key;
                var at = level.Select(c => c.Index).ToList();
                var rows = await db.Set<MerkleNodeRow>().AsNoTracking()
                    .Where(n => n.LogId == logId && n.Level == levelNumber && at.Contains(n.Index))
                    .Select(n => new { n.Index, n.Hash }).ToListAsync(cancellationToken);
                foreach (var row in rows)
                {
                    loaded._nodes[(levelNumber, row.Index)] = row.Hash;
                }
            }
            foreach (var (level, index) in wanted.Coordinates.Where(c => !loaded._nodes.ContainsKey(c)))
            {
                throw new InvalidOperationException($"the stored tree of log {logId} lacks node ({level}, {index})");
            }
            return loaded;
        }

        private sealed class Wanted : IMerkleNodeReader
        {
            public HashSet<(int Level, long Index)> Coordinates { get; } = [];

            public byte[] PerfectNode(int level, long index)
            {
                Coordinates.Add((level, index));
                return Placeholder;
            }
        }
    }
}

/// <summary>
/// A position in a newest-first listing: (time, log, index) of the last entry of a page. Opaque to
/// clients (base64url); a malformed cursor is refused, never guessed at.
/// </summary>
public readonly record struct Cursor(long AtUnixMs, string LogId, long Index)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{AtUnixMs}.{LogId}.{Index}")));

    public static bool TryDecode(string? text, out Cursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('.');
            if (parts.Length == 3
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                && parts[1].Length is > 0 and <= 16 && parts[1].All(char.IsAsciiDigit)
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                cursor = new Cursor(at, parts[1], index);
                return true;
            }
        }
        catch (FormatException)
        {
        }
        return false;
    }
}
