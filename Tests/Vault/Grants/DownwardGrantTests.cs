using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Grants;
using static DataVault.Tests.Vault.Grants.GrantsKit;

namespace DataVault.Tests.Vault.Grants;

/// <summary>Grants letting department and street data come back down: use, refusal, cascade revocation, expiry, visibility.</summary>
public sealed class DownwardGrantTests
{
    private const string Subsidy = "subsidy_eligibility";
    private const string Elderly = "elderly_care";

    [Fact]
    public async Task DemoOneStopGrant_CommunityWorkerOfY_SeesDibaoForSubsidy_AndTheLogNamesTheChain()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 10);
        var demo = host.Get<DemoGrants>();
        var first = await demo.SeedAsync(TestContext.Current.CancellationToken);
        var again = await demo.SeedAsync(TestContext.Current.CancellationToken);
        Assert.Empty(first.Refused);
        Assert.Equal(["g-demo-onestop-civil", "g-demo-onestop-disability"], first.Created);
        Assert.Empty(again.Created);
        Assert.Equal(first.Created, again.Existing);

        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var view = await host.ReadAsync(worker, resident.Id, Subsidy);

        // The policy alone gives community workers only "exists" for civil-affairs fields; the grant
        // raises dibao to clear, which an L4 read serves masked and lists as revealable.
        Assert.Equal("masked", Served(view, "dibao"));
        Assert.Equal("masked", Served(view, "elderly_living_alone"));
        Assert.Equal("exists", Served(view, "disability_status"));
        Assert.Contains("dibao", view.GetProperty("revealable").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["g-demo-onestop-civil"], Chain(view));
        var entry = (await host.LogOfAsync(resident.Id)).Last();
        Assert.Equal("g-demo-onestop-civil", entry.GrantChain);
        Assert.Contains("Interim Measures for Social Assistance", entry.LegalBasis);

        // Another purpose, or the community next door, gets nothing from it.
        var forElderly = await host.ReadAsync(worker, resident.Id, Elderly);
        Assert.Null(Served(forElderly, "dibao"));
        Assert.Empty(Chain(forElderly));
        var otherResident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var otherWorker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);
        Assert.Equal("exists", Served(await host.ReadAsync(otherWorker, otherResident.Id, Subsidy), "dibao"));
    }

    [Fact]
    public async Task GrantsBeyondTheGrantor_AreRefusedWithTheirCodes_NamingFieldsNeverValues()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var civil = await host.TokenAsync(UnitRoles.Caseworker, District, "civil_affairs");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var until = DateTimeOffset.UtcNow.AddDays(30);

        async Task<(HttpStatusCode, string?, string)> Try(string token, object body)
        {
            using var r = await host.PostAsync("/api/v1/grants", token, body);
            var text = await BodyAsync(r);
            return (r.StatusCode, await ApiTestHost.ProblemCodeAsync(r), text);
        }

        // Civil affairs holds disability_status only at "exists" for subsidy eligibility.
        var (status, code, body) = await Try(civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dibao", "disability_status"], "clear", Subsidy, until));
        Assert.Equal((HttpStatusCode.Forbidden, "grant_exceeds_grantor"), (status, code));
        Assert.Contains("disability_status", body);
        Assert.DoesNotContain("dibao:", body);

        // L5 never, even where the grantor holds it in the clear (civil affairs, shelter address, dv_protection).
        (status, code, body) = await Try(civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dv_victim_address"], "exists", "dv_protection", until));
        Assert.Equal((HttpStatusCode.Forbidden, "grant_exceeds_grantor"), (status, code));
        Assert.Contains("L5", body);

        // Upward (a community to its street) and to oneself.
        (status, code, _) = await Try(worker, Grant(UnitRoles.StreetOfficer, StreetOfY, ["phone"], "masked", "community_service", until));
        Assert.Equal((HttpStatusCode.Forbidden, "grant_exceeds_grantor"), (status, code));
        (status, code, _) = await Try(worker, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["phone"], "masked", "community_service", until));
        Assert.Equal((HttpStatusCode.Forbidden, "grant_exceeds_grantor"), (status, code));

        // A child: another purpose, or a window past its parent's.
        var root = await host.GrantOkAsync(civil, Grant(UnitRoles.StreetOfficer, StreetOfY, ["dibao", "elderly_living_alone"], "clear", Subsidy, until));
        var street = await host.TokenAsync(UnitRoles.StreetOfficer, StreetOfY);
        (status, code, body) = await Try(street, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dibao"], "masked", Elderly, until, parentId: root));
        Assert.Equal((HttpStatusCode.Forbidden, "grant_exceeds_grantor"), (status, code));
        Assert.Contains("purpose", body);
        (status, code, body) = await Try(street, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dibao"], "masked", Subsidy, until.AddDays(1), parentId: root));
        Assert.Equal((HttpStatusCode.Forbidden, "grant_exceeds_grantor"), (status, code));
        Assert.Contains("window", body);
        // A field the parent does not carry.
        (status, code, body) = await Try(street, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["disability_status"], "exists", Subsidy, until, parentId: root));
        Assert.Equal((HttpStatusCode.Forbidden, "grant_exceeds_grantor"), (status, code));
        Assert.Contains("disability_status", body);
        // Re-granting a grant one's unit did not receive: the grantor of the root cannot chain from it as if it held it.
        (status, code, _) = await Try(civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dibao"], "masked", Subsidy, until, parentId: root));
        Assert.Equal((HttpStatusCode.Forbidden, "grant_exceeds_grantor"), (status, code));
        // A parent nobody showed you is 404.
        (status, code, _) = await Try(worker, Grant(UnitRoles.GridWorker, GridOfY, ["dibao"], "exists", Subsidy, until, parentId: root));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (status, code));

        // Malformed requests are 400 validation_failed.
        (status, code, _) = await Try(civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["no_such_field"], "clear", Subsidy, until));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, code));
        (status, code, _) = await Try(civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dibao"], "clear", Subsidy, DateTimeOffset.UtcNow.AddDays(-1)));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, code));
        (status, code, _) = await Try(civil, Grant(UnitRoles.CommunityWorker, "510107999999", ["dibao"], "clear", Subsidy, until));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, code));
        (status, code, _) = await Try(civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dibao"], "loud", Subsidy, until));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, code));
    }

    [Fact]
    public async Task CategoryInARequest_IsStoredAsItsFieldKeys()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var civil = await host.TokenAsync(UnitRoles.Caseworker, District, "civil_affairs");
        using var response = await host.PostAsync("/api/v1/grants", civil,
            Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["cat:household"], "category", Subsidy, DateTimeOffset.UtcNow.AddDays(1)));
        var grant = await ApiTestHost.JsonAsync(response, HttpStatusCode.Created);
        var fields = grant.GetProperty("fields").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.NotEmpty(fields);
        Assert.DoesNotContain("cat:household", fields);
        Assert.All(fields, f => Assert.Equal("household", host.Get<DataVault.Vault.Schema.ResidentSchema>()[f!].Category));
    }

    [Fact]
    public async Task RevokingTheMiddleOfAChain_StopsMiddleAndLeafAtTheNextRequest_RootStillWorks()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 30);
        // Any grid of Y that has a resident: which grids the seed fills depends on the generator.
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY && r.Values.ContainsKey("grid"));
        var gridOfY = resident.Values["grid"];
        var civil = await host.TokenAsync(UnitRoles.Caseworker, District, "civil_affairs");
        var street = await host.TokenAsync(UnitRoles.StreetOfficer, StreetOfY);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var grid = await host.TokenAsync(UnitRoles.GridWorker, gridOfY);
        var until = DateTimeOffset.UtcNow.AddDays(30);

        var root = await host.GrantOkAsync(civil, Grant(UnitRoles.StreetOfficer, StreetOfY, ["dibao", "elderly_living_alone"], "clear", Subsidy, until));
        var middle = await host.GrantOkAsync(street, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dibao"], "clear", Subsidy, until, parentId: root));
        var leaf = await host.GrantOkAsync(worker, Grant(UnitRoles.GridWorker, gridOfY, ["dibao"], "category", Subsidy, until, parentId: middle));

        Assert.Equal("masked", Served(await host.ReadAsync(worker, resident.Id, Subsidy), "dibao"));
        var gridView = await host.ReadAsync(grid, resident.Id, Subsidy);
        Assert.Equal("category", Served(gridView, "dibao"));
        Assert.Equal([root, middle, leaf], Chain(gridView));

        // Only the grantor (or a privacy officer of the district) revokes; the grantee cannot.
        using (var byGrantee = await host.PostAsync($"/api/v1/grants/{middle}/revoke", worker, null))
        {
            Assert.Equal("forbidden", await ApiTestHost.ProblemCodeAsync(byGrantee));
        }
        using (var revoke = await host.PostAsync($"/api/v1/grants/{middle}/revoke", street, null))
        {
            var answer = await ApiTestHost.JsonAsync(revoke, HttpStatusCode.OK);
            Assert.Equal([middle, leaf], answer.GetProperty("revoked").EnumerateArray().Select(e => e.GetString()));
        }

        var workerAfter = await host.ReadAsync(worker, resident.Id, Subsidy);
        Assert.Equal("exists", Served(workerAfter, "dibao")); // back to the policy alone
        Assert.Empty(Chain(workerAfter));
        using (var gridAfter = await host.GetAsync($"/api/v1/residents/{resident.Id}", grid, Subsidy))
        {
            // The grid worker has no policy rights for this purpose: without the grant the resident is out of its view.
            Assert.Equal(HttpStatusCode.NotFound, gridAfter.StatusCode);
        }
        var streetView = await host.ReadAsync(street, resident.Id, Subsidy);
        Assert.Equal("masked", Served(streetView, "dibao"));
        Assert.Equal([root], Chain(streetView));

        using var leafState = await host.GetAsync($"/api/v1/grants/{leaf}", grid, null);
        Assert.Equal("revoked", (await ApiTestHost.JsonAsync(leafState, HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ExpiredGrant_StopsOnTheNextRead()
    {
        var (host, clock) = await StartWithClockAsync(perCommunity: 5);
        await using var _ = host;
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var civil = await host.TokenAsync(UnitRoles.Caseworker, District, "civil_affairs");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var grant = await host.GrantOkAsync(civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dibao"], "category", Elderly, clock.GetUtcNow().AddMinutes(2)));

        var before = await host.ReadAsync(worker, resident.Id, Elderly);
        Assert.Equal("category", Served(before, "dibao"));
        Assert.Equal([grant], Chain(before));

        clock.Advance(TimeSpan.FromMinutes(2)); // valid_until is exclusive
        var after = await host.ReadAsync(worker, resident.Id, Elderly);
        Assert.Null(Served(after, "dibao"));
        Assert.Empty(Chain(after));
    }

    [Fact]
    public async Task GrantVisibility_GrantorGranteeAndOfficers_OthersGet404_ListsArePaged()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var civil = await host.TokenAsync(UnitRoles.Caseworker, District, "civil_affairs");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var officer = await host.TokenAsync(UnitRoles.PrivacyOfficer, District);
        var stranger = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);
        var until = DateTimeOffset.UtcNow.AddDays(3);
        var ids = new List<string>();
        foreach (var field in new[] { "dibao", "elderly_living_alone", "disability_status" })
        {
            ids.Add(await host.GrantOkAsync(civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, [field], "exists", Subsidy, until)));
        }

        foreach (var token in new[] { civil, worker, officer })
        {
            using var seen = await host.GetAsync($"/api/v1/grants/{ids[0]}", token, null);
            Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        }
        using (var hidden = await host.GetAsync($"/api/v1/grants/{ids[0]}", stranger, null))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }
        using (var revokeHidden = await host.PostAsync($"/api/v1/grants/{ids[0]}/revoke", stranger, null))
        {
            Assert.Equal(HttpStatusCode.NotFound, revokeHidden.StatusCode);
        }

        var listed = new List<string>();
        string? cursor = null;
        do
        {
            using var page = await host.GetAsync($"/api/v1/grants?direction=received&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}", worker, null);
            var json = await ApiTestHost.JsonAsync(page, HttpStatusCode.OK);
            listed.AddRange(json.GetProperty("items").EnumerateArray().Select(g => g.GetProperty("id").GetString()!));
            cursor = json.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(ids.Order(), listed.Order());
        using var issuedByWorker = await host.GetAsync("/api/v1/grants?direction=issued", worker, null);
        Assert.Empty((await ApiTestHost.JsonAsync(issuedByWorker, HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
    }
}
