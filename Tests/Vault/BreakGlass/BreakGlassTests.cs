using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Tests.Vault.Grants;
using DataVault.Vault.Schema;
using static DataVault.Tests.Vault.Grants.GrantsKit;

namespace DataVault.Tests.Vault.BreakGlass;

/// <summary>Emergency access: a named case, a second approver, a time limit, a flagged log and a review queue.</summary>
public sealed class BreakGlassTests
{
    private const string Purpose = "community_service";
    private const string Reason = "Resident found unconscious; paramedics need the medical history";

    private static object Body(string residentId, int? minutes = 3, string reason = Reason) =>
        new { residentId, caseId = "120-2026-1122-07", reason, minutes };

    [Fact]
    public async Task BreakGlass_PendingGivesNothing_SelfApproval403_ApprovedGivesEverythingClearAndFlagged_ExpiryStopsIt_ReviewQueue()
    {
        var (host, clock) = await StartWithClockAsync(perCommunity: 10);
        await using var _ = host;
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var officer = await host.TokenAsync(UnitRoles.PrivacyOfficer, District);
        var schema = host.Get<ResidentSchema>();

        using var created = await host.PostAsync("/api/v1/break-glass", worker, Body(resident.Id));
        var request = await ApiTestHost.JsonAsync(created, HttpStatusCode.Created);
        var id = request.GetProperty("id").GetString()!;
        Assert.Equal("pending", request.GetProperty("status").GetString());

        // Pending: the view is the policy's, nothing more.
        var pending = await host.ReadAsync(worker, resident.Id, Purpose);
        Assert.Null(Served(pending, "hiv_status"));
        Assert.Equal(JsonValueKind.Null, pending.GetProperty("breakGlass").ValueKind);

        using (var self = await host.PostAsync($"/api/v1/break-glass/{id}/approve", worker, null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
            Assert.Equal("self_approval", await ApiTestHost.ProblemCodeAsync(self));
        }

        using (var approved = await host.PostAsync($"/api/v1/break-glass/{id}/approve", officer, null))
        {
            var json = await ApiTestHost.JsonAsync(approved, HttpStatusCode.OK);
            Assert.Equal("active", json.GetProperty("status").GetString());
            Assert.Equal("pending_review", json.GetProperty("review").GetString());
        }
        using (var twice = await host.PostAsync($"/api/v1/break-glass/{id}/approve", officer, null))
        {
            Assert.Equal("conflict", await ApiTestHost.ProblemCodeAsync(twice));
        }

        // Active: every field in the clear, L5 and L4 included, and the read is flagged.
        var active = await host.ReadAsync(worker, resident.Id, Purpose);
        Assert.Equal(id, active.GetProperty("breakGlass").GetString());
        Assert.All(schema.Fields, f => Assert.Equal("clear", Served(active, f.Key)));
        Assert.Equal(resident.Values["id_number"], active.GetProperty("fields").GetProperty("id_number").GetProperty("value").GetString());

        var log = await host.LogOfAsync(resident.Id);
        var requested = Assert.Single(log, e => e.Decision == "break-glass:requested");
        Assert.Equal(("breakglass", "", id, Reason), (requested.Action, requested.Fields, requested.GrantChain, requested.Reason));
        var approval = Assert.Single(log, e => e.Decision == "break-glass:approved");
        Assert.Equal(("breakglass", ""), (approval.Action, approval.Fields));
        Assert.NotEqual(requested.ActorUserId, approval.ActorUserId);
        var read = log[^1];
        Assert.Equal(("breakglass", "allow:break-glass"), (read.Action, read.Decision));
        Assert.Contains("hiv_status=clear", read.Fields);
        Assert.Contains("120-2026-1122-07", read.LegalBasis);
        // The resident's log says why, in the requester's words, on the read itself.
        Assert.Equal(Reason, read.Reason);

        // Review finding: an emergency is one person reading one resident; it never flows into a bulk
        // copy. The same worker's export of the community serves this resident as the policy does.
        using (var export = await host.GetAsync($"/api/v1/residents/export?community={ApiTestHost.CommunityY}", worker, Purpose))
        {
            var lines = (await export.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var header = lines[0].Split(',').Select(h => h.Trim('"')).ToList();
            var row = lines.Single(l => l.StartsWith($"\"{resident.Id}\"", StringComparison.Ordinal)).Split(',').Select(c => c.Trim('"')).ToList();
            Assert.DoesNotContain("hiv_status", header);
            Assert.Equal(Masking.MaskIdNumber(resident.Values["id_number"]), row[header.IndexOf("id_number")]);
        }
        Assert.NotEqual("allow:break-glass", (await host.LogOfAsync(resident.Id))[^1].Decision);

        // A colleague of the same unit is not the requester: nothing for them.
        var colleagueSecret = await host.Host.AddApiClientAsync("colleague-of-y", UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var colleague = await host.Host.ClientTokenAsync("colleague-of-y", colleagueSecret);
        Assert.Null(Served(await host.ReadAsync(colleague, resident.Id, Purpose), "hiv_status"));

        // Expired: back to the policy on the next read.
        clock.Advance(TimeSpan.FromMinutes(3));
        var expired = await host.ReadAsync(worker, resident.Id, Purpose);
        Assert.Null(Served(expired, "hiv_status"));
        Assert.Equal(JsonValueKind.Null, expired.GetProperty("breakGlass").ValueKind);
        var afterExpiry = (await host.LogOfAsync(resident.Id))[^1];
        Assert.Equal(("read", "allow", null), (afterExpiry.Action, afterExpiry.Decision, afterExpiry.Reason));

        // The review queue: the district's officers see it; the requester cannot review their own.
        Assert.Contains(id, await QueueAsync(host, officer));
        using (var selfReview = await host.PostAsync($"/api/v1/break-glass/{id}/review", worker, new { outcome = "justified", note = "mine" }))
        {
            Assert.Equal("self_approval", await ApiTestHost.ProblemCodeAsync(selfReview));
        }
        using (var review = await host.PostAsync($"/api/v1/break-glass/{id}/review", officer, new { outcome = "justified", note = "Ambulance record 120-0711 confirms the emergency." }))
        {
            var json = await ApiTestHost.JsonAsync(review, HttpStatusCode.OK);
            Assert.Equal(("expired", "justified"), (json.GetProperty("status").GetString(), json.GetProperty("review").GetString()));
        }
        Assert.DoesNotContain(id, await QueueAsync(host, officer));
        using (var again = await host.PostAsync($"/api/v1/break-glass/{id}/review", officer, new { outcome = "unjustified", note = "" }))
        {
            Assert.Equal("conflict", await ApiTestHost.ProblemCodeAsync(again));
        }
    }

    [Fact]
    public async Task Rejected_GivesNothing_UnjustifiedReview_EndsAnActiveOneAtOnce()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 5);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var officer = await host.TokenAsync(UnitRoles.PrivacyOfficer, District);

        var rejected = await RequestAsync(host, worker, resident.Id, minutes: 30);
        using (var reject = await host.PostAsync($"/api/v1/break-glass/{rejected}/reject", officer, new { note = "No case on file." }))
        {
            Assert.Equal("rejected", (await ApiTestHost.JsonAsync(reject, HttpStatusCode.OK)).GetProperty("status").GetString());
        }
        Assert.Null(Served(await host.ReadAsync(worker, resident.Id, Purpose), "hiv_status"));
        using (var late = await host.PostAsync($"/api/v1/break-glass/{rejected}/approve", officer, null))
        {
            Assert.Equal("conflict", await ApiTestHost.ProblemCodeAsync(late));
        }

        var approved = await RequestAsync(host, worker, resident.Id, minutes: 30);
        using (await host.PostAsync($"/api/v1/break-glass/{approved}/approve", officer, null))
        {
        }
        Assert.Equal("clear", Served(await host.ReadAsync(worker, resident.Id, Purpose), "hiv_status"));
        using (var review = await host.PostAsync($"/api/v1/break-glass/{approved}/review", officer, new { outcome = "unjustified", note = "Not an emergency." }))
        {
            Assert.Equal("expired", (await ApiTestHost.JsonAsync(review, HttpStatusCode.OK)).GetProperty("status").GetString());
        }
        Assert.Null(Served(await host.ReadAsync(worker, resident.Id, Purpose), "hiv_status"));
    }

    [Fact]
    public async Task Requests_OutsideTerritory404_BadInput400_OthersCannotSeeOrApprove()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var stranger = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);
        var auditor = await host.TokenAsync(UnitRoles.Auditor, District);

        using (var outside = await host.PostAsync("/api/v1/break-glass", stranger, Body(resident.Id)))
        using (var missing = await host.PostAsync("/api/v1/break-glass", stranger, Body("aaaaaaaaaaaaaaaaaaaaaaaaaa")))
        {
            Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (outside.StatusCode, missing.StatusCode));
        }
        foreach (var bad in new[] { Body(resident.Id, reason: "urgent"), Body(resident.Id, minutes: 10_000), Body(resident.Id, minutes: 0) })
        {
            using var response = await host.PostAsync("/api/v1/break-glass", worker, bad);
            Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(response));
        }
        using (var defaulted = await host.PostAsync("/api/v1/break-glass", worker, Body(resident.Id, minutes: null)))
        {
            Assert.Equal(60, (await ApiTestHost.JsonAsync(defaulted, HttpStatusCode.Created)).GetProperty("minutes").GetInt32());
        }

        var id = await RequestAsync(host, worker, resident.Id, minutes: 5);
        using (var hidden = await host.GetAsync($"/api/v1/break-glass/{id}", stranger, null))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }
        using (var byStranger = await host.PostAsync($"/api/v1/break-glass/{id}/approve", stranger, null))
        {
            Assert.Equal(HttpStatusCode.NotFound, byStranger.StatusCode);
        }
        using (var byAuditor = await host.PostAsync($"/api/v1/break-glass/{id}/approve", auditor, null))
        {
            Assert.Equal("forbidden", await ApiTestHost.ProblemCodeAsync(byAuditor));
        }
        using var mine = await host.GetAsync("/api/v1/break-glass?status=pending", worker, null);
        Assert.Contains(id, (await ApiTestHost.JsonAsync(mine, HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
    }

    private static async Task<string> RequestAsync(ApiTestHost host, string token, string residentId, int minutes)
    {
        using var response = await host.PostAsync("/api/v1/break-glass", token, Body(residentId, minutes));
        return (await ApiTestHost.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private static async Task<IReadOnlyList<string>> QueueAsync(ApiTestHost host, string officer)
    {
        using var response = await host.GetAsync("/api/v1/break-glass?status=pending_review", officer, null);
        return [.. (await ApiTestHost.JsonAsync(response, HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
    }
}
