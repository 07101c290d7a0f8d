using Microsoft.AspNetCore.Hosting;
using DataVault.Identity.Management;
using DataVault.Identity.Units;

namespace DataVault.Tests.Identity;

public sealed class SeedingDemoIdentitiesTests
{
    [Fact]
    public async Task SeedAsync_Development_CreatesUsableUsersAndClientsOnce()
    {
        await using var host = new IdentityTestHost();

        var first = await DemoIdentitySeeder.SeedAsync(host.Services, cancellationToken: TestContext.Current.CancellationToken);
        var second = await DemoIdentitySeeder.SeedAsync(host.Services, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(first.Problems);
        Assert.Equal(DemoIdentitySeeder.Users.Count, first.UsersAdded);
        Assert.Equal(DemoIdentitySeeder.Clients.Count + 1, first.ClientsAdded);
        Assert.Equal(0, second.UsersAdded);
        Assert.Equal(0, second.ClientsAdded);
        var token = await host.ClientTokenAsync("demo-health", DemoIdentitySeeder.DemoClientSecret("demo-health"));
        Assert.Equal("health", IdentityTestHost.JwtPart(token, 1).GetProperty("dv_department").GetString());
    }

    [Fact]
    public async Task SeedAsync_Production_RefusesAndCreatesNothing()
    {
        await using var host = new IdentityTestHost(configure: b => b.UseEnvironment("Production").UseSetting("Identity:RequireHttps", "false"));

        var report = await DemoIdentitySeeder.SeedAsync(host.Services, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(report.Refused);
        using var response = await host.RequestClientTokenAsync("demo-health", DemoIdentitySeeder.DemoClientSecret("demo-health"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public void DemoUnits_AllValid_AndEveryRoleCovered()
    {
        foreach (var u in DemoIdentitySeeder.Users)
        {
            Assert.Null(UnitRoles.Validate(u.Role, u.Jurisdiction, u.Department));
        }
        Assert.Equal(UnitRoles.All.Order(StringComparer.Ordinal), DemoIdentitySeeder.Users.Select(u => u.Role).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(UnitRoles.Departments.Order(StringComparer.Ordinal), DemoIdentitySeeder.Users.Where(u => u.Department is not null).Select(u => u.Department!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DemoJurisdictions_ExistInShippedJurisdictionTree()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "DataVault.sln")))
        {
            root = Path.GetDirectoryName(root);
        }
        var csv = root is null ? null : Path.Combine(root, "policies", "jurisdictions.csv");
        if (csv is null || !File.Exists(csv))
        {
            Assert.Skip("policies/jurisdictions.csv is not on this branch yet (it comes with the vault-store branch)");
        }
        var codes = File.ReadLines(csv).Skip(1).Select(l => l.Split(',')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var jurisdiction in DemoIdentitySeeder.Users.Select(u => u.Jurisdiction).Concat(DemoIdentitySeeder.Clients.Select(c => c.Jurisdiction)))
        {
            Assert.True(codes.Contains(jurisdiction), $"{jurisdiction} is not in policies/jurisdictions.csv");
        }
    }
}
