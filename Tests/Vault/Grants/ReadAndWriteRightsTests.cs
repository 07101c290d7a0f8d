using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Grants;
using static DataVault.Tests.Vault.Grants.GrantsKit;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.Grants;

/// <summary>
/// Reading and writing are separate rights (issue 15, item 3): a field's owning department writes it,
/// a policy line or grant saying <c>write</c> lets someone else, and a read right never writes.
/// </summary>
public sealed class ReadAndWriteRightsTests
{
    private const string Subsidy = "subsidy_eligibility";
    private const string Health = "health_services";

    [Fact]
    public async Task DemoOneStopGrant_LetsCommunityYReadDibao_NeverWriteIt()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        Assert.Empty((await host.Get<DemoGrants>().SeedAsync(TestContext.Current.CancellationToken)).Refused);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        var view = await host.ReadAsync(worker, resident.Id, Subsidy);
        using var patch = await host.PatchAsync(worker, resident.Id, $"\"{resident.Version}\"", new() { ["dibao"] = true }, Subsidy);

        // Before the split this PATCH answered 200 changed ["dibao"]: the grant's "clear" was taken as a write.
        Assert.Equal("masked", view.GetProperty("fields").GetProperty("dibao").GetProperty("fidelity").GetString());
        var problem = await ApiTestHost.JsonAsync(patch, HttpStatusCode.Forbidden);
        Assert.Equal(["dibao"], problem.GetProperty("fields").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(resident.Version, (await host.StoredResidentsAsync()).Single(r => r.Id == resident.Id).Version);
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.ResidentId == resident.Id && r.Action == "write");
    }

    [Fact]
    public async Task OwningDepartmentWritesItsField_AnotherDepartmentCannot()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var civil = await host.TokenAsync(UnitRoles.Caseworker, District, "civil_affairs");
        var health = await host.TokenAsync(UnitRoles.Caseworker, District, "health");

        using var civilWritesDibao = await host.PatchAsync(civil, resident.Id, $"\"{resident.Version}\"", new() { ["dibao"] = true }, Subsidy);
        var afterDibao = (await ApiTestHost.JsonAsync(civilWritesDibao, HttpStatusCode.OK)).GetProperty("version").GetInt32();
        using var healthWritesDibao = await host.PatchAsync(health, resident.Id, $"\"{afterDibao}\"", new() { ["dibao"] = false }, Health);
        using var civilWritesHealth = await host.PatchAsync(civil, resident.Id, $"\"{afterDibao}\"", new() { ["chronic_condition"] = "hypertension" }, Subsidy);
        using var healthWritesHealth = await host.PatchAsync(health, resident.Id, $"\"{afterDibao}\"", new() { ["chronic_condition"] = "hypertension" }, Health);

        Assert.Equal(["dibao"], (await ApiTestHost.JsonAsync(healthWritesDibao, HttpStatusCode.Forbidden)).GetProperty("fields").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["chronic_condition"], (await ApiTestHost.JsonAsync(civilWritesHealth, HttpStatusCode.Forbidden)).GetProperty("fields").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["chronic_condition"], (await ApiTestHost.JsonAsync(healthWritesHealth, HttpStatusCode.OK)).GetProperty("changed").EnumerateArray().Select(e => e.GetString()));
        var stored = (await host.StoredResidentsAsync()).Single(r => r.Id == resident.Id);
        Assert.Equal("true", stored.Values["dibao"]);
        Assert.Equal("hypertension", stored.Values["chronic_condition"]);
        var writes = (await host.LogRowsAsync()).Where(r => r.ResidentId == resident.Id && r.Action == "write").ToList();
        Assert.Equal(["dibao=write", "chronic_condition=write"], writes.Select(w => w.Fields));
    }

    [Fact]
    public async Task WriteGrant_FromAnOwnerThatWrites_LetsTheGranteeWrite_ANonWriterCannotGrantWrite()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var civil = await host.TokenAsync(UnitRoles.Caseworker, District, "civil_affairs");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var until = DateTimeOffset.UtcNow.AddDays(30);

        // Civil affairs writes dibao for subsidy eligibility, so it may delegate that; for elderly
        // care it only reads elderly_living_alone, so a write grant of it exceeds the grantor.
        var grant = await host.GrantOkAsync(civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["dibao"], "write", Subsidy, until));
        using var exceeding = await host.PostAsync("/api/v1/grants", civil, Grant(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, ["elderly_living_alone"], "write", "elderly_care", until));
        using var patch = await host.PatchAsync(worker, resident.Id, $"\"{resident.Version}\"", new() { ["dibao"] = true }, Subsidy);

        Assert.Equal(HttpStatusCode.Forbidden, exceeding.StatusCode);
        Assert.Contains("less than write", await BodyAsync(exceeding));
        Assert.Equal(["dibao"], (await ApiTestHost.JsonAsync(patch, HttpStatusCode.OK)).GetProperty("changed").EnumerateArray().Select(e => e.GetString()));
        var write = Assert.Single(await host.LogRowsAsync(), r => r.ResidentId == resident.Id && r.Action == "write");
        Assert.Equal(grant, write.GrantChain);
        Assert.Equal("dibao=write", write.Fields);
    }
}
