using DataVault.Identity.Units;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DataVault.Identity.Management;

/// <summary>What the demo seeder did.</summary>
public sealed record DemoIdentitySeedReport(bool Refused, int UsersAdded, int ClientsAdded, IReadOnlyList<string> Problems);

/// <summary>
/// Demo users and API clients for the demo territory (Wuhou district 510107 and its streets and
/// communities, as in policies/jurisdictions.csv). Development only: the credentials are public
/// (docs/identity.md lists them), so outside Development it refuses and creates nothing.
/// Idempotent: what exists is left alone.
/// </summary>
public static class DemoIdentitySeeder
{
    /// <summary>The password of every demo officer (documented; Development only).</summary>
    public const string DemoPassword = "datavault-demo-2026";

    /// <summary>The browser client the web pages use (public, PKCE).</summary>
    public const string WebClientId = "datavault-web";

    public static readonly IReadOnlyList<(string UserName, string Role, string Jurisdiction, string? Department, string? Phone)> Users =
    [
        ("analyst.wuhou", UnitRoles.DistrictAnalyst, "510107", null, null),
        ("officer.jiangxijie", UnitRoles.StreetOfficer, "510107001", null, null),
        ("officer.wangjianglu", UnitRoles.StreetOfficer, "510107002", null, null),
        // Street and community of the demo community Y (银杏社区), where the demo residents live.
        ("officer.yulin", UnitRoles.StreetOfficer, "510107004", null, null),
        ("worker.yinxing", UnitRoles.CommunityWorker, "510107004003", null, null),
        ("grid.yinxing.01", UnitRoles.GridWorker, "510107004003-01", null, null),
        ("worker.ximianqiao", UnitRoles.CommunityWorker, "510107001001", null, null),
        ("worker.jinli", UnitRoles.CommunityWorker, "510107001002", null, null),
        ("worker.wangjiang", UnitRoles.CommunityWorker, "510107002001", null, null),
        ("grid.ximianqiao.01", UnitRoles.GridWorker, "510107001001-01", null, null),
        ("case.civil", UnitRoles.Caseworker, "510107", "civil_affairs", null),
        ("case.health", UnitRoles.Caseworker, "510107", "health", null),
        ("case.security", UnitRoles.Caseworker, "510107", "public_security", null),
        ("case.disabled", UnitRoles.Caseworker, "510107", "disabled_federation", null),
        ("case.veterans", UnitRoles.Caseworker, "510107", "veterans", null),
        ("case.justice", UnitRoles.Caseworker, "510107", "justice", null),
        ("privacy.wuhou", UnitRoles.PrivacyOfficer, "510107", null, null),
        ("privacy.wuhou.2", UnitRoles.PrivacyOfficer, "510107", null, null),
        ("auditor.wuhou", UnitRoles.Auditor, "510107", null, null),
        ("resident.13800000001", UnitRoles.Resident, "510107001001", null, "13800000001"),
        ("resident.13800000002", UnitRoles.Resident, "510107001002", null, "13800000002"),
        ("resident.13800000003", UnitRoles.Resident, "510107002001", null, "13800000003"),
    ];

    public static readonly IReadOnlyList<(string ClientId, string Role, string Jurisdiction, string? Department)> Clients =
    [
        ("demo-analyst", UnitRoles.DistrictAnalyst, "510107", null),
        ("demo-street-jiangxijie", UnitRoles.StreetOfficer, "510107001", null),
        ("demo-community-ximianqiao", UnitRoles.CommunityWorker, "510107001001", null),
        ("demo-community-yinxing", UnitRoles.CommunityWorker, "510107004003", null),
        ("demo-street-yulin", UnitRoles.StreetOfficer, "510107004", null),
        ("demo-grid-ximianqiao-01", UnitRoles.GridWorker, "510107001001-01", null),
        ("demo-health", UnitRoles.Caseworker, "510107", "health"),
        ("demo-civil-affairs", UnitRoles.Caseworker, "510107", "civil_affairs"),
        ("demo-justice", UnitRoles.Caseworker, "510107", "justice"),
    ];

    /// <summary>The secret of a demo client (documented; Development only).</summary>
    public static string DemoClientSecret(string clientId) => $"{clientId}-demo-secret-not-for-production";

    public static async Task<DemoIdentitySeedReport> SeedAsync(IServiceProvider services, IEnumerable<Uri>? webRedirectUris = null, CancellationToken cancellationToken = default)
    {
        if (!services.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            return new DemoIdentitySeedReport(true, 0, 0, ["demo identities are created only in Development"]);
        }
        await services.PrepareIdentityStoreAsync(cancellationToken);
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserRegistry>();
        var clients = scope.ServiceProvider.GetRequiredService<ClientRegistry>();
        var problems = new List<string>();
        var usersAdded = 0;
        var clientsAdded = 0;

        var existing = (await users.ListAsync(cancellationToken)).Select(u => u.UserName).ToHashSet(StringComparer.Ordinal);
        foreach (var (userName, role, jurisdiction, department, phone) in Users.Where(u => !existing.Contains(u.UserName)))
        {
            var error = await users.AddAsync(userName, role, jurisdiction, department, phone, DemoPassword);
            if (error is null)
            {
                usersAdded++;
            }
            else
            {
                problems.Add($"{userName}: {error}");
            }
        }

        var existingClients = (await clients.ListApiClientsAsync(cancellationToken)).Select(c => c.ClientId).ToHashSet(StringComparer.Ordinal);
        foreach (var (clientId, role, jurisdiction, department) in Clients.Where(c => !existingClients.Contains(c.ClientId)))
        {
            var error = await clients.AddApiClientAsync(clientId, role, jurisdiction, department, DemoClientSecret(clientId), cancellationToken);
            if (error is null)
            {
                clientsAdded++;
            }
            else
            {
                problems.Add($"{clientId}: {error}");
            }
        }

        var redirects = (webRedirectUris ?? [new Uri("https://localhost:5001/signin-callback"), new Uri("http://localhost:5000/signin-callback")]).ToList();
        var postLogout = redirects.Select(r => new Uri(r, "/")).Distinct().ToList();
        if (await clients.AddBrowserClientAsync(WebClientId, "DataVault web pages", redirects, postLogout, cancellationToken) is null)
        {
            clientsAdded++;
        }
        return new DemoIdentitySeedReport(false, usersAdded, clientsAdded, problems);
    }
}
