using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataVault.Tests.Vault.Aggregates;

/// <summary>Who may aggregate what, and the one access-log entry an aggregate leaves.</summary>
public sealed class AggregateAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CommunityWorker_AggregatesOwnCommunity_ButNotItsStreetNorAFieldItCannotSee()
    {
        await using var host = await AggregateHost.StartAsync(perCommunity: 12);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        var counts = await host.AggregateAsync(token, "community_service", ApiTestHost.CommunityY, "grid");
        var rows = AggregateHost.Rows(counts);
        Assert.Equal(ApiTestHost.CommunityY, rows[0].Code);
        Assert.Equal(12, rows[0].Cells[^1]);
        Assert.All(rows.Skip(1), r => Assert.Equal(ApiTestHost.CommunityY, r.Parent));

        var gender = await host.AggregateAsync(token, "community_service", ApiTestHost.CommunityY, "grid", "gender");
        Assert.Equal("category", gender.GetProperty("resolution").GetString());
        Assert.Equal(["male", "female", "unrecorded"], gender.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));

        // Review finding: religion's masked view shows only whether one is recorded, so a count never goes per belief.
        var religion = await host.AggregateAsync(token, "community_service", ApiTestHost.CommunityY, "grid", "religion");
        Assert.Equal("exists", religion.GetProperty("resolution").GetString());
        Assert.Equal(["recorded", "unrecorded"], religion.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));

        // Households: the distinct household codes, from the index.
        using (var response = await host.GetAsync($"/api/v1/aggregates?within={ApiTestHost.CommunityY}&by=grid&count=households", token, "community_service"))
        {
            var households = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
            Assert.Equal("households", households.GetProperty("count").GetString());
            var expected = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY && r.Values.ContainsKey("household_id"))
                .Select(r => r.Values["household_id"]).Distinct().Count();
            var total = AggregateHost.Rows(households)[0].Cells[^1];
            Assert.Equal(expected >= 5 ? expected : null, total);
        }
        using (var withField = await host.GetAsync($"/api/v1/aggregates?within={ApiTestHost.CommunityY}&by=grid&count=households&field=gender", token, "community_service"))
        {
            Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(withField));
        }

        Assert.Equal(("forbidden", HttpStatusCode.Forbidden), await RefusalAsync(host, token, "community_service", ApiTestHost.CommunityY, "grid", "chronic_condition"));
        Assert.Equal(("not_found", HttpStatusCode.NotFound), await RefusalAsync(host, token, "community_service", AggregateHost.Street, "community", null));
        Assert.Equal(("not_found", HttpStatusCode.NotFound), await RefusalAsync(host, token, "community_service", ApiTestHost.OtherCommunity, "grid", null));
        Assert.Equal(("not_found", HttpStatusCode.NotFound), await RefusalAsync(host, token, "community_service", "510107004099", "grid", null));
    }

    [Fact]
    public async Task Analyst_GetsCategoriesWhereHeld_OnlyRecordedForExistsFields_AndNothingForL5()
    {
        await using var host = await AggregateHost.StartAsync(perCommunity: 10);
        var token = await host.AnalystAsync();

        var education = await host.AggregateAsync(token, "statistics", AggregateHost.District, "street", "education");
        Assert.Equal("category", education.GetProperty("resolution").GetString());
        Assert.Contains("bachelor", education.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));

        var chronic = await host.AggregateAsync(token, "statistics", AggregateHost.District, "street", "chronic_condition");
        Assert.Equal("exists", chronic.GetProperty("resolution").GetString());
        Assert.Equal(["recorded", "unrecorded"], chronic.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));

        var everyone = AggregateHost.Rows(await host.AggregateAsync(token, "statistics", AggregateHost.District, "street"));
        Assert.Equal((await host.StoredResidentsAsync()).Count, everyone[0].Cells[^1]);

        Assert.Equal(("forbidden", HttpStatusCode.Forbidden), await RefusalAsync(host, token, "statistics", AggregateHost.District, "street", "hiv_status"));
        Assert.Equal(("forbidden", HttpStatusCode.Forbidden), await RefusalAsync(host, token, "community_service", AggregateHost.District, "street", null));
        Assert.Equal(("validation_failed", HttpStatusCode.BadRequest), await RefusalAsync(host, token, "statistics", AggregateHost.District, "street", "no_such_field"));
        Assert.Equal(("validation_failed", HttpStatusCode.BadRequest), await RefusalAsync(host, token, "statistics", AggregateHost.District, "household", null));
        Assert.Equal(("validation_failed", HttpStatusCode.BadRequest), await RefusalAsync(host, token, "statistics", AggregateHost.Street, "street", null));
        Assert.Equal(("purpose_required", HttpStatusCode.BadRequest), await RefusalAsync(host, token, null, AggregateHost.District, "street", null));
    }

    [Fact]
    public async Task Aggregate_WritesOneLogEntryForTheJurisdiction_WithTheFieldKeyAndNoValues()
    {
        await using var host = await AggregateHost.StartAsync(perCommunity: 10);
        var token = await host.AnalystAsync();
        var before = await LogRowsAsync(host);

        var report = await host.AggregateAsync(token, "statistics", AggregateHost.Street, "grid", "education");

        var added = (await LogRowsAsync(host)).Where(r => !before.Any(b => b.LogId == r.LogId && b.Index == r.Index)).ToList();
        var entry = Assert.Single(added);
        Assert.Equal("@" + AggregateHost.Street, entry.ResidentId);
        Assert.Equal(AggregateHost.District, entry.LogId);
        Assert.Equal(report.GetProperty("log").GetProperty("index").GetInt64(), entry.Index);
        Assert.Equal("aggregate", entry.Action);
        Assert.Equal("education=aggregate", entry.Fields);
        Assert.Equal("statistics", entry.Purpose);
        Assert.Equal(host.Get<PurposeCatalog>().Find("statistics")!.LegalBasis, entry.LegalBasis);
        Assert.Equal(host.Get<PolicyRuntime>().Current.Version, entry.PolicyVersion);
        Assert.Equal(report.GetProperty("policyVersion").GetString(), entry.PolicyVersion);
        Assert.Equal(UnitRoles.DistrictAnalyst, entry.ActorRole);
        Assert.Equal("", entry.GrantChain);
        Assert.Null(entry.Reason);

        // Without a field: no field keys at all.
        await host.AggregateAsync(token, "statistics", AggregateHost.District, "community");
        var plain = (await LogRowsAsync(host)).Single(r => r.ResidentId == "@" + AggregateHost.District);
        Assert.Equal("", plain.Fields);
    }

    [Fact]
    public async Task K_ComesFromOptions_AndBelowTwoStopsTheHost()
    {
        await using (var host = await AggregateHost.StartAsync(k: 7, perCommunity: 3))
        {
            Assert.Equal(7, host.Get<IOptions<DataVault.Vault.Aggregates.AggregateOptions>>().Value.K);
            var report = await host.AggregateAsync(await host.AnalystAsync(), "statistics", AggregateHost.Street, "community");
            Assert.Equal(7, report.GetProperty("k").GetInt32());
        }

        var failure = await Record.ExceptionAsync(async () =>
        {
            await using var host = await AggregateHost.StartAsync(k: 1, perCommunity: 1);
        });
        Assert.NotNull(failure);
        Assert.Contains("K", Flatten(failure), StringComparison.Ordinal);
    }

    private static async Task<(string?, HttpStatusCode)> RefusalAsync(ApiTestHost host, string token, string? purpose, string within, string by, string? field)
    {
        using var response = await host.GetAsync(AggregateHost.Path(within, by, field), token, purpose);
        return (await ApiTestHost.ProblemCodeAsync(response), response.StatusCode);
    }

    private static async Task<List<AccessLogRow>> LogRowsAsync(ApiTestHost host)
    {
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        return await db.Set<AccessLogRow>().AsNoTracking().ToListAsync(Ct);
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);
}
