using DataVault.Vault.Encryption;
using DataVault.Vault.Integrity;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Residents;

/// <summary>A stored resident with its values opened (internal: values never leave without a policy decision).</summary>
internal sealed record StoredResident(string Id, string CommunityCode, int Version, IReadOnlyDictionary<string, string> Values);

/// <summary>
/// Residents read together (a page, a phone lookup): those opened, those withheld because they failed
/// to open (each recorded as an integrity incident), how many rows were scanned and the last id scanned
/// (the next page's keyset position, whether that row was opened or withheld).
/// </summary>
internal sealed record ResidentBatch(IReadOnlyList<StoredResident> Residents, IReadOnlyList<WithheldRecord> Withheld, int Scanned, string? LastId);

/// <summary>
/// Reads residents back: by id, by ID number (through the blind index), or all of them in pages. A
/// record that fails to open is never served: a single read throws <see cref="RecordIntegrityException"/>
/// (refused with <c>record_integrity_failed</c>), a batch withholds it and goes on, so one damaged
/// record does not deny its whole community.
/// </summary>
internal sealed partial class ResidentReader(IDbContextFactory<VaultDbContext> contexts, ResidentCodec codec, BlindIndexer indexer, IntegrityIncidents incidents)
{
    public async Task<int> CountAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<ResidentRow>().CountAsync(ct);
    }

    public async Task<StoredResident?> FindAsync(string id, CancellationToken ct)
    {
        var record = await FindRecordAsync(contexts, id, ct);
        return record is null ? null : Open(record, null);
    }

    /// <summary>The row with this id, still sealed (ResidentReader.Fast.cs: no EF on SQLite), or null.</summary>
    public ValueTask<ResidentRecord?> FindRecordAsync(string id, CancellationToken ct) => FindRecordAsync(contexts, id, ct);

    /// <summary>
    /// Opens the values of a record that <paramref name="wanted"/> accepts: a view decrypts only the
    /// buckets of the levels it serves.
    /// </summary>
    public StoredResident Open(ResidentRecord record, Func<string, bool>? wanted, Func<string, bool>? presenceOnly = null) =>
        new(record.Id, record.CommunityCode, record.Version, codec.OpenChecked(record.Address, record.Data, wanted, presenceOnly));

    /// <summary>Every resident, in id order, a page at a time (keyset paging); throws on a record that cannot be opened (tools and tests).</summary>
    public async IAsyncEnumerable<StoredResident> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, int pageSize = 1000)
    {
        string? after = null;
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var query = db.Set<ResidentRow>().AsNoTracking();
            if (after is not null)
            {
                query = query.Where(r => string.Compare(r.Id, after) > 0);
            }
            var page = await query.OrderBy(r => r.Id).Take(pageSize).ToListAsync(ct);
            foreach (var row in page)
            {
                yield return Open(row);
            }
            if (page.Count < pageSize)
            {
                yield break;
            }
            after = page[^1].Id;
        }
    }

    /// <summary>Every value of a row; throws <see cref="RecordIntegrityException"/> when it cannot be opened.</summary>
    private StoredResident Open(ResidentRow row) => new(row.Id, row.CommunityCode, row.Version, codec.OpenChecked(row.Address, row.Data));

    /// <summary>Opens every row it can; the others are withheld and recorded as incidents.</summary>
    private async Task<ResidentBatch> OpenBatchAsync(IReadOnlyList<ResidentRow> rows, CancellationToken ct)
    {
        var opened = new List<StoredResident>(rows.Count);
        var withheld = new List<WithheldRecord>();
        foreach (var row in rows)
        {
            try
            {
                opened.Add(Open(row));
            }
            catch (RecordIntegrityException failure)
            {
                withheld.Add(failure.Record);
            }
        }
        foreach (var record in withheld)
        {
            await incidents.RecordAsync(record, ct);
        }
        return new ResidentBatch(opened, withheld, rows.Count, rows.Count > 0 ? rows[^1].Id : null);
    }

    /// <summary>The resident with this ID number, opened; throws <see cref="RecordIntegrityException"/> if it cannot be.</summary>
    public async Task<StoredResident?> FindByIdNumberAsync(string idNumber, CancellationToken ct) =>
        await RowByIdNumberAsync(idNumber, ct) is { } row ? Open(row) : null;

    /// <summary>The resident with this ID number (at most one: the blind index is unique), opened or withheld: the lookup API's form.</summary>
    public async Task<ResidentBatch> LookupByIdNumberAsync(string idNumber, CancellationToken ct) =>
        await OpenBatchAsync(await RowByIdNumberAsync(idNumber, ct) is { } row ? [row] : [], ct);

    private async Task<ResidentRow?> RowByIdNumberAsync(string idNumber, CancellationToken ct)
    {
        var index = indexer.Compute(BlindIndexKind.IdNumber, idNumber);
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<ResidentRow>().AsNoTracking().SingleOrDefaultAsync(r => r.IdNumberIndex == index, ct);
    }
}
