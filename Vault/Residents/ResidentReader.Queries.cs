using DataVault.Vault.Encryption;
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
        var query = db.Set<ResidentRow>().AsNoTracking();
        if (filter.DistrictCode is { } district)
        {
            query = query.Where(r => r.DistrictCode == district);
        }
        if (filter.CommunityCodes is { } communities)
        {
            query = communities.Count == 1
                ? query.Where(r => r.CommunityCode == communities[0])
                : query.Where(r => communities.Contains(r.CommunityCode));
        }
        if (filter.GridCode is { } grid)
        {
            query = query.Where(r => r.GridCode == grid);
        }
        if (afterId is not null)
        {
            query = query.Where(r => string.Compare(r.Id, afterId) > 0);
        }
        var rows = await query.OrderBy(r => r.Id).Take(take).ToListAsync(ct);
        return await OpenBatchAsync(rows, ct);
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
