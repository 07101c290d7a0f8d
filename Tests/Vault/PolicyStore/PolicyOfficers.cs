using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;

namespace DataVault.Tests.Vault.PolicyStore;

/// <summary>Intent helpers for the policy API on <see cref="ApiTestHost"/>: two distinct privacy officers (four eyes) and JSON calls.</summary>
internal static class PolicyOfficers
{
    public const string District = "510107";

    /// <summary>The first privacy officer (an API client created by <see cref="ApiTestHost.TokenAsync"/>).</summary>
    public static Task<string> AuthorTokenAsync(this ApiTestHost host) => host.TokenAsync(UnitRoles.PrivacyOfficer, District);

    /// <summary>A second privacy officer: another API client holding the same unit.</summary>
    public static async Task<string> ReviewerTokenAsync(this ApiTestHost host)
    {
        const string clientId = "t-privacy-officer-reviewer";
        var secret = await host.Host.AddApiClientAsync(clientId, UnitRoles.PrivacyOfficer, District);
        return await host.Host.ClientTokenAsync(clientId, secret);
    }

    public static async Task<JsonElement> CallAsync(this ApiTestHost host, HttpMethod method, string path, string token, HttpStatusCode expected, object? body = null)
    {
        using var response = await host.SendAsync(method, path, token, purpose: null, body);
        return await ApiTestHost.JsonAsync(response, expected);
    }

    /// <summary>The problem code of a call expected to fail with <paramref name="expected"/>, and its body.</summary>
    public static async Task<(string? Code, JsonElement Body)> ProblemAsync(this ApiTestHost host, HttpMethod method, string path, string token, HttpStatusCode expected, object? body = null)
    {
        using var response = await host.SendAsync(method, path, token, purpose: null, body);
        var json = await ApiTestHost.JsonAsync(response, expected);
        return (json.TryGetProperty("code", out var code) ? code.GetString() : null, json);
    }

    /// <summary>Creates a draft from a body, submits it as the author, approves it as the reviewer and publishes it; returns the new version number.</summary>
    public static async Task<int> PublishAsync(this ApiTestHost host, object draft, string author, string reviewer)
    {
        var id = (await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created, draft)).GetProperty("id").GetInt32();
        return await host.ReviewAndPublishAsync(id, author, reviewer);
    }

    public static async Task<int> ReviewAndPublishAsync(this ApiTestHost host, int draftId, string author, string reviewer)
    {
        await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{draftId}/submit", author, HttpStatusCode.OK);
        await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{draftId}/approve", reviewer, HttpStatusCode.OK);
        var published = await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{draftId}/publish", author, HttpStatusCode.OK);
        return published.GetProperty("version").GetProperty("number").GetInt32();
    }

    /// <summary>A form-built line, as the console's form sends it.</summary>
    public static object Line(string role, string field, string fidelity, string purpose, string? jurisdiction = null, string? department = null) =>
        new { line = new { role, jurisdiction, department, field, fidelity, purpose } };
}
