using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Me;
using DataVault.Vault.Residents;

namespace DataVault.Tests.Vault.Me;

/// <summary>
/// A resident signs in with their phone, reads their own record, and sees every access to it, each
/// with an inclusion proof that verifies against a signed tree head under the published key.
/// </summary>
public sealed class ResidentSeesWhoLookedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OfficerRead_ShowsInThatResidentsLogWithAVerifiedProof_AndNotInAnothers()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 6);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700000101");
        var bob = await host.ResidentAsync(ApiTestHost.CommunityY, "13700000102");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        var first = await host.OfficerReadAsync(worker, alice.ResidentId);
        var second = await host.OfficerReadAsync(worker, alice.ResidentId, "elderly_care");
        var aboutBob = await host.OfficerReadAsync(worker, bob.ResidentId);

        var log = await host.MyLogAsync(alice.Token);
        var keys = await host.LogKeysAsync(alice.Token);
        var positions = log.Select(e => (e.Entry.LogId, e.Entry.Index)).ToList();
        Assert.Contains(first, positions);
        Assert.Contains(second, positions);
        Assert.DoesNotContain(aboutBob, positions);
        Assert.All(log, e => Assert.Equal(alice.ResidentId, e.Entry.Subject));
        // Newest first.
        Assert.True(positions.IndexOf(second) < positions.IndexOf(first));

        var read = log.Single(e => (e.Entry.LogId, e.Entry.Index) == second);
        Assert.Equal("read", read.Entry.Action.Code);
        Assert.Equal("community_worker", read.Entry.Role.Code);
        Assert.Equal("社区工作者", read.Entry.Role.Zh);
        Assert.Equal("elderly_care", read.Entry.Purpose.Code);
        Assert.Equal("养老服务", read.Entry.Purpose.Zh);
        Assert.Contains(read.Entry.Fields, f => f.Key == "name" && f.Fidelity == "masked" && f.Zh == "姓名" && f.Level == "L3");
        Assert.False(read.ByYou);
        Assert.False(read.Entry.BreakGlass);
        Assert.All(log, e => Assert.Equal(EntryVerification.Ok, EntryVerifier.Verify(e.Entry, e.Proof, e.TreeHead, keys)));

        var bobsLog = await host.MyLogAsync(bob.Token);
        Assert.Equal([aboutBob], bobsLog.Select(e => (e.Entry.LogId, e.Entry.Index)));
    }

    [Fact]
    public async Task EntryVerifier_AnEditedEntryOrAForeignKey_IsNotVerified()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.OtherCommunity, "13700000201");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);
        await host.OfficerReadAsync(worker, alice.ResidentId);
        var entry = (await host.MyLogAsync(alice.Token)).Single();
        var keys = await host.LogKeysAsync(alice.Token);
        Assert.True(EntryVerifier.Verify(entry.Entry, entry.Proof, entry.TreeHead, keys).Verified);

        var otherPurpose = entry.Entry with { Purpose = entry.Entry.Purpose with { Code = "statistics" } };
        var fewerFields = entry.Entry with { Fields = [.. entry.Entry.Fields.Skip(1)] };
        var laterTime = entry.Entry with { RecordedAtUnixMs = entry.Entry.RecordedAtUnixMs + 1 };
        var foreignKey = new LogPublicKey(keys[0].KeyId, "Ed25519", new byte[32]);

        Assert.False(EntryVerifier.Verify(otherPurpose, entry.Proof, entry.TreeHead, keys).Verified);
        Assert.False(EntryVerifier.Verify(fewerFields, entry.Proof, entry.TreeHead, keys).Verified);
        Assert.False(EntryVerifier.Verify(laterTime, entry.Proof, entry.TreeHead, keys).Verified);
        Assert.False(EntryVerifier.Verify(entry.Entry, entry.Proof, entry.TreeHead, [foreignKey]).Verified);
        Assert.False(EntryVerifier.Verify(entry.Entry, entry.Proof, entry.TreeHead! with { TreeSize = entry.TreeHead.TreeSize + 1 }, keys).Verified);
    }

    [Fact]
    public async Task Me_EveryFieldInTheClearWithLabels_LoggedAsTheResidentsOwnAccess()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700000301");
        var stored = (await host.Get<ResidentReader>().FindAsync(alice.ResidentId, Ct))!;

        using var response = await host.GetAsync("/api/v1/me", alice.Token, null);
        var me = await ResidentSignIn.ReadAsync<MyRecord>(response);

        Assert.Equal(alice.ResidentId, me.Id);
        var idNumber = me.Fields.Single(f => f.Key == "id_number");
        Assert.Equal(stored.Values["id_number"], idNumber.Value);
        Assert.Equal(("公民身份号码", "L4", "identity"), (idNumber.LabelZh, idNumber.Level, idNumber.Category));
        Assert.All(stored.Values, kv => Assert.Equal(kv.Value, me.Fields.Single(f => f.Key == kv.Key).Value));
        Assert.False(me.Fields.Single(f => f.Key == "hiv_status").Present);

        var own = (await host.MyLogAsync(alice.Token)).Single();
        Assert.True(own.ByYou);
        Assert.Equal((me.Log.LogId, me.Log.Index), (own.Entry.LogId, own.Entry.Index));
        Assert.Equal(("resident", "self_access", "allow:self"), (own.Entry.Role.Code, own.Entry.Purpose.Code, own.Entry.Decision));
        Assert.All(own.Entry.Fields, f => Assert.Equal("clear", f.Fidelity));
        Assert.Equal(stored.Values.Count, own.Entry.Fields.Count);
    }

    [Fact]
    public async Task AggregatesThatCountedTheResident_ShowInTheirLog_OthersDoNot()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700000401");
        var writer = host.Get<AccessLogWriter>();
        var grid = (await host.Get<ResidentReader>().FindAsync(alice.ResidentId, Ct))!.Values["grid"];
        string[] counted = ["@510107", "@510107004", "@" + ApiTestHost.CommunityY, "@" + grid];
        string[] notCounted = ["@510107001", "@" + ApiTestHost.OtherCommunity, "@" + ApiTestHost.CommunityY + "-99"];
        foreach (var subject in counted.Concat(notCounted))
        {
            await writer.AppendAsync(new AccessLogEntry(subject, "510107", AccessAction.Aggregate, "analyst-1", "district_analyst@510107", "district_analyst",
                "demo-analyst", [new ServedField("chronic_condition", "category")], "statistics", "PIPL art. 13(1)3", [], "v-test", "allow"), Ct);
        }

        var log = await host.MyLogAsync(alice.Token);

        Assert.Equal(Enumerable.Reverse(counted), log.Select(e => e.Entry.Subject));
        Assert.All(log, e => Assert.True(e.Entry.Aggregate));
        Assert.All(log, e => Assert.Equal("统计汇总", e.Entry.Action.Zh));
        var keys = await host.LogKeysAsync(alice.Token);
        Assert.All(log, e => Assert.True(EntryVerifier.Verify(e.Entry, e.Proof, e.TreeHead, keys).Verified));
    }

    [Fact]
    public async Task ARealDistrictAggregate_ShowsInTheResidentsLogAsCountingThem()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 6);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700000451");
        var analyst = await host.TokenAsync(UnitRoles.DistrictAnalyst, "510107");

        using var response = await host.GetAsync("/api/v1/aggregates?within=510107&by=street", analyst, "statistics");
        await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);

        var entry = Assert.Single(await host.MyLogAsync(alice.Token));
        Assert.Equal(("@510107", "aggregate", "district_analyst"), (entry.Entry.Subject, entry.Entry.Action.Code, entry.Entry.Role.Code));
        Assert.True(entry.Entry.Aggregate);
        Assert.True(EntryVerifier.Verify(entry.Entry, entry.Proof, entry.TreeHead, await host.LogKeysAsync(alice.Token)).Verified);
    }

    [Fact]
    public async Task AccessLog_PagesNewestFirstWithoutGapsOrRepeats()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700000501");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var reads = new List<(string, long)>();
        for (var i = 0; i < 7; i++)
        {
            reads.Add(await host.OfficerReadAsync(worker, alice.ResidentId));
        }

        var paged = await host.MyLogAsync(alice.Token, limit: 3);

        Assert.Equal(Enumerable.Reverse(reads), paged.Select(e => (e.Entry.LogId, e.Entry.Index)));
        using var bad = await host.GetAsync("/api/v1/me/access-log?cursor=not-a-cursor", alice.Token, null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Me_OfficersAndClientsGet404_UnlinkedAndSharedPhonesAreTold()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        await host.Host.AddUserAsync("resident.unlinked", UnitRoles.Resident, ApiTestHost.CommunityY, phone: "13700000601");
        var unlinked = await host.ResidentTokenAsync("13700000601");
        // Two members of one household share a phone.
        await host.CreateRecordAsync(ApiTestHost.CommunityY, "13700000602");
        await host.CreateRecordAsync(ApiTestHost.CommunityY, "13700000602", idNumberSeedPhone: "13700000699");
        await host.Host.AddUserAsync("resident.shared", UnitRoles.Resident, ApiTestHost.CommunityY, phone: "13700000602");
        var shared = await host.ResidentTokenAsync("13700000602");
        // The same phone on a record of another community does not link.
        await host.CreateRecordAsync(ApiTestHost.OtherCommunity, "13700000603");
        await host.Host.AddUserAsync("resident.elsewhere", UnitRoles.Resident, ApiTestHost.CommunityY, phone: "13700000603");
        var elsewhere = await host.ResidentTokenAsync("13700000603");

        using var asWorker = await host.GetAsync("/api/v1/me", worker, null);
        using var asWorkerLog = await host.GetAsync("/api/v1/me/access-log", worker, null);
        using var asUnlinked = await host.GetAsync("/api/v1/me", unlinked, null);
        using var asShared = await host.GetAsync("/api/v1/me", shared, null);
        using var asElsewhere = await host.GetAsync("/api/v1/me", elsewhere, null);

        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (asWorker.StatusCode, await ApiTestHost.ProblemCodeAsync(asWorker)));
        Assert.Equal(HttpStatusCode.NotFound, asWorkerLog.StatusCode);
        Assert.Equal((HttpStatusCode.NotFound, "me_not_linked"), (asUnlinked.StatusCode, await ApiTestHost.ProblemCodeAsync(asUnlinked)));
        Assert.Equal((HttpStatusCode.Conflict, "me_phone_shared"), (asShared.StatusCode, await ApiTestHost.ProblemCodeAsync(asShared)));
        Assert.Equal((HttpStatusCode.NotFound, "me_not_linked"), (asElsewhere.StatusCode, await ApiTestHost.ProblemCodeAsync(asElsewhere)));
        var advice = await asShared.Content.ReadAsStringAsync(Ct);
        Assert.Contains("共用", advice, StringComparison.Ordinal);
        Assert.Contains("shared phone", advice, StringComparison.Ordinal);
    }
}
