using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DataVault.Tests.Identity;

/// <summary>Key rollover across restarts on one data directory, with the clock moved forward between them.</summary>
public sealed class RollingOverTheSigningKeyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static IdentityTestHost HostAt(string dataDir, DateTimeOffset now) =>
        new(dataDir, b => b.ConfigureServices(s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(now))));

    private static async Task<(string SigningKid, string[] Published)> ObserveAsync(IdentityTestHost host)
    {
        if (!File.Exists(Path.Combine(host.DataDirectory, "client")))
        {
            var secret = await host.AddApiClientAsync("rollover-api", "street_officer", "510107001");
            await File.WriteAllTextAsync(Path.Combine(host.DataDirectory, "client"), secret, TestContext.Current.CancellationToken);
        }
        var token = await host.ClientTokenAsync("rollover-api", await File.ReadAllTextAsync(Path.Combine(host.DataDirectory, "client"), TestContext.Current.CancellationToken));
        using var api = host.CreateApiClient();
        var jwks = JsonDocument.Parse(await api.GetStringAsync("/.well-known/jwks", TestContext.Current.CancellationToken)).RootElement;
        var published = jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToArray();
        return (IdentityTestHost.JwtPart(token, 0).GetProperty("kid").GetString()!, published);
    }

    [Fact]
    public async Task Rollover_NewKeyPublishedBeforeUse_OldKeptUntilTokensExpire()
    {
        var dataDir = Directory.CreateTempSubdirectory("dv-identity-rollover-").FullName;

        string a;
        await using (var host = HostAt(dataDir, T0))
        {
            var (kid, published) = await ObserveAsync(host);
            a = kid;
            Assert.Equal([a], published);
        }

        string b;
        await using (var host = HostAt(dataDir, T0 + TimeSpan.FromDays(28) + TimeSpan.FromMinutes(1)))
        {
            var (kid, published) = await ObserveAsync(host);
            Assert.Equal(a, kid); // still signing with A
            Assert.Equal(2, published.Length);
            b = published.Single(p => p != a); // B is published two days before it signs
        }

        await using (var host = HostAt(dataDir, T0 + TimeSpan.FromDays(30) + TimeSpan.FromHours(1)))
        {
            var (kid, published) = await ObserveAsync(host);
            Assert.Equal(b, kid);
            Assert.Equal([b, a], published);
        }

        await using (var host = HostAt(dataDir, T0 + TimeSpan.FromDays(31)))
        {
            var (kid, published) = await ObserveAsync(host);
            Assert.Equal(b, kid);
            Assert.Equal([b], published);
        }
    }
}

/// <summary>Key rollover inside one running process, the clock moved forward under it.</summary>
public sealed class RollingOverWhileRunningTests
{
    [Fact]
    public async Task Rollover_RunningHost_PublishesThenSignsWithNewKeyAndApiAcceptsIt()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        await using var host = new IdentityTestHost(configure: b => b.ConfigureServices(s => s.AddSingleton<TimeProvider>(clock)));
        var secret = await host.AddApiClientAsync("running-api", "street_officer", "510107001");
        var a = IdentityTestHost.JwtPart(await host.ClientTokenAsync("running-api", secret), 0).GetProperty("kid").GetString();
        using var api = host.CreateApiClient();

        clock.Advance(TimeSpan.FromDays(28) + TimeSpan.FromMinutes(1));
        var published = await WaitForKeysAsync(api, 2);
        var b = published.Single(k => k != a);
        Assert.Equal(a, IdentityTestHost.JwtPart(await host.ClientTokenAsync("running-api", secret), 0).GetProperty("kid").GetString());

        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromHours(1));
        string? signing = null;
        for (var i = 0; i < 50 && signing != b; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            signing = IdentityTestHost.JwtPart(await host.ClientTokenAsync("running-api", secret), 0).GetProperty("kid").GetString();
        }
        Assert.Equal(b, signing);
        using var whoami = await host.WhoAmIAsync(await host.ClientTokenAsync("running-api", secret));
        Assert.Equal(System.Net.HttpStatusCode.OK, whoami.StatusCode);
    }

    private static async Task<string[]> WaitForKeysAsync(HttpClient api, int count)
    {
        string[] kids = [];
        for (var i = 0; i < 50 && kids.Length != count; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            var jwks = JsonDocument.Parse(await api.GetStringAsync("/.well-known/jwks", TestContext.Current.CancellationToken)).RootElement;
            kids = [.. jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
        }
        Assert.Equal(count, kids.Length);
        return kids;
    }
}
