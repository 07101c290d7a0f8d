using System.Net;
using DataVault.Identity.Management;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Me;
using DataVault.Vault.Seeding;

namespace DataVault.Tests.Vault.Me;

/// <summary>The demo resident accounts have records, so the demo portal works after the first run or <c>seed</c>.</summary>
public sealed class DemoResidentAccountsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DemoResidents_EachSignsInAndFindsTheirOwnRecord_SeedingTwiceAddsNothing()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        await DemoIdentitySeeder.SeedAsync(host.Services, cancellationToken: Ct);

        var created = await DemoResidentRecords.SeedAsync(host.Services, Ct);
        var again = await DemoResidentRecords.SeedAsync(host.Services, Ct);

        var demo = DemoIdentitySeeder.Users.Where(u => u.Role == UnitRoles.Resident).ToList();
        Assert.Equal((demo.Count, 0), (created, again));
        var ids = new HashSet<string>();
        foreach (var (_, _, community, _, phone) in demo)
        {
            var token = await host.ResidentTokenAsync(phone!);
            using var response = await host.GetAsync("/api/v1/me", token, null);
            var me = await ResidentSignIn.ReadAsync<MyRecord>(response, HttpStatusCode.OK);
            Assert.Equal(community, me.CommunityCode);
            Assert.Equal(phone, me.Fields.Single(f => f.Key == "phone").Value);
            Assert.True(ids.Add(me.Id));
        }
    }
}
