namespace DataVault.Vault.AccessLog;

/// <summary>The outcome of checking one entry: verified, or the first check that failed.</summary>
public sealed record EntryVerification(bool Verified, string? Problem)
{
    public static readonly EntryVerification Ok = new(true, null);

    public static EntryVerification Failed(string problem) => new(false, problem);
}

/// <summary>
/// Checks one access-log entry the way a resident's device would, trusting nothing but the
/// published log key: (1) re-encode the entry's columns exactly as the vault stored them and hash
/// the leaf (RFC 6962 §2.1: SHA-256(0x00 || data)); (2) fold the audit path into a root
/// (RFC 9162 §2.1.3.2) and compare it with the signed head's root; (3) check the head's Ed25519
/// signature under a published key. An entry edited after it was written fails (1) or (2); a head
/// made up by someone without the vault's key fails (3). The web portal marks an entry "verified"
/// only when all three pass.
/// </summary>
public static class EntryVerifier
{
    /// <param name="entry">The entry as served (its columns, not its labels, are hashed).</param>
    /// <param name="proof">Its audit path.</param>
    /// <param name="head">The signed head the path leads to.</param>
    /// <param name="publicKeys">The published tree-head keys (GET /api/v1/access-log/keys).</param>
    public static EntryVerification Verify(LoggedAccess entry, InclusionProofView? proof, TreeHeadView? head, IEnumerable<LogPublicKey> publicKeys)
    {
        if (proof is null || head is null)
        {
            return EntryVerification.Failed("no signed tree head covers this entry yet");
        }
        if (head.LogId != entry.LogId)
        {
            return EntryVerification.Failed($"the head belongs to log {head.LogId}, the entry to log {entry.LogId}");
        }
        if (proof.TreeSize != head.TreeSize)
        {
            return EntryVerification.Failed($"the proof is for a tree of {proof.TreeSize} entries, the head for {head.TreeSize}");
        }

        var leaf = LeafHash(entry);
        if (!leaf.AsSpan().SequenceEqual(proof.LeafHash))
        {
            return EntryVerification.Failed($"entry {entry.Index} does not hash to the leaf the proof starts from: its content was changed");
        }
        if (!MerkleProofs.VerifyInclusion(entry.Index, head.TreeSize, leaf, proof.AuditPath, head.RootHash))
        {
            return EntryVerification.Failed($"entry {entry.Index} is not in the tree of {head.TreeSize} entries the head vouches for");
        }

        var key = publicKeys.FirstOrDefault(k => k.KeyId == head.KeyId);
        if (key is null || TreeHeadSigner.KeyIdOf(key.PublicKey) != key.KeyId)
        {
            return EntryVerification.Failed($"the head is signed with key {head.KeyId}, which is not a published log key");
        }
        if (!TreeHeadSigner.Verify(key.PublicKey, head.LogId, head.TreeSize, head.SignedAtUnixMs, head.RootHash, head.Signature))
        {
            return EntryVerification.Failed("the tree head's signature is not valid");
        }
        return EntryVerification.Ok;
    }

    /// <summary>Convenience for a proven entry as <c>GET /api/v1/me/access-log</c> serves it.</summary>
    public static EntryVerification Verify(ProvenAccess proven, IEnumerable<LogPublicKey> publicKeys) =>
        Verify(proven.Entry, proven.Proof, proven.TreeHead, publicKeys);

    /// <summary>The RFC 6962 leaf hash of an entry, recomputed from its columns (the vault's canonical encoding).</summary>
    public static byte[] LeafHash(LoggedAccess entry) => MerkleHash.Leaf(ToRow(entry).CanonicalBytes());

    private static AccessLogRow ToRow(LoggedAccess entry) => new()
    {
        LogId = entry.LogId,
        Index = entry.Index,
        RecordedAtUnixMs = entry.RecordedAtUnixMs,
        ResidentId = entry.Subject,
        Action = entry.Action.Code,
        ActorUserId = entry.ActorUserId,
        ActorUnit = entry.Unit,
        ActorRole = entry.Role.Code,
        ClientId = entry.Client,
        Fields = StoredFields.Join(entry.Fields.Select(f => (f.Key, f.Fidelity))),
        Purpose = entry.Purpose.Code,
        LegalBasis = entry.LegalBasis,
        GrantChain = StoredFields.JoinChain(entry.GrantChain),
        PolicyVersion = entry.PolicyVersion,
        Decision = entry.Decision,
        Reason = entry.Reason,
    };
}
