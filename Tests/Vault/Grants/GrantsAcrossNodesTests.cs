using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Grants;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using static DataVault.Tests.Vault.Grants.GrantsKit;

namespace DataVault.Tests.Vault.Grants;

/// <summary>
/// Several vault nodes share one database: a revocation written by another node (here, straight into
/// the table, as another node's store would) must stop the grant here within
/// <see cref="SharedTableCache.MaxStaleness"/>, without any change made on this node.
/// </summary>
public sealed class GrantsAcrossNodesTests
{
    [Fact]
    public async Task RevokedByAnotherNode_StopsHereWhenTheSecondTurns()
    {
        var ct = TestContext.Current.CancellationToken;
        var (host, clock) = await StartWithClockAsync(perCommunity: 4);
        await using var _ = host;
        await host.Get<DemoGrants>().SeedAsync(ct);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        Assert.Equal("masked", Served(await host.ReadAsync(worker, resident.Id, "subsidy_eligibility"), "dibao"));

        await using (var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(ct))
        {
            var revoked = await db.Set<GrantRow>()
                .Where(g => g.Id == "g-demo-onestop-civil")
                .ExecuteUpdateAsync(u => u.SetProperty(g => g.RevokedAt, clock.GetUtcNow().UtcDateTime).SetProperty(g => g.RevokedBy, "officer@another-node"), ct);
            Assert.Equal(1, revoked);
        }

        clock.Advance(SharedTableCache.MaxStaleness);
        var after = await host.ReadAsync(worker, resident.Id, "subsidy_eligibility");
        Assert.Equal("exists", Served(after, "dibao"));
        Assert.DoesNotContain("g-demo-onestop-civil", Chain(after));
    }
}
