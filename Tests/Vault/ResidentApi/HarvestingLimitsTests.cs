using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Api;
using Microsoft.AspNetCore.Hosting;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.ResidentApi;

/// <summary>
/// Issue 14, item 8: reveals and creates cannot be used to harvest. Reveals are limited per caller
/// and per resident, creates (whose 409 says an ID number exists) per caller, and a reveal reason
/// must say something.
/// </summary>
public sealed class HarvestingLimitsTests
{
    private const string Reason = "低保资格复核需要核对身份证号 / dibao review";
    private const string Purpose = "subsidy_eligibility";

    [Fact]
    public async Task Reveals_BeyondThePerCallerLimit_Are429WithRetryAfter_AndNotLogged()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3, Settings(("ResidentApi:RevealsPerMinute", "3")));
        var residents = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).ToList();
        var token = await host.TokenAsync(UnitRoles.Caseworker, "510107", "civil_affairs");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var reveal = await host.RevealAsync(token, residents[i % residents.Count].Id, "id_number", Reason, Purpose);
            statuses.Add(reveal.StatusCode);
            if (reveal.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("rate_limited", await ApiTestHost.ProblemCodeAsync(reveal));
                Assert.True(reveal.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 says when to retry");
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(3, (await host.LogRowsAsync()).Count(r => r.Action == "reveal"));
        // Another caller is not starved by the first.
        var other = await host.Host.ClientTokenAsync("t-second-caseworker", await host.Host.AddApiClientAsync("t-second-caseworker", UnitRoles.Caseworker, "510107", "civil_affairs"));
        using var fresh = await host.RevealAsync(other, residents[1].Id, "id_number", Reason, Purpose);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Reveals_OfOneResident_AreLimitedWhoeverAsks()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2, Settings(("ResidentApi:RevealsPerResidentPerHour", "2")));
        var residents = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).ToList();
        var first = await host.TokenAsync(UnitRoles.Caseworker, "510107", "civil_affairs");
        var second = await host.Host.ClientTokenAsync("t-other-caseworker", await host.Host.AddApiClientAsync("t-other-caseworker", UnitRoles.Caseworker, "510107", "civil_affairs"));

        using var a = await host.RevealAsync(first, residents[0].Id, "id_number", Reason, Purpose);
        using var b = await host.RevealAsync(second, residents[0].Id, "id_number", Reason, Purpose);
        using var c = await host.RevealAsync(second, residents[0].Id, "id_number", Reason, Purpose);
        using var otherResident = await host.RevealAsync(second, residents[1].Id, "id_number", Reason, Purpose);

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, c.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherResident.StatusCode);
    }

    [Fact]
    public async Task Creates_BeyondThePerCallerLimit_Are429_SoA409CannotBeAskedForEveryIdNumber()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1, Settings(("ResidentApi:CreatesPerMinute", "2")));
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var created = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 1));
        using var exists = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 1));
        using var probe = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 1));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("resident_exists", await ApiTestHost.ProblemCodeAsync(exists));
        Assert.Equal(HttpStatusCode.TooManyRequests, probe.StatusCode);
        Assert.Equal("rate_limited", await ApiTestHost.ProblemCodeAsync(probe));
    }

    [Theory]
    [InlineData("aaaaaaaaaa")]
    [InlineData("ababababababab")]
    [InlineData("测试测试测试测试测试")]
    [InlineData("1234567890 !!")]
    [InlineData("a.b.a.b.a.b.a.b.a.b")]
    [InlineData("short")]
    public async Task RevealReason_WithoutSubstance_Is400OnReason(string reason)
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var token = await host.TokenAsync(UnitRoles.Caseworker, "510107", "civil_affairs");

        using var reveal = await host.RevealAsync(token, resident.Id, "id_number", reason, Purpose);

        var body = await ApiTestHost.JsonAsync(reveal, HttpStatusCode.BadRequest);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.Contains("reason", body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(reason, body.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("低保资格复核需要核对身份证号")]
    [InlineData("Subsidy review, case 2026-117")]
    [InlineData("核对残疾人补贴申请人身份")]
    public void ReasonText_AcceptsRealReasons(string reason) => Assert.Null(ReasonText.Problem(reason, 10, 500));

    [Fact]
    public async Task OpenApi_ListsThe429_OnRevealAndCreate()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        using var client = host.CreateClient();
        using var doc = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var paths = doc.RootElement.GetProperty("paths");

        Assert.True(paths.GetProperty("/api/v1/residents/{id}/reveal").GetProperty("post").GetProperty("responses").TryGetProperty("429", out _));
        Assert.True(paths.GetProperty("/api/v1/residents").GetProperty("post").GetProperty("responses").TryGetProperty("429", out _));
    }

    private static Action<IWebHostBuilder> Settings(params (string Key, string Value)[] settings) => b =>
    {
        foreach (var (key, value) in settings)
        {
            b.UseSetting(key, value);
        }
    };
}
