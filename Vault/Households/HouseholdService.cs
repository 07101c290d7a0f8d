using System.Globalization;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Encryption;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.ResidentApi;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Households;

/// <summary>
/// A household as a caller sees it: the code, and each member within the caller's reach through the
/// caller's view (members outside it are absent, not counted). <see cref="Withheld"/>: members whose
/// stored record failed its integrity check.
/// </summary>
public sealed record HouseholdView(string Code, IReadOnlyList<ResidentView> Members, IReadOnlyList<WithheldResident> Withheld);

public sealed record HouseholdPage(IReadOnlyList<HouseholdView> Households, string? NextCursor);

public enum HouseholdRefusal
{
    /// <summary>400 validation_failed.</summary>
    Invalid,
    /// <summary>404 not_found: no member within the caller's reach (or no such household: the same answer).</summary>
    NotFound,
    /// <summary>503 household_index_building.</summary>
    Building,
}

public sealed record HouseholdOutcome<T>(T? Value, HouseholdRefusal? Refusal, string? Detail)
{
    public static HouseholdOutcome<T> Ok(T value) => new(value, null, null);
    public static HouseholdOutcome<T> Refused(HouseholdRefusal refusal, string detail) => new(default, refusal, detail);
}

/// <summary>
/// Households (一户一码, issue 15 item 4; docs/households.md): one household's members, and a
/// community's households a page at a time, found by the household blind index without opening any
/// record outside the caller's view. A member is served only where the caller's view shows the household
/// code in the clear (grouping residents into households tells who lives with whom); each member served
/// is logged (action <c>household</c>) before the answer leaves.
/// </summary>
internal sealed class HouseholdService(
    IDbContextFactory<VaultDbContext> dbs, BlindIndexer indexer, ResidentViews views,
    JurisdictionTree tree, HouseholdIndexState index)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public async Task<HouseholdOutcome<HouseholdView>> GetAsync(CallerContext caller, Purpose purpose, string code, CancellationToken ct)
    {
        if (Unavailable() is { } building)
        {
            return HouseholdOutcome<HouseholdView>.Refused(HouseholdRefusal.Building, building);
        }
        if (string.IsNullOrWhiteSpace(code) || code.Length > 32 || tree.Find(caller.Jurisdiction)?.DistrictCode is not { } district)
        {
            return HouseholdOutcome<HouseholdView>.Refused(HouseholdRefusal.NotFound, NotFound);
        }
        var key = indexer.Compute(BlindIndexKind.Household, code);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var records = await HouseholdIndex.Members(db, district, key).ToListAsync(ct);
        var household = await ServeAsync(caller, purpose, [(BlindIndexer.Normalise(BlindIndexKind.Household, code), records)], ct);
        return household.Count == 0
            ? HouseholdOutcome<HouseholdView>.Refused(HouseholdRefusal.NotFound, NotFound)
            : HouseholdOutcome<HouseholdView>.Ok(household[0]);
    }

    /// <summary>
    /// The households with members in <paramref name="community"/>, in household-index order (an order
    /// that says nothing), <paramref name="limit"/> at a time: each page reads its households' keys from
    /// the index (district, community, household index), then their members.
    /// </summary>
    public async Task<HouseholdOutcome<HouseholdPage>> ListAsync(CallerContext caller, Purpose purpose, string? community, string? cursor, int limit, CancellationToken ct)
    {
        if (Unavailable() is { } building)
        {
            return HouseholdOutcome<HouseholdPage>.Refused(HouseholdRefusal.Building, building);
        }
        var own = tree.Find(caller.Jurisdiction);
        community ??= own?.Kind == JurisdictionKind.Grid ? own.Parent : own?.Kind == JurisdictionKind.Community ? own.Code : null;
        if (community is null)
        {
            return HouseholdOutcome<HouseholdPage>.Refused(HouseholdRefusal.Invalid, "community: 需要社区代码 / a community code is required");
        }
        if (tree.Find(community) is not { Kind: JurisdictionKind.Community } node
            || !(ResidentScope.IsWithin(tree, node.Code, caller.Jurisdiction) || ResidentScope.IsWithin(tree, caller.Jurisdiction, node.Code)))
        {
            return HouseholdOutcome<HouseholdPage>.Refused(HouseholdRefusal.NotFound, "在您的权限范围内没有该社区 / No such community within your reach.");
        }
        byte[] after = [];
        if (cursor is not null)
        {
            try
            {
                after = Convert.FromHexString(cursor);
            }
            catch (FormatException)
            {
                return HouseholdOutcome<HouseholdPage>.Refused(HouseholdRefusal.Invalid, "cursor: 无效 / not a cursor this list issued");
            }
        }
        await using var db = await dbs.CreateDbContextAsync(ct);
        var take = limit + 1;
        // Blob order is byte order on both providers; the empty index (no household) sorts first and is never after a cursor.
        var keys = await db.Database.SqlQuery<byte[]>(
                $"SELECT DISTINCT household_index AS \"Value\" FROM residents WHERE district_code = {node.DistrictCode} AND community_code = {node.Code} AND household_index > {after} ORDER BY household_index LIMIT {take}")
            .ToListAsync(ct);
        var more = keys.Count > limit;
        keys = [.. keys.Take(limit)];
        var households = new List<(string? Code, List<ResidentRecord> Records)>(keys.Count);
        foreach (var key in keys)
        {
            var records = await HouseholdIndex.Members(db, node.DistrictCode, key).ToListAsync(ct);
            households.Add((null, records));
        }
        var page = await ServeAsync(caller, purpose, households, ct);
        return HouseholdOutcome<HouseholdPage>.Ok(new HouseholdPage(page, more ? Convert.ToHexString(keys[^1]) : null));
    }

    /// <summary>
    /// Serves the members the caller may be shown as household members (its view at their residence shows
    /// the household code in the clear), all of the call's entries in one durable commit. A household's
    /// code is the one asked for, or the one its members' views show. Households with no member served are left out.
    /// </summary>
    private async Task<List<HouseholdView>> ServeAsync(CallerContext caller, Purpose purpose, List<(string? Code, List<ResidentRecord> Records)> households, CancellationToken ct)
    {
        var (served, withheld) = await views.ServeRecordsAsync(caller, purpose, AccessAction.Household, [.. households.SelectMany(h => h.Records)], ct,
            admit: access => access.Find(HouseholdIndex.CodeField)?.Served == Fidelity.Clear);
        var servedById = served.ToDictionary(v => v.Id, StringComparer.Ordinal);
        var withheldById = withheld.ToDictionary(w => w.Id, StringComparer.Ordinal);
        var result = new List<HouseholdView>();
        foreach (var (code, records) in households)
        {
            var members = records.Where(r => servedById.ContainsKey(r.Id)).Select(r => servedById[r.Id])
                .OrderBy(v => v.Fields.GetValueOrDefault(HouseholdIndex.RelationField)?.Value == "head" ? 0 : 1).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();
            var damaged = records.Where(r => withheldById.ContainsKey(r.Id)).Select(r => withheldById[r.Id]).ToList();
            var shownCode = code ?? members.Select(m => m.Fields.GetValueOrDefault(HouseholdIndex.CodeField)?.Value).FirstOrDefault(c => c is not null);
            if (shownCode is not null && (members.Count > 0 || damaged.Count > 0))
            {
                result.Add(new HouseholdView(shownCode, members, damaged));
            }
        }
        return result;
    }

    private string? Unavailable() => index.Complete ? null
        : string.Create(CultureInfo.InvariantCulture, $"家庭户索引正在建立（还有 {Math.Max(index.Remaining, 0)} 条记录），稍后再试 / The household index is being built ({Math.Max(index.Remaining, 0)} records to go); try again shortly.");

    private const string NotFound = "在您的权限范围内没有该家庭户 / No such household within your reach.";
}
