using Microsoft.Extensions.Options;

namespace DataVault.Vault.Oversight.Snooping;

/// <summary>Settings of the scheduled snooping scan (<c>Snooping:*</c>).</summary>
public sealed class SnoopingOptions
{
    /// <summary>How often every district's log is scanned (yesterday and today); zero turns the schedule off (officers can still scan by hand).</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Scans every district's log for yesterday and today each <see cref="SnoopingOptions.ScanInterval"/>,
/// the first time one interval after start. Several nodes may all run it: storing an alert is
/// idempotent. A failed scan is logged and tried again at the next tick; it never stops the node.
/// </summary>
internal sealed class SnoopingScanService(SnoopingScanner scanner, IOptions<SnoopingOptions> options, TimeProvider time, ILogger<SnoopingScanService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ScanInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var today = SnoopingDetector.DayOf(time.GetUtcNow());
                foreach (var district in await scanner.DistrictsAsync(stoppingToken))
                {
                    foreach (var day in new[] { today.AddDays(-1), today })
                    {
                        var scan = await scanner.ScanAsync(district, day, stoppingToken);
                        if (scan.NewAlerts > 0)
                        {
                            logger.LogWarning("Snooping scan of district {District} for {Day}: {Alerts} new alert(s) for the privacy officers", district, day, scan.NewAlerts);
                        }
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Snooping scan failed; trying again at the next interval");
            }
        }
    }
}
