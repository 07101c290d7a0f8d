using System.Net;
using DataVault.Identity.Units;

namespace DataVault.Tests.Vault.Api;

/// <summary>The scoped read of one resident: purpose, reach, projection and the log entry.</summary>
public sealed class ScopedReadTests
{
    [Fact]
    public async Task CommunityWorker_ReadsOwnResident_MaskedIdentityAndAbsentHealth()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 10);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var response = await host.GetAsync($"/api/v1/residents/{resident.Id}", token, "community_service");
        var body = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);

        var fields = body.GetProperty("fields");
        Assert.Equal("masked", fields.GetProperty("name").GetProperty("fidelity").GetString());
        Assert.NotEqual(resident.Values["name"], fields.GetProperty("name").GetProperty("value").GetString());
        Assert.Equal(resident.Values["phone"], fields.GetProperty("phone").GetProperty("value").GetString());
        Assert.False(fields.TryGetProperty("chronic_condition", out _));
        Assert.False(fields.TryGetProperty("hiv_status", out _));
        Assert.Equal($"\"{resident.Version}\"", response.Headers.ETag?.Tag);
        Assert.Equal(resident.CommunityCode[..6], body.GetProperty("log").GetProperty("logId").GetString());
    }

    [Fact]
    public async Task ResidentOfAnotherCommunity_Is404_LikeAMissingOne()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 5);
        var other = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var outside = await host.GetAsync($"/api/v1/residents/{other.Id}", token, "community_service");
        using var missing = await host.GetAsync("/api/v1/residents/aaaaaaaaaaaaaaaaaaaaaaaaaa", token, "community_service");

        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken) is var m ? Strip(m) : null,
            Strip(await outside.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
    }

    [Theory]
    [InlineData(null, "purpose_required")]
    [InlineData("curiosity", "purpose_unknown")]
    public async Task MissingOrUnknownPurpose_Is400WithItsCode(string? purpose, string code)
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var resident = (await host.StoredResidentsAsync())[0];
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, resident.CommunityCode);

        using var response = await host.GetAsync($"/api/v1/residents/{resident.Id}", token, purpose);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, await ApiTestHost.ProblemCodeAsync(response));
    }

    // The trace id differs per request; everything else must be identical.
    private static string Strip(string problem) => System.Text.RegularExpressions.Regex.Replace(problem, "\"traceId\":\"[^\"]*\"", "");
}
