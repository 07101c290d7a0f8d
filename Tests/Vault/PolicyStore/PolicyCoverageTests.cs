using System.Net;
using System.Text.Json;
using DataVault.Tests.Vault.Api;

namespace DataVault.Tests.Vault.PolicyStore;

/// <summary>Coverage: every role × L4/L5 field has an explicit decision, or is listed as a gap.</summary>
public sealed class PolicyCoverageTests
{
    [Fact]
    public async Task Coverage_ShippedPolicy_ListsKnownGapsAndExplicitDecisions()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var author = await host.AuthorTokenAsync();

        var coverage = await host.CallAsync(HttpMethod.Get, "/api/v1/policy/coverage", author, HttpStatusCode.OK);

        // No line names HIV status for a community worker: a gap. Health caseworkers hold an explicit line for it.
        Assert.Equal("undecided", Entry(coverage.GetProperty("gaps"), "community_worker", null, "hiv_status").GetProperty("status").GetString());
        var health = Entry(coverage.GetProperty("entries"), "caseworker", "health", "hiv_status");
        Assert.Equal("explicit", health.GetProperty("status").GetString());
        Assert.NotEmpty(health.GetProperty("lines").EnumerateArray());
        // Civil affairs reaches dibao through owner:civil_affairs only: decided, but not explicitly.
        Assert.Equal("implicit", Entry(coverage.GetProperty("gaps"), "caseworker", "civil_affairs", "elderly_living_alone").GetProperty("status").GetString());
        Assert.Equal(coverage.GetProperty("pairs").GetInt32(), coverage.GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task Coverage_DraftWithANoneLine_ClosesTheGapAsExplicitlyDenied()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var author = await host.AuthorTokenAsync();
        var id = (await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created,
            PolicyOfficers.Line("community_worker", "hiv_status", "none", "community_service"))).GetProperty("id").GetInt32();
        var validation = await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/validate", author, HttpStatusCode.OK);
        Assert.True(validation.GetProperty("valid").GetBoolean(), validation.ToString());

        var coverage = await host.CallAsync(HttpMethod.Get, $"/api/v1/policy/coverage?draft={id}", author, HttpStatusCode.OK);

        Assert.Equal("explicitly_denied", Entry(coverage.GetProperty("entries"), "community_worker", null, "hiv_status").GetProperty("status").GetString());
        Assert.DoesNotContain(coverage.GetProperty("gaps").EnumerateArray(), e => e.GetProperty("role").GetString() == "community_worker" && e.GetProperty("field").GetString() == "hiv_status");
    }

    private static JsonElement Entry(JsonElement list, string role, string? department, string field) =>
        list.EnumerateArray().Single(e => e.GetProperty("role").GetString() == role
            && (e.GetProperty("department").ValueKind == JsonValueKind.Null ? null : e.GetProperty("department").GetString()) == department
            && e.GetProperty("field").GetString() == field);
}
