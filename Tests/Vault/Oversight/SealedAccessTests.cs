using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Tests.Vault.Me;
using static DataVault.Tests.Vault.Grants.GrantsKit;

namespace DataVault.Tests.Vault.Oversight;

/// <summary>
/// Sealed accesses (issue 16, item 5): a police caseworker's reads of a resident under an approved seal
/// are logged and proven but their details are hidden from the resident until the seal is lifted or
/// ends; then the entry shows in full with the leaf hash proven all along. A seal needs a second person.
/// </summary>
public sealed class SealedAccessTests
{
    private const string Police = "public_security";

    [Fact]
    public async Task SealedRead_CountedAndProvenButHidden_ShownWhenLifted_AndAfterExpiry_WithTheSameLeaf()
    {
        var (host, clock) = await StartWithClockAsync(perCommunity: 3);
        await using var _ = host;
        var resident = await host.ResidentAsync(ApiTestHost.CommunityY, "13800138456");
        var police = await host.TokenAsync(UnitRoles.Caseworker, District, Police);
        var officer = await host.TokenAsync(UnitRoles.PrivacyOfficer, District);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        // Before any seal: the read is in the resident's log, in full.
        await host.ReadAsync(police, resident.ResidentId, Police);
        Assert.Single((await MyLogAsync(host, resident.Token)).Entries, e => e.Unit == $"caseworker:{Police}@{District}");
        clock.Advance(TimeSpan.FromSeconds(1)); // the test clock stands still otherwise: a seal covers accesses from its approval on

        // Seal A: requested, refused to its own unit, approved by the officer; the next police read is sealed.
        var a = await RequestAsync(host, police, resident.ResidentId, days: 30);
        using (var byPolice = await host.PostAsync($"/api/v1/seals/{a}/approve", police, null))
        {
            Assert.Equal("forbidden", await ApiTestHost.ProblemCodeAsync(byPolice));
        }
        await ApproveAsync(host, officer, a);
        await host.ReadAsync(police, resident.ResidentId, Police);
        await host.ReadAsync(worker, resident.ResidentId, "community_service");
        var during = await MyLogAsync(host, resident.Token);
        var sealedA = Assert.Single(during.Sealed);
        Assert.Single(during.Entries, e => e.Unit == $"caseworker:{Police}@{District}"); // only the read from before the seal
        Assert.Contains(during.Entries, e => e.Unit == $"community_worker@{ApiTestHost.CommunityY}"); // another unit is not sealed
        Assert.True(sealedA.TreeSize > sealedA.Index, "the sealed entry is proven against a signed head");
        Assert.InRange(sealedA.VisibleFrom, clock.GetUtcNow().AddDays(30).AddMinutes(-1), clock.GetUtcNow().AddDays(30).AddMinutes(1));
        using (var question = await host.PostAsync($"/api/v1/me/access-log/{sealedA.LogId}/{sealedA.Index}/questions", resident.Token, new { text = "Who was this and why did they look?" }))
        {
            Assert.Equal("not_found", await ApiTestHost.ProblemCodeAsync(question));
        }

        // Lifted by the officer: visible at once, with the leaf proven while it was sealed.
        using (var lift = await host.PostAsync($"/api/v1/seals/{a}/lift", officer, new { reason = "The investigation closed; the resident may be told." }))
        {
            Assert.Equal(HttpStatusCode.OK, lift.StatusCode);
        }
        var lifted = await MyLogAsync(host, resident.Token);
        Assert.Empty(lifted.Sealed);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(sealedA.LeafHash, lifted.Entries.Single(e => e.Index == sealedA.Index).LeafHash);

        // Seal B: expires on its own after 10 days.
        var b = await RequestAsync(host, police, resident.ResidentId, days: 10);
        await ApproveAsync(host, officer, b);
        await host.ReadAsync(police, resident.ResidentId, Police);
        var sealedB = Assert.Single((await MyLogAsync(host, resident.Token)).Sealed);
        clock.Advance(TimeSpan.FromDays(10) + TimeSpan.FromMinutes(1));
        var token = await host.ResidentTokenAsync(resident.Phone);
        var after = await MyLogAsync(host, token);
        Assert.Empty(after.Sealed);
        var shown = after.Entries.Single(e => e.Index == sealedB.Index);
        Assert.Equal(sealedB.LeafHash, shown.LeafHash);
        Assert.Equal($"caseworker:{Police}@{District}", shown.Unit);
    }

    [Fact]
    public async Task SealRequest_BadInputOrOutOfReach_IsRefused_AnOfficerCannotApproveTheirOwn()
    {
        var (host, _) = await StartWithClockAsync(perCommunity: 2);
        await using var __ = host;
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var officer = await host.TokenAsync(UnitRoles.PrivacyOfficer, District);

        using var outOfReach = await host.PostAsync("/api/v1/seals", worker, new { residentId = resident.Id, caseId = "A-1", legalBasis = "Criminal Procedure Law art. 152", days = 5 });
        Assert.Equal("not_found", await ApiTestHost.ProblemCodeAsync(outOfReach));
        using var tooLong = await host.PostAsync("/api/v1/seals", officer, new { residentId = resident.Id, caseId = "A-1", legalBasis = "Criminal Procedure Law art. 152", days = 365 });
        Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(tooLong));
        var own = await RequestAsync(host, officer, resident.Id, days: 5);
        using var self = await host.PostAsync($"/api/v1/seals/{own}/approve", officer, null);
        Assert.Equal("self_approval", await ApiTestHost.ProblemCodeAsync(self));
    }

    private sealed record Shown(long Index, string Unit, string LeafHash);

    private sealed record Hidden(string LogId, long Index, DateTimeOffset VisibleFrom, long TreeSize, string LeafHash);

    private sealed record Page(IReadOnlyList<Shown> Entries, IReadOnlyList<Hidden> Sealed);

    private static async Task<Page> MyLogAsync(ApiTestHost host, string token)
    {
        using var response = await host.GetAsync("/api/v1/me/access-log?limit=200", token, null);
        var json = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
        return new Page(
            [.. json.GetProperty("entries").EnumerateArray().Select(e => new Shown(e.GetProperty("entry").GetProperty("index").GetInt64(), e.GetProperty("entry").GetProperty("unit").GetString()!, Leaf(e)))],
            [.. json.GetProperty("sealed").EnumerateArray().Select(s => new Hidden(s.GetProperty("logId").GetString()!, s.GetProperty("index").GetInt64(),
                s.GetProperty("visibleFrom").GetDateTimeOffset(), s.GetProperty("proof").GetProperty("treeSize").GetInt64(), Leaf(s)))]);
    }

    private static string Leaf(JsonElement e) => e.GetProperty("proof").GetProperty("leafHash").GetString()!;

    private static async Task<string> RequestAsync(ApiTestHost host, string token, string residentId, int days)
    {
        using var response = await host.PostAsync("/api/v1/seals", token, new { residentId, caseId = "WH-2026-118", legalBasis = "Criminal Procedure Law art. 152: investigation measures kept confidential", days });
        return (await ApiTestHost.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private static async Task ApproveAsync(ApiTestHost host, string officer, string id)
    {
        using var response = await host.PostAsync($"/api/v1/seals/{id}/approve", officer, null);
        Assert.Equal("approved", (await ApiTestHost.JsonAsync(response, HttpStatusCode.OK)).GetProperty("status").GetString());
    }
}
