using DataVault.Tests.Identity;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Views;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Tests.Vault.PolicyStore;

/// <summary>Two vault nodes on one store: a version published on one is picked up by the other's poll.</summary>
public sealed class PolicyPollingTests
{
    [Fact]
    public async Task SecondNode_OnTheSameStore_PicksUpAPublishedVersion()
    {
        await using var first = await ApiTestHost.StartAsync(perCommunity: 1);
        await using var second = new IdentityTestHost(first.Host.DataDirectory, b => b.UseSetting("PolicyStore:PollInterval", "00:00:00.100"));
        var secondRuntime = second.Services.GetRequiredService<PolicyRuntime>();
        Assert.Equal(1, secondRuntime.Current.StoreVersion);
        Assert.Equal("v1", secondRuntime.Current.Version);
        var author = await first.AuthorTokenAsync();
        var reviewer = await first.ReviewerTokenAsync();

        var version = await first.PublishAsync(PolicyOfficers.Line("grid_worker", "religion", "exists", "grid_patrol"), author, reviewer);

        Assert.Equal(2, first.Get<PolicyRuntime>().Current.StoreVersion);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (secondRuntime.Current.StoreVersion != version && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Equal("v2", secondRuntime.Current.Version);
        Assert.Contains("p, grid_worker, *, *, religion, exists, grid_patrol", secondRuntime.Current.PolicyText, StringComparison.Ordinal);
    }
}
