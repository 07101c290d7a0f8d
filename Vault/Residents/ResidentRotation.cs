using System.Data;
using DataVault.Vault.Encryption;
using DataVault.Vault.Keys;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace DataVault.Vault.Residents;

/// <summary>Progress of a re-encryption pass, reported after every batch.</summary>
public sealed record RotationProgress(int Batches, long RowsScanned, long RowsResealed);

/// <summary>
/// What a re-encryption pass did: rows read, rows sealed again and written, and rows left as they
/// were because they could not be opened (a damaged record is never rewritten: that would hide it).
/// </summary>
public sealed record ResealReport(int Batches, long RowsScanned, long RowsResealed, long RowsUnreadable);

/// <summary>What <c>keys rotate</c> did.</summary>
public sealed record RotationReport(
    bool Resumed,
    IReadOnlyList<string> NewKeyIds,
    IReadOnlyList<string> OldKeyIds,
    long RowsScanned,
    long RowsResealed,
    IReadOnlyList<RetireResult> Retired);

/// <summary>
/// <c>keys rotate</c> (issue 2, item 9): new key versions through <see cref="KeyRing"/>, then a
/// pass over every resident that re-seals the values still under an old version, a batch per
/// transaction. It is safe to stop at any point: every envelope names its key and old versions
/// stay decrypt-only until no value uses them, so every value stays readable; the next run sees
/// the decrypt-only keys and continues the pass instead of rotating again. Old versions are
/// retired (material erased) only after a final count finds no value left under them.
/// </summary>
internal sealed class ResidentRotation(IDbContextFactory<VaultDbContext> contexts, KeyRing keyRing, ResidentCodec codec)
{
    private const string T = ResidentRowConfiguration.Table;

    public async Task<RotationReport> RotateAsync(SensitivityLevel? level, string? district, int batchSize, Action<RotationProgress>? progress, CancellationToken ct)
    {
        bool Matches(KeyStatus k) => k.Purpose == KeyPurpose.Data && (level is null || k.Level == level) && (district is null || k.DistrictCode == district);

        var before = await keyRing.ListAsync(ct);
        var pending = before.Where(k => Matches(k) && k.State == KeyState.DecryptOnly).Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
        var resumed = pending.Count > 0;
        IReadOnlyList<string> newKeys = [];
        if (!resumed)
        {
            var created = await keyRing.RotateAsync(level, district, ct);
            newKeys = [.. created.Select(k => k.KeyId)];
            var after = await keyRing.ListAsync(ct);
            pending = after.Where(k => Matches(k) && k.State == KeyState.DecryptOnly).Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
        }

        var pass = pending.Count == 0
            ? new ResealReport(0, 0, 0, 0)
            : await ResealAsync(blob => ResidentBlob.LayoutOf(blob) != ResidentBlob.Layout2 || ResidentCodec.KeyIdsOf(blob).Any(pending.Contains), batchSize, progress, ct);

        var retired = new List<RetireResult>();
        if (pending.Count > 0)
        {
            var usage = await CountValuesByKeyAsync(ct);
            foreach (var keyId in pending.Order(StringComparer.Ordinal))
            {
                retired.Add(await keyRing.RetireAsync(keyId, usage.GetValueOrDefault(keyId), ct));
            }
        }
        return new RotationReport(resumed, newKeys, [.. pending.Order(StringComparer.Ordinal)], pass.RowsScanned, pass.RowsResealed, retired);
    }

    /// <summary>
    /// The online migration to record layout 2 (issue 14): every layout-1 row is opened and sealed
    /// again in layout 2, a batch per transaction, while the vault serves (readers open both layouts).
    /// Safe to stop and to run on several nodes at once: each row is written only if its version is
    /// still the one read, so a row rewritten meanwhile is left to its writer, which seals layout 2.
    /// </summary>
    public Task<ResealReport> MigrateLayoutAsync(int batchSize, Action<RotationProgress>? progress, CancellationToken ct) =>
        ResealAsync(static blob => ResidentBlob.LayoutOf(blob) == ResidentBlob.Layout1, batchSize, progress, ct);

    /// <summary>Whether any row is still in record layout 1 (one indexed probe; decrypts nothing).</summary>
    public async Task<bool> AnyLayout1Async(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // The layout is the blob's first byte: substr on SQLite, substring on PostgreSQL (both 1-based).
        var sql = db.Database.IsNpgsql()
            ? $"SELECT 1 FROM {T} WHERE get_byte(data, 0) = {ResidentBlob.Layout1} LIMIT 1"
            : $"SELECT 1 FROM {T} WHERE substr(data, 1, 1) = x'0{ResidentBlob.Layout1}' LIMIT 1";
        return await db.Database.SqlQueryRaw<int>(sql).AnyAsync(ct);
    }

    /// <summary>
    /// Opens and seals again, in layout 2 and for version + 1, every row whose blob <paramref name="needs"/>
    /// it, a batch per transaction. Sealing happens outside the write transaction (the key ring may
    /// reserve counts in the database); a row changed meanwhile (version moved on) is skipped: its
    /// writer sealed it with the active keys in layout 2.
    /// </summary>
    private async Task<ResealReport> ResealAsync(Func<byte[], bool> needs, int batchSize, Action<RotationProgress>? progress, CancellationToken ct)
    {
        long scanned = 0, resealed = 0, unreadable = 0;
        var batches = 0;
        string? after = null;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var page = await ReadPageAsync(after, batchSize, ct);
            if (page.Count == 0)
            {
                break;
            }
            after = page[^1].Id;
            scanned += page.Count;

            var updates = new List<(string Id, int Version, byte[] Data)>();
            foreach (var row in page)
            {
                if (!needs(row.Data))
                {
                    continue;
                }
                Dictionary<string, string> values;
                try
                {
                    values = codec.Open(row.Address, row.Data);
                }
                catch (EnvelopeException)
                {
                    // Left as it is, under its old key and layout: the key stays decrypt-only (not
                    // retired) and the read path reports the record as an integrity failure.
                    unreadable++;
                    continue;
                }
                updates.Add((row.Id, row.Version, codec.Seal(row.Address with { Version = row.Version + 1 }, values)));
            }

            if (updates.Count > 0)
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                await db.Database.OpenConnectionAsync(ct);
                var sqlite = db.Database.IsSqlite();
                if (sqlite)
                {
                    // The old blobs' bytes (layout 1 shows field keys) must not stay behind in freed page
                    // space: SQLite zeroes what this connection deletes or overwrites.
                    await ResidentWriter.PragmaAsync(db.Database.GetDbConnection(), "PRAGMA secure_delete = ON;", ct);
                }
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await using var command = ResidentWriter.Prepare(db.Database.GetDbConnection(), tx.GetDbTransaction(),
                    $"UPDATE {T} SET data = @data, version = @version WHERE id = @id AND version = @oldVersion",
                    ("data", DbType.Binary), ("version", DbType.Int32), ("id", DbType.String), ("oldVersion", DbType.Int32));
                foreach (var (id, version, data) in updates)
                {
                    ResidentWriter.Set(command, "data", data);
                    ResidentWriter.Set(command, "version", version + 1);
                    ResidentWriter.Set(command, "id", id);
                    ResidentWriter.Set(command, "oldVersion", version);
                    // 0 rows: another writer rewrote this resident meanwhile, sealing layout 2 with the active keys.
                    resealed += await command.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(CancellationToken.None);
                if (sqlite)
                {
                    // The connection goes back to the pool: other writers keep SQLite's default.
                    await ResidentWriter.PragmaAsync(db.Database.GetDbConnection(), "PRAGMA secure_delete = OFF;", CancellationToken.None);
                }
            }
            batches++;
            progress?.Invoke(new RotationProgress(batches, scanned, resealed));
        }
        if (resealed > 0)
        {
            await CheckpointSqliteAsync(ct);
        }
        return new ResealReport(batches, scanned, resealed, unreadable);
    }

    /// <summary>
    /// On SQLite, copies the WAL into the database file and truncates it, so the old page images
    /// (the blobs before the rewrite) do not linger in <c>vault.db-wal</c>.
    /// </summary>
    private async Task CheckpointSqliteAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (db.Database.IsSqlite())
        {
            await db.Database.OpenConnectionAsync(ct);
            await ResidentWriter.PragmaAsync(db.Database.GetDbConnection(), "PRAGMA wal_checkpoint(TRUNCATE);", ct);
        }
    }

    /// <summary>How many stored envelopes (layout-2 buckets, layout-1 values) each key id protects (reads key ids from envelope headers; decrypts nothing).</summary>
    public async Task<Dictionary<string, long>> CountValuesByKeyAsync(CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        string? after = null;
        while (true)
        {
            var page = await ReadPageAsync(after, 5000, ct);
            foreach (var row in page)
            {
                foreach (var keyId in ResidentCodec.KeyIdsOf(row.Data))
                {
                    counts[keyId] = counts.GetValueOrDefault(keyId) + 1;
                }
            }
            if (page.Count == 0)
            {
                return counts;
            }
            after = page[^1].Id;
        }
    }

    private sealed record Page(string Id, string DistrictCode, string StreetCode, string CommunityCode, string? GridCode, int Version, byte[] Data)
    {
        public RecordAddress Address => new(Id, DistrictCode, StreetCode, CommunityCode, GridCode, Version);
    }

    private async Task<List<Page>> ReadPageAsync(string? after, int size, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.Set<ResidentRow>().AsNoTracking();
        if (after is not null)
        {
            query = query.Where(r => string.Compare(r.Id, after) > 0);
        }
        return await query.OrderBy(r => r.Id).Take(size)
            .Select(r => new Page(r.Id, r.DistrictCode, r.StreetCode, r.CommunityCode, r.GridCode, r.Version, r.Data))
            .ToListAsync(ct);
    }
}
