using DataVault.Vault.Encryption;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Residents;

/// <summary>A stored resident with its values opened (internal: values never leave without a policy decision).</summary>
internal sealed record StoredResident(string Id, string CommunityCode, int Version, IReadOnlyDictionary<string, string> Values);

/// <summary>Reads residents back: by id, by ID number (through the blind index), or all of them in pages.</summary>
internal sealed partial class ResidentReader(IDbContextFactory<VaultDbContext> contexts, ResidentCodec codec, BlindIndexer indexer)
{
    public async Task<int> CountAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<ResidentRow>().CountAsync(ct);
    }

    public async Task<StoredResident?> FindAsync(string id, CancellationToken ct)
    {
        var record = await FindRecordAsync(contexts, id, ct);
        return record is null ? null : new StoredResident(record.Id, record.CommunityCode, record.Version, codec.Open(record.Address, record.Data));
    }

    /// <summary>The row with this id, still sealed (ResidentReader.Fast.cs: no EF on SQLite), or null.</summary>
    public ValueTask<ResidentRecord?> FindRecordAsync(string id, CancellationToken ct) => FindRecordAsync(contexts, id, ct);

    /// <summary>
    /// Opens the values of a record that <paramref name="wanted"/> accepts: a view decrypts only the
    /// buckets of the levels it serves.
    /// </summary>
    public StoredResident Open(ResidentRecord record, Func<string, bool> wanted, Func<string, bool>? presenceOnly = null) =>
        new(record.Id, record.CommunityCode, record.Version, codec.Open(record.Address, record.Data, wanted, presenceOnly));

    public async Task<StoredResident?> FindByIdNumberAsync(string idNumber, CancellationToken ct)
    {
        var index = indexer.Compute(BlindIndexKind.IdNumber, idNumber);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Set<ResidentRow>().AsNoTracking().SingleOrDefaultAsync(r => r.IdNumberIndex == index, ct);
        return row is null ? null : Open(row);
    }

    /// <summary>Every resident, in id order, a page at a time (keyset paging: stable under concurrent inserts).</summary>
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

    private StoredResident Open(ResidentRow row) => new(row.Id, row.CommunityCode, row.Version, codec.Open(row.Address, row.Data));
}
