using DataVault.Vault.Encryption;
using DataVault.Vault.Integrity;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Households;

/// <summary>
/// Whether every stored resident carries its household index. Until it does, household reads and the
/// writes that move a resident between households answer 503 <c>household_index_building</c> (fail
/// closed: a household shown without a member it has, or a size counted without one, is wrong).
/// New and rewritten records always carry their index, so once complete it stays complete.
/// </summary>
internal sealed class HouseholdIndexState
{
    private volatile bool _complete;
    private long _remaining = -1;

    public bool Complete => _complete;

    /// <summary>Rows still to index (-1 before the first count).</summary>
    public long Remaining => Interlocked.Read(ref _remaining);

    internal void Report(long remaining)
    {
        Interlocked.Exchange(ref _remaining, remaining);
        if (remaining == 0)
        {
            _complete = true;
        }
    }
}

/// <summary>
/// The online migration that gives rows stored before households existed their household index
/// (docs/households.md). At start it counts the rows left (on a new store: none, and households are
/// served at once); then, while the vault serves, it indexes them 500 at a time, each opened only for
/// its household code and updated only if nobody rewrote it meanwhile (a rewrite indexes it anyway).
/// A record that cannot be opened is left, counted and reported as an integrity incident.
/// </summary>
internal sealed partial class HouseholdIndexBackfill(
    IDbContextFactory<VaultDbContext> dbs, ResidentReader reader, BlindIndexer indexer, IntegrityIncidents incidents,
    HouseholdIndexState state, IConfiguration configuration, ILogger<HouseholdIndexBackfill> logger) : IHostedService, IDisposable
{
    public const int BatchSize = 500;

    private readonly CancellationTokenSource _stopping = new();
    private Task? _running;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var left = await RemainingAsync(cancellationToken);
        state.Report(left);
        // Households:Backfill=false holds an older store's households back (503) until a node with it on has run (tests, a controlled migration).
        if (left > 0 && configuration.GetValue("Households:Backfill", true))
        {
            LogStarting(logger, left);
            _running = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host can be stopped after its container disposed this (a test host's teardown): nothing runs then.
        if (_running is not { } running || _disposed)
        {
            return;
        }
        await _stopping.CancelAsync();
        await Task.WhenAny(running, Task.Delay(Timeout.Infinite, cancellationToken));
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _stopping.Cancel();
            _stopping.Dispose();
        }
    }

    private bool _disposed;

    /// <summary>Indexes every row left; returns when none is (or only unreadable ones are).</summary>
    internal async Task RunAsync(CancellationToken ct)
    {
        var unreadable = new HashSet<string>(StringComparer.Ordinal);
        // Counted once at start and then by batch: rows other writers index meanwhile only make it smaller.
        var remaining = state.Remaining;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                await using var db = await dbs.CreateDbContextAsync(ct);
                var skip = unreadable.ToList();
                var batch = await db.Set<ResidentRow>().AsNoTracking()
                    .Where(r => r.HouseholdIndex == null && !skip.Contains(r.Id))
                    .OrderBy(r => r.Id).Take(BatchSize)
                    .Select(r => new ResidentRecord(r.Id, r.DistrictCode, r.StreetCode, r.CommunityCode, r.GridCode, r.Version, r.Data))
                    .ToListAsync(ct);
                if (batch.Count == 0)
                {
                    break;
                }
                foreach (var record in batch)
                {
                    byte[] index;
                    try
                    {
                        index = HouseholdIndex.Of(indexer, reader.Open(record, key => key == HouseholdIndex.CodeField).Values);
                    }
                    catch (RecordIntegrityException failure)
                    {
                        unreadable.Add(record.Id);
                        await incidents.RecordAsync(failure.Record, ct);
                        continue;
                    }
                    await db.Set<ResidentRow>()
                        .Where(r => r.Id == record.Id && r.Version == record.Version && r.HouseholdIndex == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.HouseholdIndex, index), ct);
                }
                remaining = Math.Max(remaining - batch.Count, 1);
                state.Report(remaining);
            }
            // Only when a batch came back empty: a stop in between must not report the index complete.
            state.Report(0);
            LogDone(logger, unreadable.Count);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Households stay refused (503) until a restart resumes the backfill; the rest of the vault serves.
            LogFailed(logger, e);
        }
    }

    private async Task<long> RemainingAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Set<ResidentRow>().LongCountAsync(r => r.HouseholdIndex == null, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Household index: {Rows} stored residents to index; households are served once done")]
    private static partial void LogStarting(ILogger logger, long rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "Household index complete ({Unreadable} records could not be opened and were left)")]
    private static partial void LogDone(ILogger logger, int unreadable);

    [LoggerMessage(Level = LogLevel.Error, Message = "Household index backfill failed; households stay unavailable until a restart resumes it")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
