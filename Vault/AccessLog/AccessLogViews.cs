namespace DataVault.Vault.AccessLog;

/// <summary>A code with its Chinese and English label (roles, purposes, actions).</summary>
public sealed record CodeLabel(string Code, string Zh, string En);

/// <summary>One field as an entry records it: key, labels, the fidelity served and the field's level (null for a key no longer in the schema).</summary>
public sealed record LoggedField(string Key, string Zh, string En, string Fidelity, string? Level);

/// <summary>
/// One access-log entry as a resident or an officer reads it: every stored column (so that anyone
/// can re-hash it into its RFC 6962 leaf, <see cref="EntryVerifier"/>) plus labels. Metadata only:
/// an entry never holds a value. <see cref="Subject"/> is the resident id, or <c>@</c> + a
/// jurisdiction code for an aggregate that counted everyone in that jurisdiction.
/// </summary>
public sealed record LoggedAccess(
    string LogId,
    long Index,
    DateTimeOffset Time,
    long RecordedAtUnixMs,
    string Subject,
    CodeLabel Action,
    string ActorUserId,
    string Unit,
    CodeLabel Role,
    string? Client,
    CodeLabel Purpose,
    string LegalBasis,
    IReadOnlyList<LoggedField> Fields,
    IReadOnlyList<string> GrantChain,
    string PolicyVersion,
    string Decision,
    string? Reason)
{
    /// <summary>An emergency access (action <c>breakglass</c> or decision <c>allow:break-glass</c>): flagged to the resident and queued for review.</summary>
    public bool BreakGlass => Action.Code == BreakGlassAction || Decision == BreakGlassDecision;

    /// <summary>An aggregate that counted the resident among everyone in a jurisdiction.</summary>
    public bool Aggregate => Subject.StartsWith(AggregateSubjectPrefix, StringComparison.Ordinal);

    public const string BreakGlassAction = "breakglass";
    public const string BreakGlassDecision = "allow:break-glass";

    /// <summary>The convention shared with the aggregates: an aggregate's entry names <c>@</c> + the jurisdiction it counted.</summary>
    public const string AggregateSubjectPrefix = "@";
}

/// <summary>A signed tree head as the API hands it out; <see cref="SignedAtUnixMs"/> is what the signature covers.</summary>
public sealed record TreeHeadView(string LogId, long TreeSize, DateTimeOffset SignedAt, long SignedAtUnixMs, byte[] RootHash, string KeyId, byte[] Signature)
{
    public static TreeHeadView From(SignedTreeHead head) =>
        new(head.LogId, head.TreeSize, head.SignedAt, head.SignedAt.ToUnixTimeMilliseconds(), head.RootHash, head.KeyId, head.Signature);
}

/// <summary>The RFC 6962 audit path of one entry in the tree of <see cref="TreeSize"/> entries (the size of the head it goes with).</summary>
public sealed record InclusionProofView(byte[] LeafHash, long TreeSize, IReadOnlyList<byte[]> AuditPath);

/// <summary>An entry with the proof that it is in the log the signed head vouches for. Proof and head are null only while no head covers the entry yet.</summary>
public sealed record ProvenAccess(LoggedAccess Entry, InclusionProofView? Proof, TreeHeadView? TreeHead);

/// <summary>A page of entries, newest first; <see cref="NextCursor"/> fetches the next (older) page, null at the end.</summary>
public sealed record AccessLogPage<T>(IReadOnlyList<T> Entries, string? NextCursor);

/// <summary>A public key that signs tree heads (Ed25519, RFC 8032), as published for verifiers.</summary>
public sealed record LogPublicKey(string KeyId, string Algorithm, byte[] PublicKey);

/// <summary>An RFC 6962 consistency proof between two tree sizes of one log.</summary>
public sealed record ConsistencyProofView(string LogId, long First, long Second, IReadOnlyList<byte[]> Proof);
