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
}
