using System.Net;
using DataVault.Identity.Units;
using DataVault.Policy;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.PolicyStore;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Tests.Vault.PolicyStore;

/// <summary>The dry run against a resident-by-resident, unit-by-unit, purpose-by-purpose count on a small seed.</summary>
public sealed class PolicyDryRunTests
{
    [Fact]
    public async Task Impact_MixedDraft_MatchesABruteForceCount()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var author = await host.AuthorTokenAsync();
        var v1 = (await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions/1", author, HttpStatusCode.OK)).GetProperty("policyText").GetString()!;
        // Losses (community workers lose contact data), a district-wide gain, and gains scoped to one street and one community.
        var text = string.Join('\n', v1.Split('\n').Where(l => !l.StartsWith("p, community_worker, *, *, cat:contact,", StringComparison.Ordinal)))
            + "\np, grid_worker, *, *, religion, exists, grid_patrol"
            + "\np, street_officer, 510107004, *, chronic_condition, category, community_service"
            + $"\np, caseworker, {ApiTestHost.OtherCommunity}, health, cat:contact, clear, health_services\n";
        var id = (await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created, new { text })).GetProperty("id").GetInt32();

        var impact = await host.CallAsync(HttpMethod.Get, $"/api/v1/policy/drafts/{id}/impact", author, HttpStatusCode.OK);

        var folder = host.Get<DataVaultPolicyFolder>();
        var expected = await BruteForceAsync(host, folder, folder.WithPolicy(v1).LoadEnforcer().Value, folder.WithPolicy(text).LoadEnforcer().Value);
        var actual = impact.GetProperty("changes").EnumerateArray().ToDictionary(
            c => $"{c.GetProperty("role").GetString()}:{c.GetProperty("department").GetString()} {c.GetProperty("purpose").GetString()} {c.GetProperty("field").GetString()} {c.GetProperty("before").GetString()}->{c.GetProperty("after").GetString()}",
            c => (Units: c.GetProperty("units").GetInt32(), Residents: c.GetProperty("residents").GetInt32()));
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), actual.OrderBy(e => e.Key, StringComparer.Ordinal));
        // The draft must exercise both directions and the scopes, or the comparison proves little.
        Assert.Contains(actual.Keys, k => k.StartsWith("community_worker: community_service phone clear->", StringComparison.Ordinal));
        Assert.Contains("street_officer: community_service chronic_condition none->category", actual.Keys);
        Assert.Equal((1, 4), actual["street_officer: community_service chronic_condition none->category"]);
        Assert.Equal(8, impact.GetProperty("residents").GetInt32());
    }

    /// <summary>Every resident row × every unit that can exist × every purpose × every field, asking the enforcer directly.</summary>
    private static async Task<Dictionary<string, (int Units, int Residents)>> BruteForceAsync(ApiTestHost host, DataVaultPolicyFolder folder, Enforcer before, Enforcer after)
    {
        var dbs = host.Get<IDbContextFactory<VaultDbContext>>();
        await using var db = await dbs.CreateDbContextAsync(TestContext.Current.CancellationToken);
        var residents = await db.Set<ResidentRow>().Select(r => r.GridCode ?? r.CommunityCode).ToListAsync(TestContext.Current.CancellationToken);
        var purposes = folder.Purposes.ToList();
        var tally = new Dictionary<string, (HashSet<string> Units, int Residents)>();
        foreach (var (role, heldAt) in folder.RoleLevels)
        {
            var kind = Enum.Parse<JurisdictionKind>(heldAt, ignoreCase: true);
            string?[] departments = folder.DepartmentRoles.Contains(role) ? [.. UnitRoles.Departments] : [null];
            foreach (var unit in folder.Tree.Nodes.Where(n => n.Kind == kind))
            {
                foreach (var department in departments)
                {
                    foreach (var resident in residents)
                    {
                        foreach (var purpose in purposes)
                        {
                            foreach (var field in folder.Schema.Fields)
                            {
                                var was = PolicyImpactCalculator.Highest(before, role, unit.Code, department ?? "", resident, field, purpose);
                                var now = PolicyImpactCalculator.Highest(after, role, unit.Code, department ?? "", resident, field, purpose);
                                if (was == now)
                                {
                                    continue;
                                }
                                var key = $"{role}:{department} {purpose} {field.Key} {Name(was)}->{Name(now)}";
                                var entry = tally.TryGetValue(key, out var found) ? found : (Units: new HashSet<string>(StringComparer.Ordinal), Residents: 0);
                                entry.Units.Add(unit.Code + department);
                                tally[key] = (entry.Units, entry.Residents + 1);
                            }
                        }
                    }
                }
            }
        }
        return tally.ToDictionary(t => t.Key, t => (t.Value.Units.Count, t.Value.Residents));
    }

    private static string Name(DataVault.Vault.Views.Fidelity fidelity) => fidelity.ToString().ToLowerInvariant();
}
