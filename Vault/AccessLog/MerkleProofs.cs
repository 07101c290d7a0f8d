namespace DataVault.Vault.AccessLog;

/// <summary>
/// Verifiers for inclusion and consistency proofs, following the algorithms of RFC 9162 §2.1.3.2
/// and §2.1.4.2 (which verify RFC 6962 proofs). They need nothing but hashes, so a resident's
/// browser or an outside auditor can run the same steps.
/// </summary>
internal static class MerkleProofs
{
    public static bool VerifyInclusion(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> rootHash)
    {
        if (leafIndex < 0 || leafIndex >= treeSize)
        {
            return false;
        }

        var fn = leafIndex;
        var sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleHash.Node(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = MerkleHash.Node(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(rootHash);
    }

    public static bool VerifyConsistency(long first, long second, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot)
    {
        if (first < 0 || first > second)
        {
            return false;
        }
        if (first == second)
        {
            return proof.Count == 0 && firstRoot.SequenceEqual(secondRoot);
        }
        if (first == 0)
        {
            // Every tree extends the empty tree; there is nothing to prove.
            return proof.Count == 0;
        }
        if (proof.Count == 0)
        {
            return false;
        }

        // When the first tree is a perfect subtree its root is the proof's implicit first element.
        var path = (first & (first - 1)) == 0 ? [firstRoot.ToArray(), .. proof] : proof.ToList();
        var fn = first - 1;
        var sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleHash.Node(c, fr);
                sr = MerkleHash.Node(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = MerkleHash.Node(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.AsSpan().SequenceEqual(firstRoot) && sr.AsSpan().SequenceEqual(secondRoot);
    }
}
