using DataVault.Vault.AccessLog;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>
/// RFC 6962 known answers (the leaves and roots used by Certificate Transparency's own tests) and
/// exhaustive round trips over many tree shapes.
/// </summary>
public sealed class MerkleTreeTests
{
    private static readonly byte[][] ReferenceLeaves =
        new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
            .Select(Convert.FromHexString).ToArray();

    // Roots of the trees of the first n reference leaves, n = 0..8.
    private static readonly string[] ReferenceRoots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static TheoryData<long, long, string[]> InclusionVectors => new()
    {
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    public static TheoryData<long, long, string[]> ConsistencyVectors => new()
    {
        { 1, 1, [] },
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    [Fact]
    public void RootHash_ReferenceLeaves_MatchesRfc6962RootsForEverySize()
    {
        var nodes = new InMemoryMerkleNodes();
        var tree = new MerkleTree(nodes);
        Assert.Equal(ReferenceRoots[0], Hex(tree.RootHash(0)));
        for (var n = 1; n <= ReferenceLeaves.Length; n++)
        {
            nodes.Append(MerkleHash.Leaf(ReferenceLeaves[n - 1]));
            Assert.Equal(ReferenceRoots[n], Hex(tree.RootHash(n)));
        }
        // Earlier sizes stay answerable from the grown tree.
        for (var n = 0; n <= ReferenceLeaves.Length; n++)
        {
            Assert.Equal(ReferenceRoots[n], Hex(tree.RootHash(n)));
        }
    }

    [Theory]
    [MemberData(nameof(InclusionVectors))]
    public void InclusionProof_ReferenceVectors_MatchAndVerify(long leafIndex, long size, string[] expected)
    {
        var tree = ReferenceTree(out _);

        var proof = tree.InclusionProof(leafIndex, size);

        Assert.Equal(expected, proof.Select(Hex));
        var leafHash = MerkleHash.Leaf(ReferenceLeaves[leafIndex]);
        Assert.True(MerkleProofs.VerifyInclusion(leafIndex, size, leafHash, proof, Convert.FromHexString(ReferenceRoots[size])));
        Assert.False(MerkleProofs.VerifyInclusion(leafIndex, size, leafHash, proof, Convert.FromHexString(ReferenceRoots[0])));
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectors))]
    public void ConsistencyProof_ReferenceVectors_MatchAndVerify(long first, long second, string[] expected)
    {
        var tree = ReferenceTree(out _);

        var proof = tree.ConsistencyProof(first, second);

        Assert.Equal(expected, proof.Select(Hex));
        Assert.True(MerkleProofs.VerifyConsistency(first, second, proof, Convert.FromHexString(ReferenceRoots[first]), Convert.FromHexString(ReferenceRoots[second])));
    }

    [Fact]
    public void InclusionProof_EveryLeafOfEverySizeUpTo70_VerifiesAndRejectsOtherLeaves()
    {
        var (nodes, leaves) = RandomTree(70, seed: 6962);
        var tree = new MerkleTree(nodes);
        for (long size = 1; size <= leaves.Count; size++)
        {
            var root = tree.RootHash(size);
            Assert.Equal(Hex(root), Hex(NaiveRoot(leaves.Take((int)size).ToList())));
            for (long i = 0; i < size; i++)
            {
                var proof = tree.InclusionProof(i, size);
                Assert.True(MerkleProofs.VerifyInclusion(i, size, leaves[(int)i], proof, root), $"leaf {i} of {size}");
                var other = leaves[(int)((i + 1) % leaves.Count)];
                if (!other.AsSpan().SequenceEqual(leaves[(int)i]))
                {
                    Assert.False(MerkleProofs.VerifyInclusion(i, size, other, proof, root), $"wrong leaf accepted at {i} of {size}");
                }
                if (size > 1)
                {
                    Assert.False(MerkleProofs.VerifyInclusion((i + 1) % size, size, leaves[(int)i], proof, root), $"wrong index accepted for {i} of {size}");
                }
            }
        }
    }

    [Fact]
    public void ConsistencyProof_EveryPairOfSizesUpTo40_VerifiesAndRejectsRewrittenHistory()
    {
        var (nodes, leaves) = RandomTree(40, seed: 9162);
        var tree = new MerkleTree(nodes);
        var (forgedNodes, _) = RandomTree(40, seed: 1);
        var forged = new MerkleTree(forgedNodes);
        for (long m = 1; m <= leaves.Count; m++)
        {
            for (var n = m; n <= leaves.Count; n++)
            {
                var proof = tree.ConsistencyProof(m, n);
                Assert.True(MerkleProofs.VerifyConsistency(m, n, proof, tree.RootHash(m), tree.RootHash(n)), $"{m} -> {n}");
                if (m < n)
                {
                    // A log that rewrote its first m entries cannot prove it extends the old head.
                    Assert.False(MerkleProofs.VerifyConsistency(m, n, proof, forged.RootHash(m), tree.RootHash(n)), $"forged {m} -> {n}");
                }
            }
        }
    }

    [Fact]
    public void LogFrontier_EverySizeUpTo130_KeepsOneNodePerSetBitAndTheFullTreesRoot()
    {
        var (full, leaves) = RandomTree(130, seed: 42);
        var fullTree = new MerkleTree(full);
        var frontier = LogFrontier.Empty();
        foreach (var leaf in leaves)
        {
            frontier.Append(leaf);
            Assert.Equal(Hex(fullTree.RootHash(frontier.Size)), Hex(frontier.RootHash()));
            foreach (var (level, index) in LogFrontier.Coordinates(frontier.Size))
            {
                Assert.Equal(Hex(full.PerfectNode(level, index)), Hex(frontier.PerfectNode(level, index)));
            }
            Assert.Throws<InvalidOperationException>(() => frontier.PerfectNode(0, frontier.Size - 2));
        }
    }

    [Fact]
    public void VerifyInclusion_TamperedProofElement_Fails()
    {
        var tree = ReferenceTree(out _);
        var proof = tree.InclusionProof(5, 8).Select(p => p.ToArray()).ToList();
        proof[1][0] ^= 0x01;

        Assert.False(MerkleProofs.VerifyInclusion(5, 8, MerkleHash.Leaf(ReferenceLeaves[5]), proof, Convert.FromHexString(ReferenceRoots[8])));
    }

    private static MerkleTree ReferenceTree(out InMemoryMerkleNodes nodes)
    {
        nodes = new InMemoryMerkleNodes();
        foreach (var leaf in ReferenceLeaves)
        {
            nodes.Append(MerkleHash.Leaf(leaf));
        }
        return new MerkleTree(nodes);
    }

    private static (InMemoryMerkleNodes Nodes, List<byte[]> LeafHashes) RandomTree(int size, int seed)
    {
        var random = new Random(seed);
        var nodes = new InMemoryMerkleNodes();
        var leaves = new List<byte[]>();
        for (var i = 0; i < size; i++)
        {
            var data = new byte[random.Next(0, 24)];
            random.NextBytes(data);
            var hash = MerkleHash.Leaf(data);
            leaves.Add(hash);
            nodes.Append(hash);
        }
        return (nodes, leaves);
    }

    // MTH straight from RFC 6962 §2.1, with no stored nodes: the independent check of the fast path.
    private static byte[] NaiveRoot(List<byte[]> leafHashes)
    {
        if (leafHashes.Count == 1)
        {
            return leafHashes[0];
        }
        var k = (int)MerkleTree.LargestPowerOfTwoBelow(leafHashes.Count);
        return MerkleHash.Node(NaiveRoot(leafHashes[..k]), NaiveRoot(leafHashes[k..]));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
