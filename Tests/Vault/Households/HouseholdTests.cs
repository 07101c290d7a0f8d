using System.Globalization;
using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.Households;

/// <summary>
/// Households (一户一码, issue 15 item 4): a household as a scoped view, a community's households
/// paged, a move between households resizing both sides in the mover's transaction, and the online
/// backfill that indexes a store from before households existed.
/// </summary>
public sealed class HouseholdTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AHousehold_IsItsMembersWithinReach_HeadFirst_EachLogged_AndNothingForOthers()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 40);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var other = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);
        var stored = await host.StoredResidentsAsync();
        var household = stored.Where(r => r.CommunityCode == ApiTestHost.CommunityY && r.Values.ContainsKey("household_id"))
            .GroupBy(r => r.Values["household_id"]).First(g => g.Count() >= 2);

        using var response = await host.GetAsync($"/api/v1/households/{household.Key}", worker, Service);
        var json = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(household.Key, json.GetProperty("code").GetString());
        var members = json.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(household.Select(r => r.Id).Order(StringComparer.Ordinal), members.Select(m => m.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        if (household.Any(r => r.Values.GetValueOrDefault("relation_to_head") == "head"))
        {
            Assert.Equal("head", members[0].GetProperty("fields").GetProperty("relation_to_head").GetProperty("value").GetString());
        }
        // Each member at the worker's fidelity: the name masked, as a list serves it.
        Assert.All(members, m => Assert.Equal("masked", m.GetProperty("fields").GetProperty("name").GetProperty("fidelity").GetString()));
        var log = await host.LogRowsAsync();
        Assert.All(household, r => Assert.Single(log, e => e.ResidentId == r.Id && e.Action == "household"));

        // Another community's worker: the same 404 as for a code that does not exist.
        using var notTheirs = await host.GetAsync($"/api/v1/households/{household.Key}", other, Service);
        using var none = await host.GetAsync("/api/v1/households/H000000000000999999", worker, Service);
        Assert.Equal(HttpStatusCode.NotFound, notTheirs.StatusCode);
        Assert.Equal(await ProblemBodyAsync(notTheirs), await ProblemBodyAsync(none));
    }

    [Theory]
    [MemberData(nameof(TestStore.Both), MemberType = typeof(TestStore))]
    public async Task ACommunitysHouseholds_PageByCursor_EveryHouseholdOnce_WithAllItsMembers(string store)
    {
        await using var database = await TestStore.OpenAsync(store, "household");
        await using var host = await ApiTestHost.StartAsync(perCommunity: 40, configure: database.Configure);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var expected = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY && r.Values.ContainsKey("household_id"))
            .GroupBy(r => r.Values["household_id"]).ToDictionary(g => g.Key, g => g.Select(r => r.Id).Order(StringComparer.Ordinal).ToList());

        var seen = new Dictionary<string, List<string>>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var response = await host.GetAsync($"/api/v1/households?limit=4{(cursor is null ? "" : "&cursor=" + cursor)}", worker, Service);
            var page = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
            var households = page.GetProperty("households").EnumerateArray().ToList();
            Assert.InRange(households.Count, 1, 4);
            foreach (var h in households)
            {
                seen.Add(h.GetProperty("code").GetString()!, [.. h.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).Order(StringComparer.Ordinal)]);
            }
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 100);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), seen.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, e => Assert.Equal(e.Value, seen[e.Key]));

        using var bad = await host.GetAsync("/api/v1/households?cursor=zz", worker, Service);
        Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(bad));
    }

    [Theory]
    [MemberData(nameof(TestStore.Both), MemberType = typeof(TestStore))]
    public async Task MovingAMember_ResizesBothHouseholds_InTheMoversWrite_AndTheFeedSeesEachResize(string store)
    {
        await using var database = await TestStore.OpenAsync(store, "household");
        await using var host = await ApiTestHost.StartAsync(perCommunity: 40, configure: database.Configure);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var households = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY && r.Values.ContainsKey("household_id"))
            .GroupBy(r => r.Values["household_id"]).Where(g => g.Count() >= 2).Take(2).ToList();
        var (from, to) = (households[0], households[1]);
        var mover = from.FirstOrDefault(r => r.Values.GetValueOrDefault("relation_to_head") != "head") ?? from.First();
        int Size(StoredResident r) => int.Parse(r.Values["household_size"], CultureInfo.InvariantCulture);
        var feedCursor = (await ApiTestHost.JsonAsync(await host.GetAsync("/api/v1/feed?from=now", worker, Service), HttpStatusCode.OK)).GetProperty("cursor").GetString();

        using (var move = await host.PatchAsync(worker, mover.Id, $"\"{mover.Version}\"", new() { ["household_id"] = to.Key, ["relation_to_head"] = "other" }))
        {
            var written = await ApiTestHost.JsonAsync(move, HttpStatusCode.OK);
            // The mover takes the joined household's new size: a change unless it happens to be its old one.
            Assert.Equal(Size(to.First()) + 1 != Size(mover), written.GetProperty("changed").EnumerateArray().Any(e => e.GetString() == "household_size"));
        }

        var after = (await host.StoredResidentsAsync()).ToDictionary(r => r.Id);
        Assert.Equal(to.Key, after[mover.Id].Values["household_id"]);
        Assert.Equal(Size(to.First()) + 1, Size(after[mover.Id]));
        Assert.All(to, r => Assert.Equal((Size(r) + 1, r.Version + 1), (Size(after[r.Id]), after[r.Id].Version)));
        Assert.All(from.Where(r => r.Id != mover.Id), r => Assert.Equal((Size(r) - 1, r.Version + 1), (Size(after[r.Id]), after[r.Id].Version)));

        // Every member resized is a change in the journal: a department's copy learns the new sizes.
        using var feed = await host.GetAsync($"/api/v1/feed?cursor={feedCursor}", worker, Service);
        var changes = (await ApiTestHost.JsonAsync(feed, HttpStatusCode.OK)).GetProperty("changes").EnumerateArray()
            .ToDictionary(c => c.GetProperty("residentId").GetString()!, c => c.GetProperty("changed").EnumerateArray().Select(e => e.GetString()).ToList());
        Assert.All(to.Concat(from.Where(r => r.Id != mover.Id)), r => Assert.Equal(["household_size"], changes[r.Id]));
    }

    /// <summary>Residents joining a new household at the same moment are counted one after the other (on PostgreSQL under an advisory lock on the household), so every size ends right.</summary>
    [Theory]
    [MemberData(nameof(TestStore.Both), MemberType = typeof(TestStore))]
    public async Task ResidentsJoiningOneHouseholdAtOnce_AllEndWithItsSize(string store)
    {
        await using var database = await TestStore.OpenAsync(store, "household");
        await using var host = await ApiTestHost.StartAsync(perCommunity: 5, configure: database.Configure);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        const string code = "H510107004003900001";
        var created = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Task.Run(async () =>
        {
            var fields = NewResident(ApiTestHost.CommunityY, 981 + i);
            fields["household_id"] = code;
            using var create = await host.CreateAsync(worker, fields);
            return (await ApiTestHost.JsonAsync(create, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        }, Ct)));
        var members = (await host.StoredResidentsAsync()).Where(r => created.Contains(r.Id)).ToList();
        Assert.Equal(3, members.Count);
        Assert.All(members, m => Assert.Equal("3", m.Values.GetValueOrDefault("household_size")));
    }

    [Fact]
    public async Task AStoreFromBeforeHouseholds_IsIndexedOnline_HouseholdsWaitWithA503Meanwhile()
    {
        var host = await ApiTestHost.StartAsync(perCommunity: 20);
        try
        {
            var stored = await host.StoredResidentsAsync();
            var household = stored.Where(r => r.CommunityCode == ApiTestHost.CommunityY && r.Values.ContainsKey("household_id")).GroupBy(r => r.Values["household_id"]).First();
            var expected = await IndexesAsync(host);
            await using (var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct))
            {
                await db.Database.ExecuteSqlRawAsync("UPDATE residents SET household_index = NULL", Ct);
            }

            // A node that does not run the backfill: households and moves between them wait; other writes do not.
            host = await host.RestartAsync(b => b.UseSetting("Households:Backfill", "false"));
            var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
            using (var waiting = await host.GetAsync($"/api/v1/households/{household.Key}", worker, Service))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, waiting.StatusCode);
                Assert.Equal("household_index_building", await ApiTestHost.ProblemCodeAsync(waiting));
                Assert.NotNull(waiting.Headers.RetryAfter);
            }
            var mover = household.First();
            using (var move = await host.PatchAsync(worker, mover.Id, $"\"{mover.Version}\"", new() { ["household_id"] = "H999999999999000001" }))
            {
                Assert.Equal("household_index_building", await ApiTestHost.ProblemCodeAsync(move));
            }
            using (var phone = await host.PatchAsync(worker, mover.Id, $"\"{mover.Version}\"", new() { ["phone"] = "13911112222" }))
            {
                Assert.Equal(HttpStatusCode.OK, phone.StatusCode);
            }

            // A node that runs it: the store is indexed while it serves, and households come back.
            host = await host.RestartAsync();
            worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode status;
            do
            {
                using var response = await host.GetAsync($"/api/v1/households/{household.Key}", worker, Service);
                status = response.StatusCode;
                if (status == HttpStatusCode.OK)
                {
                    var members = (await ApiTestHost.JsonAsync(response, HttpStatusCode.OK)).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString());
                    Assert.Equal(household.Select(r => r.Id).Order(StringComparer.Ordinal), members.Order(StringComparer.Ordinal));
                    break;
                }
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                await Task.Delay(200, Ct);
            }
            while (DateTime.UtcNow < deadline);
            Assert.Equal(HttpStatusCode.OK, status);
            var indexed = await IndexesAsync(host);
            // Every row indexed again, to the same value as when it was written (the phone patch rewrote one row itself).
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), indexed.Keys.Order(StringComparer.Ordinal));
            Assert.All(expected, e => Assert.Equal(Convert.ToHexString(e.Value!), Convert.ToHexString(indexed[e.Key]!)));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static async Task<Dictionary<string, byte[]?>> IndexesAsync(ApiTestHost host)
    {
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        return await db.Set<ResidentRow>().AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.HouseholdIndex, Ct);
    }

    private static async Task<string> ProblemBodyAsync(HttpResponseMessage response) =>
        System.Text.RegularExpressions.Regex.Replace(await response.Content.ReadAsStringAsync(Ct), "\"traceId\":\"[^\"]*\"", "");
}
