using System.Data.Common;
using DataVault.Tests.Vault.Storage;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.PolicyStore;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Tests.Vault.Residents;

/// <summary>
/// Issue 13, "pages flat in community size": a page of a community, street, grid or district reads
/// only the page. Asserted on the plan each database chooses for the query the lists run (a sort of the
/// whole jurisdiction, or a full scan, shows there) and on the pages themselves: walked to the end,
/// they hold every resident of the jurisdiction once, in id order.
/// </summary>
public sealed class PageQueryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task EveryListFilter_WalksAnIndexInIdOrder_NeverSortsTheJurisdiction(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 1_500, Seed: 3, Community: "all", BatchSize: 500), null, Ct);
        await using var db = await vault.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        await db.Database.ExecuteSqlRawAsync("ANALYZE", Ct);

        foreach (var (name, filter) in await FiltersAsync(vault, db))
        {
            var after = await db.Set<ResidentRow>().OrderBy(r => r.Id).Select(r => r.Id).Skip(100).FirstAsync(Ct);
            var plan = await PlanAsync(db, ResidentReader.PageQuery(db, filter, after, 20).CreateDbCommand());
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}:\n{plan}");
            if (lane == StorageLane.Sqlite)
            {
                Assert.DoesNotMatch(@"SCAN r\b", plan);
                Assert.Contains("SEARCH r USING INDEX IX_residents_district_code_", plan);
                if (name != "street")
                {
                    // A street merges one bounded walk per community (at most communities x 20 rows);
                    // every other filter must come out of its index already in page order.
                    Assert.DoesNotContain("TEMP B-TREE", plan);
                }
            }
            else
            {
                Assert.DoesNotContain("Seq Scan", plan);
                Assert.Contains("Index Scan", plan);
                Assert.Contains("Limit", plan);
                if (name != "street")
                {
                    Assert.DoesNotContain("Sort", plan);
                }
            }
        }
    }

    /// <remarks>
    /// SQLite only: SQLite keeps a record's blob in the row (and its overflow pages), so a scan of the
    /// table reads every record; the covering index avoids that. PostgreSQL moves blobs of this size
    /// (over 2 kB) out of line into the table's TOAST relation, so its sequential scan for the GROUP BY
    /// reads the narrow rows only, and its planner rightly prefers that to the index.
    /// </remarks>
    [Fact]
    public async Task DryRunCounts_ComeFromTheIndexAlone_NoRecordIsRead()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 1_500, Seed: 3, Community: "all", BatchSize: 500), null, Ct);
        await using var db = await vault.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        await db.Database.ExecuteSqlRawAsync("ANALYZE", Ct);

        var plan = await PlanAsync(db, PolicyImpactCalculator.ResidentCountsQuery(db).CreateDbCommand());
        Assert.Contains("SCAN r USING COVERING INDEX IX_residents_district_code_community_code_id_grid_code", plan);
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task PagesWalkedToTheEnd_HoldEveryResidentOfTheJurisdictionOnce_InIdOrder(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 600, Seed: 4, Community: "all", BatchSize: 300), null, Ct);
        await using var db = await vault.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        var all = await db.Set<ResidentRow>().AsNoTracking().ToListAsync(Ct);

        foreach (var (name, filter) in await FiltersAsync(vault, db))
        {
            var expected = all.Where(r => Matches(r, filter)).Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.Count > 3, $"the {name} filter should match several residents, matched {expected.Count}");
            // Through EF (exports) and through the reader's statement without EF (lists of a community,
            // grid or district; a street's list stays on EF): the same pages.
            var walked = new List<string>();
            var sealedWalk = new List<string>();
            string? after = null, sealedAfter = null;
            while (true)
            {
                var page = await vault.Get<ResidentReader>().PageAsync(filter, after, 3, Ct);
                walked.AddRange(page.Residents.Select(r => r.Id));
                if (page.Scanned < 3)
                {
                    break;
                }
                after = page.LastId;
            }
            while (true)
            {
                var records = await vault.Get<ResidentReader>().PageRecordsAsync(filter, sealedAfter, 3, Ct);
                sealedWalk.AddRange(records.Select(r => r.Id));
                Assert.All(records, r => Assert.True(Matches(r, filter), $"{name}: {r.Id} is outside the filter"));
                if (records.Count < 3)
                {
                    break;
                }
                sealedAfter = records[^1].Id;
            }
            Assert.Equal(expected, walked);
            Assert.Equal(expected, sealedWalk);
        }
    }

    private static bool Matches(ResidentRecord row, ResidentFilter filter) =>
        (filter.DistrictCode is null || row.DistrictCode == filter.DistrictCode)
        && (filter.CommunityCodes is null || filter.CommunityCodes.Contains(row.CommunityCode))
        && (filter.GridCode is null || row.GridCode == filter.GridCode);

    private static bool Matches(ResidentRow row, ResidentFilter filter) =>
        (filter.DistrictCode is null || row.DistrictCode == filter.DistrictCode)
        && (filter.CommunityCodes is null || filter.CommunityCodes.Contains(row.CommunityCode))
        && (filter.GridCode is null || row.GridCode == filter.GridCode);

    /// <summary>One filter of each kind the list endpoints build, over jurisdictions that hold seeded residents.</summary>
    private static async Task<List<(string Name, ResidentFilter Filter)>> FiltersAsync(TestVault vault, VaultDbContext db)
    {
        var tree = vault.Get<JurisdictionTree>();
        var sample = await db.Set<ResidentRow>().AsNoTracking().OrderBy(r => r.Id).FirstAsync(Ct);
        var community = tree.Find(sample.CommunityCode)!;
        var street = tree.Find(community.Parent!)!;
        var streetCommunities = tree.ChildrenOf(street.Code).Where(c => c.Kind == JurisdictionKind.Community).Select(c => c.Code).ToList();
        Assert.True(streetCommunities.Count > 1, "the sample street should have several communities");
        return
        [
            ("district", new ResidentFilter(sample.DistrictCode, null, null)),
            ("street", new ResidentFilter(sample.DistrictCode, streetCommunities, null)),
            ("community", new ResidentFilter(sample.DistrictCode, [sample.CommunityCode], null)),
            ("grid", new ResidentFilter(sample.DistrictCode, null, sample.GridCode)),
        ];
    }

    private static async Task<string> PlanAsync(VaultDbContext db, DbCommand command)
    {
        await db.Database.OpenConnectionAsync(Ct);
        command.Connection = db.Database.GetDbConnection();
        command.CommandText = (db.Database.IsNpgsql() ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + command.CommandText;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            // SQLite: (id, parent, notused, detail); PostgreSQL: one text column per plan line.
            lines.Add(reader.GetString(reader.FieldCount - 1));
        }
        return string.Join('\n', lines);
    }
}
