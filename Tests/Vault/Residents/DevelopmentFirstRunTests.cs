using Microsoft.AspNetCore.Hosting;
using DataVault.Vault.Residents;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Tests.Vault.Residents;

/// <summary>Issue 2, item 10: a first start in Development on an empty data directory seeds the demo community.</summary>
public sealed class DevelopmentFirstRunTests
{
    // Community Y, plus one record for each demo resident account (docs/me-api.md, "Demo data").
    private static readonly int DemoTotal = 10_737 + DataVault.Identity.Management.DemoIdentitySeeder.Users.Count(u => u.Role == DataVault.Identity.Units.UnitRoles.Resident);

    [Fact]
    public async Task Start_DevelopmentEmptyDataDirectory_SeedsCommunityYOnceOnly()
    {
        var dataDir = Directory.CreateTempSubdirectory("dv-first-run-").FullName;
        var ct = TestContext.Current.CancellationToken;
        await using (var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseEnvironment("Development").UseSetting("Vault:DataDirectory", dataDir)))
        {
            using var client = factory.CreateClient();
            Assert.Equal(DemoTotal, await factory.Services.GetRequiredService<ResidentReader>().CountAsync(ct));
        }
        Assert.True(File.Exists(Path.Combine(dataDir, "vault.db")));

        // A second start finds residents and seeds nothing more.
        await using var again = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseEnvironment("Development").UseSetting("Vault:DataDirectory", dataDir));
        using var client2 = again.CreateClient();
        Assert.Equal(DemoTotal, await again.Services.GetRequiredService<ResidentReader>().CountAsync(ct));
        await again.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task Start_Production_SeedsNothing()
    {
        var dataDir = Directory.CreateTempSubdirectory("dv-first-run-").FullName;
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseEnvironment("Production").UseSetting("Vault:DataDirectory", dataDir));
        using var client = factory.CreateClient();

        Assert.Equal(0, await factory.Services.GetRequiredService<ResidentReader>().CountAsync(TestContext.Current.CancellationToken));
        await factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dataDir, recursive: true);
    }
}
