
namespace DataVault.Vault.Residents;

/// <summary>
/// Rewrites a store's layout-1 resident records in layout 2 in the background when the vault starts
/// (issue 14: no field key, level membership or value length visible at rest). Reads go on meanwhile:
/// the codec opens both layouts, and every row is rewritten in its own version-checked update, so
/// several nodes may run it at once. Logs one line per batch and a summary; records that cannot be
/// opened are left as they are and counted (the read path reports them as integrity failures).
/// </summary>
internal sealed partial class RecordLayoutMigration(ResidentRotation rotation, ILogger<RecordLayoutMigration> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!await rotation.AnyLayout1Async(stoppingToken))
            {
                return;
            }
            Started(logger, BatchSize);
            var report = await rotation.MigrateLayoutAsync(BatchSize, p => Batch(logger, p.Batches, p.RowsScanned, p.RowsResealed), stoppingToken);
            Finished(logger, report.RowsResealed, report.RowsScanned, report.RowsUnreadable);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped with the host: the next start continues where this one left off.
        }
        catch (Exception e)
        {
            // Never takes the vault down: layout-1 rows stay readable, and the next start tries again.
            Failed(logger, e);
        }
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Record layout 2: migrating layout-1 resident records online, {BatchSize} per transaction")]
    private static partial void Started(ILogger logger, int batchSize);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Record layout 2: batch {Batch}: {Scanned} residents scanned, {Resealed} rewritten")]
    private static partial void Batch(ILogger logger, int batch, long scanned, long resealed);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Record layout 2: done, {Resealed} of {Scanned} residents rewritten, {Unreadable} left unreadable (integrity failures)")]
    private static partial void Finished(ILogger logger, long resealed, long scanned, long unreadable);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "Record layout 2: the online migration stopped; it resumes at the next start")]
    private static partial void Failed(ILogger logger, Exception exception);
}
