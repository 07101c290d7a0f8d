using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.AccessLog;

/// <summary>A signed tree head as handed to a resident or an auditor.</summary>
public sealed record SignedTreeHead(string LogId, long TreeSize, DateTimeOffset SignedAt, byte[] RootHash, string KeyId, byte[] Signature);

/// <summary>An RFC 6962 inclusion proof of one entry against a signed tree head.</summary>
public sealed record InclusionProof(string LogId, long Index, byte[] LeafHash, long TreeSize, IReadOnlyList<byte[]> AuditPath);

/// <summary>Reads the log back: the newest head of a district and proofs against it.</summary>
internal sealed class AccessLogReader(IDbContextFactory<VaultDbContext> dbFactory)
{
    public async Task<SignedTreeHead?> LatestTreeHeadAsync(string logId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var head = await db.Set<TreeHeadRow>().AsNoTracking().Where(h => h.LogId == logId)
            .OrderByDescending(h => h.TreeSize).FirstOrDefaultAsync(cancellationToken);
        return head is null ? null : new SignedTreeHead(head.LogId, head.TreeSize, DateTimeOffset.FromUnixTimeMilliseconds(head.SignedAtUnixMs), head.RootHash, head.KeyId, head.Signature);
    }

    /// <summary>The proof that entry <paramref name="index"/> is in the log of size <paramref name="treeSize"/>; null when it is not.</summary>
    public async Task<InclusionProof?> InclusionProofAsync(string logId, long index, long treeSize, CancellationToken cancellationToken = default)
    {
        if (index < 0 || index >= treeSize)
        {
            return null;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var nodes = await StoredNodes.LoadAsync(db, logId, reader =>
        {
            reader.PerfectNode(0, index);
            new MerkleTree(reader).InclusionProof(index, treeSize);
        }, cancellationToken);
        var leaf = nodes.PerfectNode(0, index);
        return new InclusionProof(logId, index, leaf, treeSize, new MerkleTree(nodes).InclusionProof(index, treeSize));
    }

    /// <summary>The proof that the log of size <paramref name="first"/> is a prefix of the log of size <paramref name="second"/>.</summary>
    public async Task<IReadOnlyList<byte[]>> ConsistencyProofAsync(string logId, long first, long second, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var nodes = await StoredNodes.LoadAsync(db, logId, reader => new MerkleTree(reader).ConsistencyProof(first, second), cancellationToken);
        return new MerkleTree(nodes).ConsistencyProof(first, second);
    }

    /// <summary>
    /// Loads exactly the stored nodes a computation needs. Which nodes a proof reads depends only
    /// on the sizes and index, never on the hashes, so a dry run with placeholder hashes lists them.
    /// </summary>
    private sealed class StoredNodes : IMerkleNodeReader
    {
        private readonly Dictionary<(int Level, long Index), byte[]> _nodes = [];

        public byte[] PerfectNode(int level, long index) =>
            _nodes.TryGetValue((level, index), out var hash) ? hash : throw new InvalidOperationException($"stored node ({level}, {index}) is missing");

        public static async Task<StoredNodes> LoadAsync(VaultDbContext db, string logId, Action<IMerkleNodeReader> computation, CancellationToken cancellationToken)
        {
            var wanted = new WantedNodes();
            computation(wanted);
            var loaded = new StoredNodes();
            foreach (var (level, index) in wanted.Coordinates)
            {
                var hash = await db.Set<MerkleNodeRow>().AsNoTracking()
                    .Where(n => n.LogId == logId && n.Level == level && n.Index == index)
                    .Select(n => n.Hash).SingleOrDefaultAsync(cancellationToken)
                    ?? throw new InvalidOperationException($"the stored tree of log {logId} lacks node ({level}, {index})");
                loaded._nodes[(level, index)] = hash;
            }
            return loaded;
        }
    }

    private sealed class WantedNodes : IMerkleNodeReader
    {
        private static readonly byte[] Placeholder = new byte[MerkleHash.Size];

        public HashSet<(int Level, long Index)> Coordinates { get; } = [];

        public byte[] PerfectNode(int level, long index)
        {
            Coordinates.Add((level, index));
            return Placeholder;
        }
    }
}
