namespace DataVault.Vault.AccessLog;

/// <summary>What was done with a resident's data. Stored as its lowercase name.</summary>
public enum AccessAction
{
    Read,
    List,
    Reveal,
    Export,
    Aggregate,
    BreakGlass,
    Write,

    /// <summary>A privacy officer or auditor asked who may see the resident's data (oversight): only where they live was read.</summary>
    Explain,

    /// <summary>Listed in a department form (一表通): the fields the form read, at their fidelity; the reason names the form and the fill.</summary>
    Form,

    /// <summary>Delivered to a department system by the change feed: the fields that changed (all visible ones for a new resident), at their fidelity.</summary>
    Feed,

    /// <summary>Served as a member of a household (一户一码): the fields the caller's view serves, at their fidelity.</summary>
    Household,
}

/// <summary>One field as it left the vault: its key and the fidelity served (never its value).</summary>
public sealed record ServedField(string FieldKey, string Fidelity);

/// <summary>
/// One access to one resident's data, as the resident will see it (DESIGN.md, "The access log").
/// It names who, through which client, for what purpose and legal basis, under which grants and
/// policy version, and which fields at which fidelity — never a value.
/// </summary>
public sealed record AccessLogEntry(
    string ResidentId,
    string DistrictCode,
    AccessAction Action,
    string ActorUserId,
    string ActorUnit,
    string ActorRole,
    string? ClientId,
    IReadOnlyList<ServedField> Fields,
    string Purpose,
    string LegalBasis,
    IReadOnlyList<string> GrantChain,
    string PolicyVersion,
    string Decision)
{
    /// <summary>The reason the caller stated, for a reveal or a break-glass (their words, never a field value).</summary>
    public string? Reason { get; init; }
}

/// <summary>Where an entry landed: its log (the district), its position and its RFC 6962 leaf hash.</summary>
public sealed record AccessLogReceipt(string LogId, long Index, byte[] LeafHash, DateTimeOffset RecordedAt);
