using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Seeding;
using DataVault.Vault.Storage;

namespace DataVault.Tests.Vault.Storage;

public sealed class SeedingTests
{
    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Seed_SameSeedTwice_SecondRunChangesNothing(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var ct = TestContext.Current.CancellationToken;
        var seeder = vault.Get<ResidentSeeder>();

        var first = await seeder.SeedAsync(new SeedRequest(Residents: 300, Seed: 42, BatchSize: 128), null, ct);
        var second = await seeder.SeedAsync(new SeedRequest(Residents: 300, Seed: 42, BatchSize: 128), null, ct);

        Assert.Equal((300, 0, 0), (first.Created, first.Updated, first.Unchanged));
        Assert.Equal((0, 0, 300), (second.Created, second.Updated, second.Unchanged));
        Assert.Equal(300, await vault.Get<ResidentReader>().CountAsync(ct));
    }

    [Fact]
    public async Task Seed_DemoCommunity_HasYsShapeAndValidPeople()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
        var ct = TestContext.Current.CancellationToken;
        var report = await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(), null, ct);

        Assert.Equal(10_737, report.Created);
        var households = new HashSet<string>();
        var compounds = new HashSet<string>();
        var today = new DateOnly(2026, 1, 1);
        await foreach (var r in vault.Get<ResidentReader>().ReadAllAsync(ct))
        {
            households.Add(r.Values["household_id"]);
            compounds.Add(r.Values["compound"]);
            Assert.Null(ChineseIdNumber.Check(r.Values["id_number"], today));
            Assert.Equal(SeedRequest.DemoCommunity, r.CommunityCode);
        }
        Assert.Equal(3_727, households.Count);
        Assert.Equal(9, compounds.Count);
    }

    [Fact]
    public async Task Seed_SameSeedInTwoStores_SamePeopleAndEveryValueOpens()
    {
        // The pipeline seals and stores batches concurrently and commits several at once; the
        // people must still depend on the seed alone, and every stored record must open.
        var ct = TestContext.Current.CancellationToken;
        var people = new List<SortedSet<string>>();
        foreach (var seed in new[] { 5, 5, 6 })
        {
            await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
            var report = await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 700, Seed: seed, Community: "all", BatchSize: 64), null, ct);
            Assert.Equal((700, 700), (report.Residents, report.Created));
            var set = new SortedSet<string>(StringComparer.Ordinal);
            await foreach (var r in vault.Get<ResidentReader>().ReadAllAsync(ct))
            {
                set.Add(string.Join('|', r.CommunityCode, r.Values["id_number"], r.Values["name"], r.Values["household_id"], r.Values.GetValueOrDefault("employer")));
            }
            Assert.Equal(700, set.Count);
            people.Add(set);
        }
        Assert.Equal(people[0], people[1]);
        Assert.NotEqual(people[0], people[2]);
    }
}
