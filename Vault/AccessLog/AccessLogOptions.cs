using System.ComponentModel.DataAnnotations;

namespace DataVault.Vault.AccessLog;

/// <summary>Access-log tuning (section <c>AccessLog</c>).</summary>
public sealed class AccessLogOptions
{
    public const string Section = "AccessLog";

    /// <summary>
    /// The start of each district log's checkpoint origin line (<c>{prefix}/{logId}</c>): name the
    /// deployment, e.g. <c>vault.wuhou.gov.cn/access-log</c>, so two vaults' logs never share an origin.
    /// </summary>
    [Required, RegularExpression("^[A-Za-z0-9.:/_-]{3,200}$")]
    public string CheckpointOrigin { get; set; } = "datavault.example/access-log";

    /// <summary>Most entries committed in one transaction (group commit).</summary>
    [Range(1, 10_000)]
    public int MaxBatchEntries { get; set; } = 512;

    /// <summary>
    /// How often a district's log gets a new signed tree head while entries arrive. Entries after
    /// the newest head are still covered by the stored tree; the head makes removing them evident.
    /// Zero signs after every batch.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan TreeHeadInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// PostgreSQL: how long a batch's transaction may sit idle while it holds its district locks before
    /// PostgreSQL ends it (<c>idle_in_transaction_session_timeout</c>, set for that transaction only).
    /// A node killed mid-batch loses its connection and PostgreSQL releases the lock at once; a node that
    /// freezes mid-batch (a long pause, a network partition) keeps its connection open, and without this
    /// every other node's appends to that district waited for as long as the freeze lasted, then refused
    /// (503) at their 30 s command timeout. A healthy batch is idle for well under a millisecond between
    /// its statements; the frozen node's batch fails when it runs again, so its accesses are refused.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan StalledBatchTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Witnesses the vault submits its district checkpoints to (C2SP tlog-witness), each with its
    /// <c>add-checkpoint</c> URL prefix and its cosigner verifier key (<c>witness key</c>). Their
    /// cosignatures are served on <c>GET /api/v1/access-log/{logId}/checkpoint</c>. Empty: no witnessing.
    /// </summary>
    public List<WitnessEndpoint> Witnesses { get; set; } = [];

    /// <summary>How often the newest checkpoint of every district log is submitted to the witnesses.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan WitnessInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>One witness: where it listens (its submission prefix) and its verifier key.</summary>
public sealed class WitnessEndpoint
{
    [Required, Url]
    public string Url { get; set; } = "";

    [Required]
    public string VerifierKey { get; set; } = "";
}
