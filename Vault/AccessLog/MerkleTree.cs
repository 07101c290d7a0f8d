using System.Numerics;

namespace DataVault.Vault.AccessLog;

/// <summary>
/// Where the tree's hashes live. Only perfect, aligned subtrees are stored: node (level, index)
/// covers leaves [index·2^level, (index+1)·2^level); level 0 is the leaf hash. Every node of an
/// RFC 6962 tree is either such a subtree or a node on the ragged right edge, so any root or proof
/// needs O(log n) lookups, and appending a leaf stores O(1) new nodes amortised.
/// </summary>
internal interface IMerkleNodeReader
{
    byte[] PerfectNode(int level, long index);
}

/// <summary>
/// Roots and proofs of RFC 6962 §2.1 over a tree of a given size, reading stored perfect subtrees.
/// The proofs are exactly the RFC's PATH and PROOF, so any RFC 6962 / RFC 9162 verifier accepts them.
/// </summary>
internal sealed class MerkleTree(IMerkleNodeReader nodes)
{
    /// <summary>MTH(D[0:size]).</summary>
    public byte[] RootHash(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return size == 0 ? MerkleHash.EmptyRoot() : SubtreeHash(0, size);
    }

    /// <summary>PATH(m, D[0:size]) of RFC 6962 §2.1.1: the audit path of leaf <paramref name="leafIndex"/>.</summary>
    public IReadOnlyList<byte[]> InclusionProof(long leafIndex, long size)
    {
        if (leafIndex < 0 || leafIndex >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(leafIndex), $"leaf {leafIndex} is not in a tree of size {size}");
        }

        var path = new List<byte[]>();
        Path(leafIndex, 0, size, path);
        return path;
    }

    /// <summary>PROOF(m, D[0:size]) of RFC 6962 §2.1.2: proves the tree of size <paramref name="first"/> is a prefix of this one.</summary>
    public IReadOnlyList<byte[]> ConsistencyProof(long first, long size)
    {
        if (first < 0 || first > size)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"a tree of size {first} cannot precede one of size {size}");
        }

        var proof = new List<byte[]>();
        if (first > 0 && first < size)
        {
            SubProof(first, 0, size, true, proof);
        }
        return proof;
    }

    // Appends to `path` in the RFC's order: deepest sibling first.
    private void Path(long m, long start, long n, List<byte[]> path)
    {
        if (n == 1)
        {
            return;
        }
        var k = LargestPowerOfTwoBelow(n);
        if (m < k)
        {
            Path(m, start, k, path);
            path.Add(SubtreeHash(start + k, n - k));
        }
        else
        {
            Path(m - k, start + k, n - k, path);
            path.Add(SubtreeHash(start, k));
        }
    }

    private void SubProof(long m, long start, long n, bool completeSubtree, List<byte[]> proof)
    {
        if (m == n)
        {
            if (!completeSubtree)
            {
                proof.Add(SubtreeHash(start, n));
            }
            return;
        }
        var k = LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            SubProof(m, start, k, completeSubtree, proof);
            proof.Add(SubtreeHash(start + k, n - k));
        }
        else
        {
            SubProof(m - k, start + k, n - k, false, proof);
            proof.Add(SubtreeHash(start, k));
        }
    }

    // MTH(D[start:start+n]). In the RFC's recursion `start` is always a multiple of the largest
    // power of two not above n, so a power-of-two n is a stored perfect subtree.
    private byte[] SubtreeHash(long start, long n)
    {
        if (BitOperations.IsPow2(n))
        {
            var level = BitOperations.Log2((ulong)n);
            return nodes.PerfectNode(level, start >> level);
        }
        var k = LargestPowerOfTwoBelow(n);
        return MerkleHash.Node(SubtreeHash(start, k), SubtreeHash(start + k, n - k));
    }

    /// <summary>The k of RFC 6962 §2.1: the largest power of two smaller than n (n &gt; 1).</summary>
    internal static long LargestPowerOfTwoBelow(long n) => 1L << BitOperations.Log2((ulong)(n - 1));
}
