using DataVault.Vault.Encryption;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Households;

/// <summary>
/// The blind index that finds a household's members (一户一码) without opening a record: HMAC of the
/// household code under its own blind-index key (<see cref="BlindIndexKind.Household"/>). A resident
/// with no household code stores an empty index; NULL is left only on rows stored before households
/// existed, until <see cref="HouseholdIndexBackfill"/> reaches them.
/// </summary>
internal static class HouseholdIndex
{
    public const string CodeField = "household_id";
    public const string RelationField = "relation_to_head";
    public const string SizeField = "household_size";

    public static byte[] Of(BlindIndexer indexer, IReadOnlyDictionary<string, string> values) =>
        values.TryGetValue(CodeField, out var code) && !string.IsNullOrWhiteSpace(code) ? indexer.Compute(BlindIndexKind.Household, code) : [];

    /// <summary>The household's members in the district (at most <see cref="HouseholdSizes.MaxMembers"/>), sealed, by the index alone.</summary>
    public static IQueryable<ResidentRecord> Members(VaultDbContext db, string district, byte[] key) =>
        db.Set<ResidentRow>().AsNoTracking()
            .Where(r => r.DistrictCode == district && r.HouseholdIndex == key)
            .OrderBy(r => r.Id).Take(HouseholdSizes.MaxMembers)
            .Select(r => new ResidentRecord(r.Id, r.DistrictCode, r.StreetCode, r.CommunityCode, r.GridCode, r.Version, r.Data));
}
