using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.ResidentApi;

/// <summary>Lists (keyset paging within reach) and blind-index lookups (within reach, rate-limited).</summary>
public sealed class ListingAndLookingUpResidentsTests
{
    [Fact]
    public async Task Paging_ServesEveryReachableResidentExactlyOnce_AndLogsEachAsList()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 23);
        var expected = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).Select(r => r.Id).Order().ToList();
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        // The worker asks for the whole street: narrowed to their community.
        var (ids, pages) = await host.ListAllAsync(token, $"street={ApiTestHost.CommunityY[..9]}", limit: 5);

        Assert.Equal(expected, ids.Order().ToList());
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(pages >= 5, $"{pages} pages");
        var listed = (await host.LogRowsAsync()).Where(r => r.Action == "list").Select(r => r.ResidentId).Order().ToList();
        Assert.Equal(expected, listed);
    }

    [Fact]
    public async Task Paging_ResidentsInsertedBetweenPages_NeitherRepeatNorShift()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 12);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        using var first = await host.GetAsync($"/api/v1/residents?community={ApiTestHost.CommunityY}&limit=4", token, Service);
        var page = await ApiTestHost.JsonAsync(first, HttpStatusCode.OK);
        var seen = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
        for (var i = 0; i < 3; i++)
        {
            using var created = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 700 + i));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var cursor = page.GetProperty("nextCursor").GetString()!;
        var rest = new List<string>();
        while (cursor is not null)
        {
            using var next = await host.GetAsync($"/api/v1/residents?community={ApiTestHost.CommunityY}&limit=4&cursor={Uri.EscapeDataString(cursor)}", token, Service);
            var body = await ApiTestHost.JsonAsync(next, HttpStatusCode.OK);
            rest.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            cursor = body.GetProperty("nextCursor").GetString();
        }

        var all = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).Select(r => r.Id).ToList();
        Assert.Empty(seen.Intersect(rest));
        // Every resident after the first page's last id is on a later page, the new ones included.
        Assert.Equal(all.Where(id => string.CompareOrdinal(id, seen[^1]) > 0).Order().ToList(), rest.Order().ToList());
    }

    [Theory]
    [InlineData("community=510107004003&street=510107004", "validation_failed")]
    [InlineData("", "validation_failed")]
    [InlineData("community=510107004003&limit=0", "validation_failed")]
    [InlineData("community=510107004003&limit=201", "validation_failed")]
    [InlineData("community=510107004003&cursor=bm90LWEtY3Vyc29y", "validation_failed")]
    [InlineData("community=5101", "validation_failed")]
    [InlineData("community=510107001001", "not_found")]
    [InlineData("community=510107999999", "not_found")]
    public async Task List_BadQueryOrOutOfReach_ProblemWithCode(string query, string code)
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var response = await host.GetAsync($"/api/v1/residents?{query}", token, Service);

        Assert.Equal(code, await ApiTestHost.ProblemCodeAsync(response));
    }

    [Fact]
    public async Task Lookup_ByIdNumberAndPhone_OnlyWithinReach_NeverEchoesTheValue()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var stored = await host.StoredResidentsAsync();
        var own = stored.First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var other = stored.First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var byId = await host.LookupAsync(token, new { idNumber = own.Values["id_number"].ToLowerInvariant() });
        using var byPhone = await host.LookupAsync(token, new { phone = "+86 " + own.Values["phone"] });
        using var outside = await host.LookupAsync(token, new { idNumber = other.Values["id_number"] });
        using var both = await host.LookupAsync(token, new { idNumber = own.Values["id_number"], phone = own.Values["phone"] });

        var found = await ApiTestHost.JsonAsync(byId, HttpStatusCode.OK);
        Assert.Equal([own.Id], found.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.DoesNotContain(own.Values["id_number"], await TextAsync(byId), StringComparison.OrdinalIgnoreCase);
        var phoneItems = (await ApiTestHost.JsonAsync(byPhone, HttpStatusCode.OK)).GetProperty("items");
        Assert.Contains(own.Id, phoneItems.EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.DoesNotContain(other.Values["id_number"], await TextAsync(outside), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(both));
        Assert.DoesNotContain(host.Host.Logs.Entries, e => e.Contains(own.Values["id_number"], StringComparison.OrdinalIgnoreCase)
            || e.Contains(other.Values["id_number"], StringComparison.OrdinalIgnoreCase) || e.Contains(own.Values["phone"], StringComparison.Ordinal));
        Assert.Contains(await host.LogRowsAsync(), r => r.ResidentId == own.Id && r.Action == "read");
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.ResidentId == other.Id);
    }

    [Fact]
    public async Task Lookup_OverThePerCallerLimit_Is429WithRetryAfter_OtherCallersUnaffected()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2, b => b.UseSetting("ResidentApi:LookupsPerMinute", "3"));
        var own = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var colleague = await host.TokenAsync(UnitRoles.StreetOfficer, ApiTestHost.CommunityY[..9]);

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await host.LookupAsync(token, new { idNumber = IdNumber(500 + i) });
            Assert.Equal(HttpStatusCode.NotFound, allowed.StatusCode);
        }
        using var limited = await host.LookupAsync(token, new { idNumber = own.Values["id_number"] });
        using var other = await host.LookupAsync(colleague, new { idNumber = own.Values["id_number"] });

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limited", await ApiTestHost.ProblemCodeAsync(limited));
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        Assert.DoesNotContain(own.Values["id_number"], await TextAsync(limited), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.ActorRole == UnitRoles.CommunityWorker);
    }

    [Fact]
    public async Task OpenApi_DocumentsEveryResidentOperationWithItsProblems()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        using var client = host.CreateClient();

        var json = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).RootElement;

        var operations = json.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Op: o.Value)))
            .Where(o => o.Op.TryGetProperty("operationId", out _))
            .ToDictionary(o => o.Op.GetProperty("operationId").GetString()!, o => o);
        foreach (var (name, status) in new[] { ("ListResidents", "404"), ("ExportResidents", "404"), ("LookupResident", "429"), ("CreateResident", "409"), ("UpdateResident", "412"), ("RevealResidentField", "403") })
        {
            Assert.True(operations.TryGetValue(name, out var op), name);
            Assert.True(op.Op.GetProperty("responses").TryGetProperty(status, out _), $"{name} documents {status}");
            Assert.StartsWith("/api/v1/residents", op.Path, StringComparison.Ordinal);
        }
    }
}
