using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Tests.Vault.Me;
using DataVault.Vault.AccessLog;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>The privacy officer's and auditor's view of a district log: search by unit, role, purpose and period; heads and consistency.</summary>
public sealed class OfficerLogSearchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Search_FiltersByUnitRolePurposeAndPeriod_NewestFirst_Paged()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var residents = await host.StoredResidentsAsync();
        var inY = residents.First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var inOther = residents.First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var workerY = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var workerOther = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);
        var street = await host.TokenAsync(UnitRoles.StreetOfficer, "510107004");
        var privacy = await host.TokenAsync(UnitRoles.PrivacyOfficer, "510107");
        var auditor = await host.TokenAsync(UnitRoles.Auditor, "510107");

        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        var y1 = await host.OfficerReadAsync(workerY, inY.Id);
        var y2 = await host.OfficerReadAsync(workerY, inY.Id, "elderly_care");
        var o1 = await host.OfficerReadAsync(workerOther, inOther.Id);
        var s1 = await host.OfficerReadAsync(street, inY.Id);
        var ours = new[] { y1, y2, o1, s1 };

        async Task<List<LoggedAccess>> SearchAsync(string token, string query)
        {
            var found = new List<LoggedAccess>();
            string? cursor = null;
            do
            {
                using var response = await host.GetAsync("/api/v1/access-log?limit=2&" + query + (cursor is null ? "" : "&cursor=" + cursor), token, null);
                var page = await ResidentSignIn.ReadAsync<AccessLogPage<LoggedAccess>>(response);
                found.AddRange(page.Entries);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            return found;
        }

        static IEnumerable<(string, long)> Positions(IEnumerable<LoggedAccess> entries) => entries.Select(e => (e.LogId, e.Index));

        Assert.Equal([y2, y1], Positions(await SearchAsync(privacy, "unit=community_worker@" + ApiTestHost.CommunityY)));
        Assert.Equal([s1], Positions(await SearchAsync(auditor, "role=street_officer")));
        Assert.Equal([y2], Positions(await SearchAsync(privacy, "purpose=elderly_care")));
        Assert.Equal([o1, y1], Positions(await SearchAsync(privacy, "role=community_worker&purpose=community_service")));
        var all = await SearchAsync(privacy, "from=" + Uri.EscapeDataString(start.ToString("O")));
        Assert.Equal(Enumerable.Reverse(ours), Positions(all));
        Assert.Empty(await SearchAsync(privacy, "to=" + Uri.EscapeDataString(start.ToString("O"))));
        Assert.All(all, e => Assert.Null(e.Reason));

        Assert.Equal([o1], Positions(await SearchAsync(privacy, "resident=" + inOther.Id)));
        Assert.Empty(await SearchAsync(privacy, "breakGlass=true"));
        var emergency = await host.Get<AccessLogWriter>().AppendAsync(new AccessLogEntry(inY.Id, "510107", AccessAction.BreakGlass, "u-health", "caseworker:health@510107", "caseworker",
            "demo-health", [new ServedField("chronic_condition", "clear")], "epidemic_response", "PIPL art. 13(1)4", ["bg-1"], "v-test", LoggedAccess.BreakGlassDecision) { Reason = "case 2026-17" }, Ct);
        var review = Assert.Single(await SearchAsync(auditor, "breakGlass=true"));
        Assert.Equal((emergency.LogId, emergency.Index, true, "case 2026-17"), (review.LogId, review.Index, review.BreakGlass, review.Reason));

        using var asWorker = await host.GetAsync("/api/v1/access-log", workerY, null);
        Assert.Equal(HttpStatusCode.Forbidden, asWorker.StatusCode);
        var otherDistrict = await host.TokenAsync(UnitRoles.PrivacyOfficer, "510104");
        Assert.Empty(await SearchAsync(otherDistrict, "role=community_worker"));
    }

    [Fact]
    public async Task Auditor_GetsTheSignedHeadAndAConsistencyProofThatVerify()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var resident = (await host.StoredResidentsAsync())[0];
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, resident.CommunityCode);
        var auditor = await host.TokenAsync(UnitRoles.Auditor, "510107");
        var writer = host.Get<AccessLogWriter>();
        await host.OfficerReadAsync(worker, resident.Id);
        await writer.SignPendingTreeHeadsAsync(Ct);
        using var firstResponse = await host.GetAsync("/api/v1/access-log/510107/heads/latest", auditor, null);
        var first = await ResidentSignIn.ReadAsync<TreeHeadView>(firstResponse);
        for (var i = 0; i < 4; i++)
        {
            await host.OfficerReadAsync(worker, resident.Id);
        }
        await writer.SignPendingTreeHeadsAsync(Ct);
        using var secondResponse = await host.GetAsync("/api/v1/access-log/510107/heads/latest", auditor, null);
        var second = await ResidentSignIn.ReadAsync<TreeHeadView>(secondResponse);

        using var proofResponse = await host.GetAsync($"/api/v1/access-log/510107/consistency?first={first.TreeSize}&second={second.TreeSize}", auditor, null);
        var proof = await ResidentSignIn.ReadAsync<ConsistencyProofView>(proofResponse);

        Assert.Equal(first.TreeSize + 4, second.TreeSize);
        var key = Assert.Single(await host.LogKeysAsync(auditor));
        Assert.True(TreeHeadSigner.Verify(key.PublicKey, second.LogId, second.TreeSize, second.SignedAtUnixMs, second.RootHash, second.Signature));
        Assert.True(MerkleProofs.VerifyConsistency(first.TreeSize, second.TreeSize, proof.Proof, first.RootHash, second.RootHash));
        Assert.False(MerkleProofs.VerifyConsistency(first.TreeSize, second.TreeSize, proof.Proof, second.RootHash, first.RootHash));

        using var tooFar = await host.GetAsync($"/api/v1/access-log/510107/consistency?first=1&second={second.TreeSize + 1}", auditor, null);
        Assert.Equal(HttpStatusCode.BadRequest, tooFar.StatusCode);
        using var asWorker = await host.GetAsync("/api/v1/access-log/510107/heads/latest", worker, null);
        Assert.Equal(HttpStatusCode.NotFound, asWorker.StatusCode);
        using var otherLog = await host.GetAsync("/api/v1/access-log/510104/heads/latest", await host.TokenAsync(UnitRoles.Auditor, "510104"), null);
        Assert.Equal(HttpStatusCode.NotFound, otherLog.StatusCode);
    }
}
