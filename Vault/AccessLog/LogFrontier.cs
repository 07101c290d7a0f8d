namespace DataVault.Vault.AccessLog;

/// <summary>
/// The right edge of a log's tree: for size n, the perfect subtrees of n's binary decomposition
/// (one per set bit). That is all an append needs (the left siblings it completes) and all the
/// root needs, so the writer keeps it in memory and never reads the tree back.
/// </summary>
internal sealed class LogFrontier : IMerkleNodeReader
{
    private readonly Dictionary<(int Level, long Index), byte[]> _nodes;

    private LogFrontier(long size, Dictionary<(int Level, long Index), byte[]> nodes)
    {
        Size = size;
        _nodes = nodes;
    }

    public long Size { get; private set; }

    public static LogFrontier Empty() => new(0, []);

    /// <summary>The (level, index) of each node the frontier of a tree of <paramref name="size"/> holds.</summary>
    public static IEnumerable<(int Level, long Index)> Coordinates(long size)
    {
        for (var level = 0; level < 63; level++)
        {
            if ((size & (1L << level)) != 0)
            {
                yield return (level, (size >> level) - 1);
            }
        }
    }

    public static LogFrontier FromNodes(long size, IEnumerable<MerkleNode> nodes) =>
        new(size, nodes.ToDictionary(n => (n.Level, n.Index), n => n.Hash));

    public byte[] PerfectNode(int level, long index) =>
        _nodes.TryGetValue((level, index), out var hash)
            ? hash
            : throw new InvalidOperationException($"the log's frontier lacks node ({level}, {index}); the stored tree is incomplete");

    /// <summary>Appends a leaf and returns every node it completes, for storing.</summary>
    public List<MerkleNode> Append(byte[] leafHash)
    {
        var completed = MerkleAppend.NodesCompletedBy(Size, leafHash, this);
        // The highest completed node joins the frontier; each lower one and the left sibling it
        // was merged with are now inside it, so the frontier stays one node per set bit of Size.
        var top = completed[^1];
        for (var i = 1; i < completed.Count; i++)
        {
            _nodes.Remove((completed[i].Level - 1, (completed[i].Index << 1)));
        }
        _nodes[(top.Level, top.Index)] = top.Hash;
        Size++;
        return completed;
    }

    public byte[] RootHash() => new MerkleTree(this).RootHash(Size);

    public LogFrontier Clone() => new(Size, new Dictionary<(int Level, long Index), byte[]>(_nodes));
}
