using System.Globalization;
using DataVault.Vault.Encryption;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Households;

/// <summary>What a move between households does to the others: each remaining member's new size, and the size the mover takes (null: keep its own).</summary>
internal sealed record HouseholdResize(IReadOnlyList<HouseholdMemberWrite> Members, int? MoverSize, IReadOnlyList<HouseholdCount> Counted)
{
    public static readonly HouseholdResize None = new([], null, []);
}

/// <summary>How many other members a household had when its sizes were computed: the writer checks it again under the household's lock.</summary>
internal sealed record HouseholdCount(string DistrictCode, byte[] Index, int Members);

/// <summary>
/// Keeps <c>household_size</c> consistent when a resident joins, leaves or changes household (issue 15,
/// item 4): every other member of the household left counts one fewer, every member of the household
/// joined one more, and the mover takes the joined household's new size. Sizes move by one, not to a
/// count of the records stored, because a household can have members the vault does not hold (a child
/// registered elsewhere); a size never recorded becomes the count. The members are re-sealed here,
/// before the write transaction (sealing may write key usage), and stored in it by
/// <see cref="ResidentWriter"/>, each only if unchanged meanwhile (else the write is prepared again).
/// </summary>
internal sealed class HouseholdSizes(IDbContextFactory<VaultDbContext> dbs, ResidentReader reader, ResidentCodec codec, BlindIndexer indexer)
{
    /// <summary>Members read at most per household: fields.csv allows a household size of 1 to 20.</summary>
    public const int MaxMembers = 20;

    public static string? CodeOf(IReadOnlyDictionary<string, string> values) =>
        values.TryGetValue(HouseholdIndex.CodeField, out var code) && !string.IsNullOrWhiteSpace(code) ? BlindIndexer.Normalise(BlindIndexKind.Household, code) : null;

    public async Task<HouseholdResize> PrepareAsync(string district, string residentId, string? from, string? to, CancellationToken ct)
    {
        if (from == to)
        {
            return HouseholdResize.None;
        }
        var writes = new List<HouseholdMemberWrite>();
        var counted = new List<HouseholdCount>();
        if (from is not null)
        {
            var left = await MembersAsync(district, from, residentId, ct);
            counted.Add(new HouseholdCount(district, indexer.Compute(BlindIndexKind.Household, from), left.Count));
            writes.AddRange(left.Select(m => Resize(m, size => size - 1, left.Count)));
        }
        int? moverSize = null;
        if (to is not null)
        {
            var joined = await MembersAsync(district, to, residentId, ct);
            counted.Add(new HouseholdCount(district, indexer.Compute(BlindIndexKind.Household, to), joined.Count));
            var resized = joined.Select(m => Resize(m, size => size + 1, joined.Count + 1)).ToList();
            writes.AddRange(resized);
            moverSize = joined.Count == 0 ? null : joined.Max(m => NewSize(m.Values, size => size + 1, joined.Count + 1));
        }
        return new HouseholdResize(writes, moverSize, counted);
    }

    private async Task<List<(ResidentRecord Record, IReadOnlyDictionary<string, string> Values)>> MembersAsync(string district, string code, string except, CancellationToken ct)
    {
        var index = indexer.Compute(BlindIndexKind.Household, code);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var records = (await HouseholdIndex.Members(db, district, index).ToListAsync(ct)).Where(r => r.Id != except).ToList();
        // Opened whole: a member is re-sealed with every value it has, one of them changed.
        return [.. records.Select(r => (r, reader.Open(r, null).Values))];
    }

    private HouseholdMemberWrite Resize((ResidentRecord Record, IReadOnlyDictionary<string, string> Values) member, Func<int, int> change, int count)
    {
        var values = new Dictionary<string, string>(member.Values, StringComparer.Ordinal)
        {
            [HouseholdIndex.SizeField] = NewSize(member.Values, change, count).ToString(CultureInfo.InvariantCulture),
        };
        var record = member.Record;
        return new HouseholdMemberWrite(record.Id, record.DistrictCode, record.Version, new ResidentPlace(record.CommunityCode, record.GridCode),
            codec.Seal(record.Address with { Version = record.Version + 1 }, values));
    }

    private static int NewSize(IReadOnlyDictionary<string, string> values, Func<int, int> change, int count) =>
        Math.Clamp(values.TryGetValue(HouseholdIndex.SizeField, out var recorded) && int.TryParse(recorded, NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? change(size) : count, 1, MaxMembers);
}
