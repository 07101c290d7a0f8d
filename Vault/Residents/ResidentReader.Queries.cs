using System.Diagnostics;
using DataVault.Vault.Encryption;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Residents;

/// <summary>
/// Which residents a list or export covers, as SQL filters on the jurisdiction columns of
/// <see cref="ResidentRow"/>: a district, a set of communities (one community, or every community of
/// a street as the jurisdiction tree has it now, so moving a community follows the tree), or a grid.
/// </summary>
internal sealed record ResidentFilter(string? DistrictCode, IReadOnlyList<string>? CommunityCodes, string? GridCode);

internal sealed partial class ResidentReader
{
    /// <summary>
    /// At most <paramref name="take"/> residents of <paramref name="filter"/> with an id after
    /// <paramref name="afterId"/>, in id order (keyset paging: a resident inserted meanwhile never shifts
    /// a page, and each resident is on exactly one page).
    /// </summary>
    public async Task<ResidentBatch> PageAsync(ResidentFilter filter, string? afterId, int take, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await PageQuery(db, filter, afterId, take).ToListAsync(ct);
        return await OpenBatchAsync(rows, ct);
    }

    /// <summary>
    /// The rows of one page (as <see cref="PageAsync"/>), still sealed: a list decides each resident's view
    /// on the row's jurisdiction columns and opens only the buckets that view serves.
    /// </summary>
    public async Task<IReadOnlyList<ResidentRecord>> PageRecordsAsync(ResidentFilter filter, string? afterId, int take, CancellationToken ct)
    {
        // One community, one grid or a district (every list but a street's): the same query without EF.
        var fast = filter switch
        {
            { DistrictCode: { } d, CommunityCodes: [var c], GridCode: null } => await PageFastAsync(contexts, PageKind.Community, d, c, afterId, take, ct),
            { DistrictCode: { } d, CommunityCodes: null, GridCode: { } g } => await PageFastAsync(contexts, PageKind.Grid, d, g, afterId, take, ct),
            { DistrictCode: { } d, CommunityCodes: null, GridCode: null } => await PageFastAsync(contexts, PageKind.District, d, d, afterId, take, ct),
            _ => null,
        };
        if (fast is not null)
        {
            return fast;
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await PageQuery(db, filter, afterId, take)
            .Select(r => new ResidentRecord(r.Id, r.DistrictCode, r.StreetCode, r.CommunityCode, r.GridCode, r.Version, r.Data))
            .ToListAsync(ct);
    }

    /// <summary>
    /// The query of one page, shaped so that it reads only the page whatever the size of the
    /// jurisdiction: each filter is the leading part of an index that ends in <c>id</c>
    /// (<c>(district, community, id)</c>, <c>(district, grid, id)</c>, <c>(district, id)</c>), so the
    /// database walks the index from the cursor and stops after <paramref name="take"/> rows instead
    /// of sorting every resident of the community. A street (several communities) is one such walk per
    /// community, merged: an <c>IN</c> list would make the database sort the whole street.
    /// </summary>
    internal static IQueryable<ResidentRow> PageQuery(VaultDbContext db, ResidentFilter filter, string? afterId, int take)
    {
        if (filter.CommunityCodes is { Count: > 1 } communities)
        {
            IQueryable<ResidentRow>? merged = null;
            foreach (var community in communities)
            {
                var walk = Slice(db, filter.DistrictCode, community, filter.GridCode, afterId).OrderBy(r => r.Id).Take(take);
                merged = merged is null ? walk : merged.Concat(walk);
            }
            return merged!.OrderBy(r => r.Id).Take(take);
        }
        var only = filter.CommunityCodes switch
        {
            null => null,
            [] => "",  // a street without communities: no resident matches the empty code
            [var one] => one,
            _ => throw new UnreachableException(),
        };
        return Slice(db, filter.DistrictCode, only, filter.GridCode, afterId).OrderBy(r => r.Id).Take(take);
    }

    private static IQueryable<ResidentRow> Slice(VaultDbContext db, string? district, string? community, string? grid, string? afterId)
    {
        var query = db.Set<ResidentRow>().AsNoTracking();
        if (district is not null)
        {
            query = query.Where(r => r.DistrictCode == district);
        }
        if (community is not null)
        {
            query = query.Where(r => r.CommunityCode == community);
        }
        if (grid is not null)
        {
            query = query.Where(r => r.GridCode == grid);
        }
        if (afterId is not null)
        {
            query = query.Where(r => string.Compare(r.Id, afterId) > 0);
        }
        return query;
    }

    /// <summary>Residents whose phone blind index matches (several people may share a phone), at most <paramref name="max"/>.</summary>
    public async Task<ResidentBatch> FindByPhoneAsync(string phone, int max, CancellationToken ct)
    {
        var index = indexer.Compute(BlindIndexKind.Phone, phone);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Set<ResidentRow>().AsNoTracking().Where(r => r.PhoneIndex == index).OrderBy(r => r.Id).Take(max).ToListAsync(ct);
        return await OpenBatchAsync(rows, ct);
    }
}
