using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Tests.Vault.Me;
using DataVault.Vault.Oversight.Snooping;
using static DataVault.Tests.Vault.Grants.GrantsKit;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.Oversight;

/// <summary>
/// The snooping alert queue end to end on the real host: two reveals at night through the API, a scan
/// by the district's privacy officer, the alert with its evidence proven against the signed log,
/// closing it (only an officer, only once, with a reason), and the resident told it was upheld.
/// </summary>
public sealed class SnoopingAlertsTests
{
    [Fact]
    public async Task NightReveals_ScannedIntoAnAlert_WithProvenEvidence_UpheldOnce_TheResidentIsTold()
    {
        var (host, clock) = await StartWithClockAsync(perCommunity: 3);
        await using var _ = host;
        // 23:30 in Beijing, later today or tomorrow.
        var beijing = clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8));
        var night = new DateTimeOffset(beijing.Year, beijing.Month, beijing.Day, 23, 30, 0, beijing.Offset);
        clock.Advance(night > beijing ? night - beijing : night.AddDays(1) - beijing);
        var day = SnoopingDetector.DayOf(clock.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var resident = await host.ResidentAsync(ApiTestHost.CommunityY, "13800138123");
        var other = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY && r.Id != resident.ResidentId);
        var civil = await host.TokenAsync(UnitRoles.Caseworker, District, "civil_affairs");
        var officer = await host.TokenAsync(UnitRoles.PrivacyOfficer, District);
        var auditor = await host.TokenAsync(UnitRoles.Auditor, District);
        foreach (var target in new[] { resident.ResidentId, other.Id })
        {
            using var reveal = await host.RevealAsync(civil, target, "dibao", "Checking the subsidy file late at night", "subsidy_eligibility");
            Assert.Equal(HttpStatusCode.OK, reveal.StatusCode);
        }

        using var byAuditor = await host.PostAsync($"/api/v1/oversight/alerts/scan?day={day}", auditor, null);
        Assert.Equal("forbidden", await ApiTestHost.ProblemCodeAsync(byAuditor));
        using var scan = await host.PostAsync($"/api/v1/oversight/alerts/scan?day={day}", officer, null);
        Assert.Equal(1, (await ApiTestHost.JsonAsync(scan, HttpStatusCode.OK)).GetProperty("newAlerts").GetInt32());
        using var again = await host.PostAsync($"/api/v1/oversight/alerts/scan?day={day}", officer, null);
        Assert.Equal(0, (await ApiTestHost.JsonAsync(again, HttpStatusCode.OK)).GetProperty("newAlerts").GetInt32());

        using var list = await host.GetAsync("/api/v1/oversight/alerts?status=open", auditor, null);
        var alert = Assert.Single((await ApiTestHost.JsonAsync(list, HttpStatusCode.OK)).GetProperty("alerts").EnumerateArray());
        Assert.Equal(SnoopingRules.NightReveal, alert.GetProperty("rule").GetProperty("code").GetString());
        Assert.Equal($"caseworker:civil_affairs@{District}", alert.GetProperty("actorUnit").GetString());
        Assert.Equal(new[] { resident.ResidentId, other.Id }.Order(StringComparer.Ordinal), alert.GetProperty("residents").EnumerateArray().Select(r => r.GetString()));
        var id = alert.GetProperty("id").GetString()!;

        using var detail = await host.GetAsync($"/api/v1/oversight/alerts/{id}", officer, null);
        var proven = (await ApiTestHost.JsonAsync(detail, HttpStatusCode.OK)).GetProperty("proven").EnumerateArray().ToList();
        Assert.Equal(2, proven.Count);
        Assert.All(proven, p =>
        {
            Assert.Equal("reveal", p.GetProperty("entry").GetProperty("action").GetProperty("code").GetString());
            Assert.True(p.GetProperty("proof").GetProperty("treeSize").GetInt64() > p.GetProperty("entry").GetProperty("index").GetInt64());
        });
        var log = (await host.LogRowsAsync()).Where(r => r.Action == "reveal").Select(r => r.Index).Order();
        Assert.Equal(log, proven.Select(p => p.GetProperty("entry").GetProperty("index").GetInt64()).Order());

        // Nobody but an officer closes it; a reason is needed; it closes once.
        using (var byCivil = await host.PostAsync($"/api/v1/oversight/alerts/{id}/close", civil, new { outcome = "dismissed", reason = "I was just working late" }))
        {
            Assert.Equal("forbidden", await ApiTestHost.ProblemCodeAsync(byCivil));
        }
        using (var auditorCloses = await host.PostAsync($"/api/v1/oversight/alerts/{id}/close", auditor, new { outcome = "dismissed", reason = "Looks like normal work to me" }))
        {
            Assert.Equal("forbidden", await ApiTestHost.ProblemCodeAsync(auditorCloses));
        }
        using (var noReason = await host.PostAsync($"/api/v1/oversight/alerts/{id}/close", officer, new { outcome = "upheld", reason = "no" }))
        {
            Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(noReason));
        }
        using var before = await host.GetAsync("/api/v1/me/alerts", resident.Token, null);
        Assert.Empty((await ApiTestHost.JsonAsync(before, HttpStatusCode.OK)).EnumerateArray());
        const string Reason = "No subsidy case was open for these residents; the caseworker has been spoken to.";
        using (var upheld = await host.PostAsync($"/api/v1/oversight/alerts/{id}/close", officer, new { outcome = "upheld", reason = Reason }))
        {
            Assert.Equal("upheld", (await ApiTestHost.JsonAsync(upheld, HttpStatusCode.OK)).GetProperty("status").GetString());
        }
        using (var twice = await host.PostAsync($"/api/v1/oversight/alerts/{id}/close", officer, new { outcome = "dismissed", reason = "Changed my mind about it" }))
        {
            Assert.Equal("conflict", await ApiTestHost.ProblemCodeAsync(twice));
        }

        using var told = await host.GetAsync("/api/v1/me/alerts", resident.Token, null);
        var notice = Assert.Single((await ApiTestHost.JsonAsync(told, HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal(SnoopingRules.NightReveal, notice.GetProperty("rule").GetProperty("code").GetString());
        Assert.Equal(Reason, notice.GetProperty("reason").GetString());
        Assert.Equal(day, notice.GetProperty("day").GetString());
        using var unknown = await host.GetAsync("/api/v1/oversight/alerts/nope", officer, null);
        Assert.Equal("not_found", await ApiTestHost.ProblemCodeAsync(unknown));
    }
}
