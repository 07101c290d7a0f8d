using DataVault.Vault.AccessLog;

namespace DataVault.Vault.Me;

/// <summary>How the district log a resident sees now relates to the head they were shown last time.</summary>
public enum ContinuityVerdict
{
    /// <summary>No earlier head was given: nothing to compare; remember the size and root of <see cref="LogContinuity.TreeHead"/>.</summary>
    FirstVisit,

    /// <summary>The log now is a consistent extension of the head shown last time (RFC 6962 consistency proof verified).</summary>
    Consistent,

    /// <summary>It is not: entries were removed or rewritten since. The earlier head should be kept and reported.</summary>
    NotConsistent,
}

/// <summary>
/// The answer to "is the log I see now the one I saw last time, plus new entries?": the newest
/// signed head of the resident's district log, the consistency proof from the size they were shown
/// (so a resident's own app can check it offline), and the vault's verdict.
/// </summary>
public sealed record LogContinuity(
    string LogId,
    long? ShownSize,
    TreeHeadView? TreeHead,
    IReadOnlyList<byte[]> ConsistencyProof,
    ContinuityVerdict Verdict,
    string? Reason);
