namespace DataVault.Vault.AccessLog;

/// <summary>A stored node of the tree: the perfect subtree (level, index) and its hash.</summary>
internal readonly record struct MerkleNode(int Level, long Index, byte[] Hash);

/// <summary>What appending a leaf adds to the stored perfect subtrees.</summary>
internal static class MerkleAppend
{
    /// <summary>
    /// The nodes completed by appending leaf <paramref name="leafIndex"/>: the leaf itself (level 0)
    /// and each perfect subtree whose last leaf it is. Leaf i completes the level-l subtree exactly
    /// when i+1 is a multiple of 2^l; its left sibling was completed earlier and is read back.
    /// </summary>
    public static List<MerkleNode> NodesCompletedBy(long leafIndex, byte[] leafHash, IMerkleNodeReader earlier)
    {
        var completed = new List<MerkleNode> { new(0, leafIndex, leafHash) };
        var hash = leafHash;
        var index = leafIndex;
        for (var level = 1; ((leafIndex + 1) & ((1L << level) - 1)) == 0; level++)
        {
            var left = earlier.PerfectNode(level - 1, index - 1);
            hash = MerkleHash.Node(left, hash);
            index >>= 1;
            completed.Add(new MerkleNode(level, index, hash));
        }
        return completed;
    }
}

/// <summary>
/// The perfect subtrees of a tree held in memory: used to rebuild a log from its entries when
/// verifying it, and by tests. Lookups of nodes it does not have fail loudly.
/// </summary>
internal sealed class InMemoryMerkleNodes : IMerkleNodeReader
{
    private readonly List<List<byte[]>> _levels = [];

    public long Size => _levels.Count == 0 ? 0 : _levels[0].Count;

    /// <summary>Appends a leaf hash and returns its index.</summary>
    public long Append(byte[] leafHash)
    {
        var index = Size;
        foreach (var node in MerkleAppend.NodesCompletedBy(index, leafHash, this))
        {
            if (_levels.Count <= node.Level)
            {
                _levels.Add([]);
            }
            _levels[node.Level].Add(node.Hash);
        }
        return index;
    }

    public byte[] PerfectNode(int level, long index) =>
        level < _levels.Count && index < _levels[level].Count
            ? _levels[level][(int)index]
            : throw new InvalidOperationException($"the tree has no complete subtree at level {level}, index {index}");
}
