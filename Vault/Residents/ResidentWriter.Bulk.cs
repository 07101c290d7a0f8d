using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Residents;

internal sealed partial class ResidentWriter
{
    /// <summary>
    /// Page cache of a bulk-loading SQLite connection, in KiB (SQLite's default is 2,000). 32 MB
    /// holds the upper levels and many leaves of the random-keyed blind indexes, within the seeding
    /// memory budget of 500 MB (64 MB came too close).
    /// </summary>
    internal const int BulkCacheKiB = 32 * 1024;

    /// <summary>
    /// WAL pages between automatic checkpoints of a bulk-loading connection (SQLite's default is
    /// 1,000). Checkpoints run on the committing connection: fewer and larger ones copy an index page
    /// rewritten by several commits to the database file once, not once per commit. (A checkpoint on
    /// a second connection and thread, beside the writer, was measured slower: 9,520 against
    /// 10,193 residents/s at a million, more CPU and memory; docs/benchmarks.md.)
    /// </summary>
    internal const int BulkCheckpointPages = 16_384;

    /// <summary>
    /// A connection kept open for a bulk load (seeding): one connection for the whole run, so its
    /// page cache stays warm between transactions; on SQLite the cache is made large enough to
    /// hold the indexes a large transaction touches, so each page goes to the WAL once per commit
    /// instead of being spilled and rewritten. Durability is unchanged (synchronous=FULL at commit).
    /// </summary>
    public async Task<BulkStore> OpenBulkAsync(CancellationToken cancellationToken)
    {
        var db = await contexts.CreateDbContextAsync(cancellationToken);
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            if (!db.Database.IsSqlite())
            {
                return new BulkStore(db, false, ClaimsIdNumbers);
            }
            await PragmaAsync(db.Database.GetDbConnection(), $"PRAGMA cache_size = -{BulkCacheKiB}; PRAGMA wal_autocheckpoint = {BulkCheckpointPages}", cancellationToken);
            return new BulkStore(db, true, ClaimsIdNumbers);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>See <see cref="OpenBulkAsync"/>. Not thread-safe: one store at a time.</summary>
    internal sealed class BulkStore(VaultDbContext db, bool sqlite, bool claimIdNumbers) : IAsyncDisposable
    {
        public Task StoreAsync(IReadOnlyList<SealedBatch> batches, CancellationToken cancellationToken) =>
            ResidentWriter.StoreAsync(db, batches, claimIdNumbers, journal: false, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (sqlite)
                {
                    // The connection goes back to the pool: give the cache's memory back with it.
                    await PragmaAsync(db.Database.GetDbConnection(), "PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000", CancellationToken.None);
                }
            }
            finally
            {
                await db.DisposeAsync();
            }
        }
    }
}
