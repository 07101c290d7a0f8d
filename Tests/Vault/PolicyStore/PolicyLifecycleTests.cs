using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;

namespace DataVault.Tests.Vault.PolicyStore;

/// <summary>A policy change from draft to the resident API's answer: validation, four eyes, atomic publication, rollback.</summary>
public sealed class PolicyLifecycleTests
{
    [Fact]
    public async Task ScopedLineApprovedAndPublished_CommunityWorkerThereGainsTheField_ElsewhereNot()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 6);
        var residents = await host.StoredResidentsAsync();
        var mine = residents.First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var other = residents.First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var otherWorker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);
        var author = await host.AuthorTokenAsync();
        var reviewer = await host.ReviewerTokenAsync();
        Assert.False(await HasFieldAsync(host, mine.Id, worker, "chronic_condition"));

        var draft = await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created,
            PolicyOfficers.Line(UnitRoles.CommunityWorker, "chronic_condition", "category", "community_service", jurisdiction: ApiTestHost.CommunityY));
        var id = draft.GetProperty("id").GetInt32();
        Assert.Equal("draft", draft.GetProperty("status").GetString());
        Assert.Equal(1, draft.GetProperty("baseVersion").GetInt32());
        var validation = await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/validate", author, HttpStatusCode.OK);
        Assert.True(validation.GetProperty("valid").GetBoolean(), validation.ToString());

        // The dry run names exactly the unit of community Y, its 6 residents and the one client holding it.
        var impact = await host.CallAsync(HttpMethod.Get, $"/api/v1/policy/drafts/{id}/impact", author, HttpStatusCode.OK);
        var change = Assert.Single(impact.GetProperty("changes").EnumerateArray());
        Assert.Equal(("gain", "community_worker", "chronic_condition", "community_service", "none", "category"),
            (change.GetProperty("direction").GetString(), change.GetProperty("role").GetString(), change.GetProperty("field").GetString(),
             change.GetProperty("purpose").GetString(), change.GetProperty("before").GetString(), change.GetProperty("after").GetString()));
        Assert.Equal((1, 1, 6), (change.GetProperty("units").GetInt32(), change.GetProperty("officials").GetInt32(), change.GetProperty("residents").GetInt32()));
        Assert.Equal(ApiTestHost.CommunityY, Assert.Single(change.GetProperty("jurisdictions").EnumerateArray()).GetProperty("code").GetString());
        Assert.Equal(0, impact.GetProperty("losses").GetProperty("residents").GetInt32());

        await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/submit", author, HttpStatusCode.OK);
        // Publishing before approval is refused, and so is the author approving their own draft.
        Assert.Equal("conflict", (await host.ProblemAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/publish", author, HttpStatusCode.Conflict)).Code);
        Assert.Equal("self_approval", (await host.ProblemAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/approve", author, HttpStatusCode.Forbidden)).Code);
        Assert.False(await HasFieldAsync(host, mine.Id, worker, "chronic_condition"));

        var approved = await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/approve", reviewer, HttpStatusCode.OK, new { note = "ok" });
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        var published = await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/publish", reviewer, HttpStatusCode.OK);

        Assert.Equal(2, published.GetProperty("version").GetProperty("number").GetInt32());
        Assert.NotEqual(published.GetProperty("version").GetProperty("author").GetString(), published.GetProperty("version").GetProperty("approver").GetString());
        Assert.True(await HasFieldAsync(host, mine.Id, worker, "chronic_condition", "category"));
        Assert.False(await HasFieldAsync(host, other.Id, otherWorker, "chronic_condition"));
        var versions = await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions", author, HttpStatusCode.OK);
        Assert.Equal([2, 1], versions.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("number").GetInt32()));
        Assert.True(versions.GetProperty("items")[0].GetProperty("running").GetBoolean());
        var diff = await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions/1/diff/2", author, HttpStatusCode.OK);
        Assert.Equal((1, 0), (diff.GetProperty("added").GetInt32(), diff.GetProperty("removed").GetInt32()));
        Assert.Equal($"p, community_worker, {ApiTestHost.CommunityY}, *, chronic_condition, category, community_service",
            diff.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("kind").GetString() == "added").GetProperty("text").GetString());
        // A published draft is history: it cannot be published twice.
        Assert.Equal("conflict", (await host.ProblemAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/publish", reviewer, HttpStatusCode.Conflict)).Code);
    }

    [Fact]
    public async Task DraftWithErrors_ReportsLineAndColumn_AndCannotBeSubmittedOrPublished()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var author = await host.AuthorTokenAsync();
        var reviewer = await host.ReviewerTokenAsync();
        var v1 = await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions/1", author, HttpStatusCode.OK);
        var text = v1.GetProperty("policyText").GetString()!.TrimEnd('\n') + "\np, community_worker, *, *, hiv_status, exists, community_service\np, grid_worker, *, *, phone, clear, gossip\n";
        var line = text.Split('\n').Length - 1;
        var id = (await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created, new { text })).GetProperty("id").GetInt32();

        var validation = await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/validate", author, HttpStatusCode.OK);

        Assert.False(validation.GetProperty("valid").GetBoolean());
        Assert.Equal(
            [
                $"draft-{id}/policy.csv:{line - 1}:25: L5 field 'hiv_status' under a department wildcard: only its statutory department may be named",
                $"draft-{id}/policy.csv:{line}:37: unknown purpose 'gossip' (not in purposes.csv)",
            ],
            validation.GetProperty("errors").EnumerateArray().Select(e => $"{e.GetProperty("file").GetString()}:{e.GetProperty("line").GetInt32()}:{e.GetProperty("column").GetInt32()}: {e.GetProperty("message").GetString()}"));
        var (code, body) = await host.ProblemAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/submit", author, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("policy_invalid", code);
        Assert.Equal(2, body.GetProperty("errors").GetArrayLength());
        Assert.Equal("conflict", (await host.ProblemAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/approve", reviewer, HttpStatusCode.Conflict)).Code);
        Assert.Equal("conflict", (await host.ProblemAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/publish", reviewer, HttpStatusCode.Conflict)).Code);
        Assert.Equal("policy_invalid", (await host.ProblemAsync(HttpMethod.Get, $"/api/v1/policy/drafts/{id}/impact", author, HttpStatusCode.UnprocessableEntity)).Code);
        var versions = await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions", author, HttpStatusCode.OK);
        Assert.Equal(1, versions.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task DraftWithARoleCycle_IsInvalidAtTheClosingLink_ThoughTheEngineWouldLoadIt()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var author = await host.AuthorTokenAsync();
        var v1 = await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions/1", author, HttpStatusCode.OK);
        // policy.csv says a privacy officer inherits the auditor's rules; this closes the loop.
        var text = v1.GetProperty("policyText").GetString()!.TrimEnd('\n') + "\ng, auditor, privacy_officer\n";
        var line = text.Split('\n').Length - 1;
        var id = (await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created, new { text })).GetProperty("id").GetInt32();

        var validation = await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/validate", author, HttpStatusCode.OK);

        Assert.False(validation.GetProperty("valid").GetBoolean());
        var error = Assert.Single(validation.GetProperty("errors").EnumerateArray());
        Assert.Equal($"draft-{id}/policy.csv", error.GetProperty("file").GetString());
        Assert.Equal(line, error.GetProperty("line").GetInt32());
        Assert.Equal("cycle detected in 'g': privacy_officer -> auditor -> privacy_officer", error.GetProperty("message").GetString());
        Assert.Equal("policy_invalid", (await host.ProblemAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/submit", author, HttpStatusCode.UnprocessableEntity)).Code);
    }

    [Fact]
    public async Task Rollback_IsANewVersionEqualToTheOldOne_AfterReview()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var author = await host.AuthorTokenAsync();
        var reviewer = await host.ReviewerTokenAsync();
        Assert.Equal(2, await host.PublishAsync(PolicyOfficers.Line(UnitRoles.CommunityWorker, "chronic_condition", "exists", "community_service"), author, reviewer));
        Assert.True(await HasFieldAsync(host, resident.Id, worker, "chronic_condition", "exists"));

        var draft = await host.CallAsync(HttpMethod.Post, "/api/v1/policy/versions/1/rollback", reviewer, HttpStatusCode.Created);
        Assert.Equal(1, draft.GetProperty("rollbackOf").GetInt32());
        Assert.Equal(2, draft.GetProperty("baseVersion").GetInt32());
        // Until reviewed and published, nothing changes.
        Assert.True(await HasFieldAsync(host, resident.Id, worker, "chronic_condition", "exists"));
        var version = await host.ReviewAndPublishAsync(draft.GetProperty("id").GetInt32(), reviewer, author);

        Assert.Equal(3, version);
        var v1 = await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions/1", author, HttpStatusCode.OK);
        var v3 = await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions/3", author, HttpStatusCode.OK);
        Assert.Equal(v1.GetProperty("policyText").GetString(), v3.GetProperty("policyText").GetString());
        Assert.Equal(1, v3.GetProperty("version").GetProperty("rolledBackFrom").GetInt32());
        var diff = await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions/1/diff/3", author, HttpStatusCode.OK);
        Assert.Equal((0, 0), (diff.GetProperty("added").GetInt32(), diff.GetProperty("removed").GetInt32()));
        Assert.False(await HasFieldAsync(host, resident.Id, worker, "chronic_condition"));
    }

    [Fact]
    public async Task Access_AuditorReadsVersionsOnly_OtherRolesNothing()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var auditor = await host.TokenAsync(UnitRoles.Auditor, PolicyOfficers.District);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions/1", auditor, HttpStatusCode.OK);
        Assert.Equal("forbidden", (await host.ProblemAsync(HttpMethod.Post, "/api/v1/policy/drafts", auditor, HttpStatusCode.Forbidden, new { text = "" })).Code);
        Assert.Equal("forbidden", (await host.ProblemAsync(HttpMethod.Get, "/api/v1/policy/coverage", auditor, HttpStatusCode.Forbidden)).Code);
        Assert.Equal("forbidden", (await host.ProblemAsync(HttpMethod.Get, "/api/v1/policy/versions", worker, HttpStatusCode.Forbidden)).Code);
    }

    [Fact]
    public async Task ReviewerEditsNothing_AuthorEditsRejectedDraft_BackToDraft()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var author = await host.AuthorTokenAsync();
        var reviewer = await host.ReviewerTokenAsync();
        var id = (await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created,
            PolicyOfficers.Line("grid_worker", "religion", "exists", "grid_patrol"))).GetProperty("id").GetInt32();
        await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/submit", author, HttpStatusCode.OK);

        Assert.Equal("conflict", (await host.ProblemAsync(HttpMethod.Put, $"/api/v1/policy/drafts/{id}", author, HttpStatusCode.Conflict, new { text = "" })).Code);
        var rejected = await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/reject", reviewer, HttpStatusCode.OK, new { note = "religion is not needed on patrol" });
        Assert.Equal("rejected", rejected.GetProperty("status").GetString());
        Assert.Equal("forbidden", (await host.ProblemAsync(HttpMethod.Put, $"/api/v1/policy/drafts/{id}", reviewer, HttpStatusCode.Forbidden, new { text = "" })).Code);
        var edited = await host.CallAsync(HttpMethod.Put, $"/api/v1/policy/drafts/{id}", author, HttpStatusCode.OK, PolicyOfficers.Line("grid_worker", "ethnicity", "exists", "grid_patrol"));

        Assert.Equal("draft", edited.GetProperty("status").GetString());
        Assert.EndsWith("p, grid_worker, *, *, ethnicity, exists, grid_patrol\n", edited.GetProperty("policyText").GetString(), StringComparison.Ordinal);
    }

    private static async Task<bool> HasFieldAsync(ApiTestHost host, string residentId, string token, string field, string? fidelity = null)
    {
        using var response = await host.GetAsync($"/api/v1/residents/{residentId}", token, "community_service");
        var body = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
        if (!body.GetProperty("fields").TryGetProperty(field, out var value))
        {
            return false;
        }
        Assert.Equal(fidelity ?? value.GetProperty("fidelity").GetString(), value.GetProperty("fidelity").GetString());
        return true;
    }
}
