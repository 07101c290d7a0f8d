using System.Net;
using System.Text.Json;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Storage;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DataVault.Tests.Vault.Grants;

/// <summary>Intent methods for grant and break-glass tests, over the shared <see cref="ApiTestHost"/>.</summary>
internal static class GrantsKit
{
    public const string District = "510107";
    public const string StreetOfY = "510107004";
    public const string GridOfY = ApiTestHost.CommunityY + "-01";

    /// <summary>A host whose clock the test moves. Starts at the real time, so tokens are issued and checked on one clock.</summary>
    public static async Task<(ApiTestHost Host, FakeTimeProvider Clock)> StartWithClockAsync(int perCommunity = 20)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var host = await ApiTestHost.StartAsync(perCommunity, b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        return (host, clock);
    }

    public static object Grant(
        string granteeRole, string granteeJurisdiction, IReadOnlyList<string> fields, string fidelity, string purpose,
        DateTimeOffset until, string? granteeDepartment = null, string? parentId = null, DateTimeOffset? from = null) => new
        {
            parentId,
            granteeRole,
            granteeJurisdiction,
            granteeDepartment,
            fields,
            maxFidelity = fidelity,
            purpose,
            legalBasis = "PIPL art. 13(1)3; Interim Measures for Social Assistance, art. 11",
            validFrom = from,
            validUntil = until,
        };

    public static Task<HttpResponseMessage> PostAsync(this ApiTestHost host, string path, string token, object? body) =>
        host.SendAsync(HttpMethod.Post, path, token, null, body ?? new { });

    /// <summary>Issues a grant that must be accepted; returns its id.</summary>
    public static async Task<string> GrantOkAsync(this ApiTestHost host, string token, object body)
    {
        using var response = await host.PostAsync("/api/v1/grants", token, body);
        var json = await ApiTestHost.JsonAsync(response, HttpStatusCode.Created);
        return json.GetProperty("id").GetString()!;
    }

    /// <summary>A resident as the caller sees it for a purpose (asserting 200).</summary>
    public static async Task<JsonElement> ReadAsync(this ApiTestHost host, string token, string residentId, string purpose)
    {
        using var response = await host.GetAsync($"/api/v1/residents/{residentId}", token, purpose);
        return await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The fidelity a read served for a field, or null when the field is absent.</summary>
    public static string? Served(JsonElement view, string field) =>
        view.GetProperty("fields").TryGetProperty(field, out var f) ? f.GetProperty("fidelity").GetString() : null;

    public static IReadOnlyList<string> Chain(JsonElement view) =>
        [.. view.GetProperty("grantChain").EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The stored access-log entries about a resident, oldest first.</summary>
    public static async Task<IReadOnlyList<AccessLogRow>> LogOfAsync(this ApiTestHost host, string residentId)
    {
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await db.Set<AccessLogRow>().AsNoTracking().Where(r => r.ResidentId == residentId).OrderBy(r => r.Index).ToListAsync(TestContext.Current.CancellationToken);
    }

    public static async Task<string> BodyAsync(HttpResponseMessage response) =>
        await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
}
