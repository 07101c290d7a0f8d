using System.Net;
using System.Text.RegularExpressions;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.ResidentApi;

/// <summary>BOLA: no endpoint serves, changes or even confirms a resident outside the caller's reach.</summary>
public sealed class ReachingOtherResidentsTests
{
    private const string Missing = "aaaaaaaaaaaaaaaaaaaaaaaaaa";

    [Fact]
    public async Task GuessedAndSequentialIds_Are404_IdenticalToAMissingOne()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var own = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        using var missing = await host.GetAsync($"/api/v1/residents/{Missing}", token, Service);
        var expected = Strip(await TextAsync(missing));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Neighbours of a real id (last character stepped), counters and path tricks.
        var guesses = new List<string> { "1", "2", "3", "100", "0", "-1", "..%2f", own.Id.ToUpperInvariant() };
        foreach (var c in "abcdefg234")
        {
            guesses.Add(own.Id[..^1] + c);
        }
        foreach (var guess in guesses.Where(g => g != own.Id).Distinct())
        {
            using var response = await host.GetAsync($"/api/v1/residents/{guess}", token, Service);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(expected, Strip(await TextAsync(response)));
        }
    }

    [Fact]
    public async Task OtherCommunitysResident_ReadListLookupExportRevealPatch_AllRefusedAsMissing()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var other = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var logBefore = (await host.LogRowsAsync()).Count;

        using var read = await host.GetAsync($"/api/v1/residents/{other.Id}", token, Service);
        using var list = await host.GetAsync($"/api/v1/residents?community={ApiTestHost.OtherCommunity}", token, Service);
        using var street = await host.GetAsync($"/api/v1/residents?street={ApiTestHost.OtherCommunity[..9]}", token, Service);
        using var lookup = await host.LookupAsync(token, new { idNumber = other.Values["id_number"] });
        using var byPhone = await host.LookupAsync(token, new { phone = other.Values["phone"] });
        using var export = await host.GetAsync($"/api/v1/residents/export?community={ApiTestHost.OtherCommunity}", token, Service);
        using var reveal = await host.RevealAsync(token, other.Id, "elderly_living_alone", "checking on a neighbour", "elderly_care");
        using var patch = await host.PatchAsync(token, other.Id, $"\"{other.Version}\"", new() { ["address"] = "改写的地址" });

        foreach (var response in new[] { read, list, street, lookup, byPhone, export, reveal, patch })
        {
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {(int)response.StatusCode}");
            Assert.Equal("not_found", await ApiTestHost.ProblemCodeAsync(response));
        }
        Assert.Equal(logBefore, (await host.LogRowsAsync()).Count);
        var unchanged = (await host.StoredResidentsAsync()).Single(r => r.Id == other.Id);
        Assert.Equal(other.Version, unchanged.Version);
        Assert.Equal(other.Values["address"], unchanged.Values["address"]);
    }

    [Fact]
    public async Task GridWorker_ListsReadsAndExportsOnlyItsGrid()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 18);
        var stored = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).ToList();
        var grid = stored.Select(r => r.Values.GetValueOrDefault("grid")).First(g => g is not null)!;
        var inGrid = stored.Where(r => r.Values.GetValueOrDefault("grid") == grid).Select(r => r.Id).Order().ToList();
        var elsewhere = stored.First(r => r.Values.GetValueOrDefault("grid") != grid);
        var token = await host.TokenAsync(UnitRoles.GridWorker, grid);

        // Asking for the whole community (or street) is narrowed to the worker's grid.
        var (ids, _) = await host.ListAllAsync(token, $"community={ApiTestHost.CommunityY}", limit: 4, purpose: "grid_patrol");
        var (streetIds, _) = await host.ListAllAsync(token, $"street={ApiTestHost.CommunityY[..9]}", limit: 50, purpose: "grid_patrol");
        using var read = await host.GetAsync($"/api/v1/residents/{elsewhere.Id}", token, "grid_patrol");
        using var export = await host.GetAsync($"/api/v1/residents/export?community={ApiTestHost.CommunityY}", token, "grid_patrol");
        var csvIds = (await TextAsync(export)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0].Trim('"')).Order().ToList();

        Assert.Equal(inGrid, ids.Order().ToList());
        Assert.Equal(inGrid, streetIds.Order().ToList());
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(inGrid, csvIds);
    }

    [Fact]
    public async Task ResidentRoleToken_GetsNothing()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var neighbour = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var token = await host.ResidentTokenAsync(ApiTestHost.CommunityY, "13800138077");

        using var read = await host.GetAsync($"/api/v1/residents/{neighbour.Id}", token, Service);
        using var list = await host.GetAsync($"/api/v1/residents?community={ApiTestHost.CommunityY}", token, Service);
        using var lookup = await host.LookupAsync(token, new { idNumber = neighbour.Values["id_number"] });
        using var export = await host.GetAsync($"/api/v1/residents/export?community={ApiTestHost.CommunityY}", token, Service);
        using var patch = await host.PatchAsync(token, neighbour.Id, $"\"{neighbour.Version}\"", new() { ["address"] = "改写的地址" });
        using var create = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 901));

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(0, (await ApiTestHost.JsonAsync(list, HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
        Assert.Equal("\"id\",\"record_status\"", (await TextAsync(export)).Trim());
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.ActorRole == UnitRoles.Resident);
    }

    private static string Strip(string problem) => Regex.Replace(problem, "\"traceId\":\"[^\"]*\"", "");
}
