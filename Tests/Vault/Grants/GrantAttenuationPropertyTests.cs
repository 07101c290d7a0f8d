using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Api;
using DataVault.Vault.Grants;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;
using Microsoft.Extensions.DependencyInjection;
using static DataVault.Tests.Vault.Grants.GrantsKit;

namespace DataVault.Tests.Vault.Grants;

/// <summary>
/// The attenuation property (issue 5, "Must show"): random chains of grants across units, fields,
/// fidelities, purposes and windows, some revoked, through the real API. Every request is checked
/// against an independent statement of the rules (accepted exactly when it should be), and then no
/// accepted chain ever yields a fidelity above what its root grantor's policy gives for that field
/// and resident, nor above any link, nor outside any link's territory, also after the policy is
/// narrowed under the chains.
/// </summary>
public sealed class GrantAttenuationPropertyTests
{
    private static readonly GrantUnit[] Units =
    [
        new(UnitRoles.Caseworker, District, "civil_affairs"),
        new(UnitRoles.Caseworker, District, "health"),
        new(UnitRoles.StreetOfficer, StreetOfY, null),
        new(UnitRoles.CommunityWorker, ApiTestHost.CommunityY, null),
        new(UnitRoles.GridWorker, GridOfY, null),
        new(UnitRoles.StreetOfficer, "510107001", null),
        new(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity, null),
        new(UnitRoles.DistrictAnalyst, District, null),
    ];

    private static readonly string[] FieldPool =
        ["dibao", "elderly_living_alone", "disability_status", "disability_grade", "phone", "name", "id_number", "address", "chronic_condition", "health_notes", "household_size", "hiv_status"];

    private static readonly string[] Purposes = ["subsidy_eligibility", "elderly_care", "health_services", "community_service"];

    private static readonly Fidelity[] Levels = [Fidelity.Exists, Fidelity.Category, Fidelity.Masked, Fidelity.Clear];

    private sealed record Issued(string Id, string? Parent, GrantUnit Grantor, GrantUnit Grantee, string[] Fields, Fidelity Max, string Purpose, DateTimeOffset Until);

    [Theory]
    [InlineData(20261122)]
    [InlineData(7)]
    public async Task RandomChains_NeverExceedTheirRoot_AcceptedExactlyWhenTheRulesSay(int seed)
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 30);
        var random = new Random(seed);
        var decider = host.Get<ViewDecider>();
        var schema = host.Get<ResidentSchema>();
        var tokens = new Dictionary<GrantUnit, string>();
        foreach (var unit in Units)
        {
            tokens[unit] = await host.TokenAsync(unit.Role, unit.Jurisdiction, unit.Department);
        }
        var issued = new List<Issued>();
        var revoked = new HashSet<string>();
        int accepted = 0, refused = 0;
        var now = DateTimeOffset.UtcNow;

        for (var step = 0; step < 120; step++)
        {
            // Half the time a unit that received grants, so chains grow.
            var holders = issued.Where(g => !revoked.Contains(g.Id)).Select(g => g.Grantee).Distinct().Where(u => Units.Any(b => b != u && b.Jurisdiction.StartsWith(u.Jurisdiction, StringComparison.Ordinal))).ToList();
            var grantor = holders.Count > 0 && random.NextDouble() < 0.6 ? holders[random.Next(holders.Count)] : Units[random.Next(Units.Length)];
            var received = issued.Where(g => g.Grantee == grantor).ToList();
            var parent = received.Count > 0 && random.NextDouble() < 0.85 ? received[random.Next(received.Count)] : null;
            // Mostly downward; sometimes anywhere, the grantor's own unit included, to be refused.
            var below = Units.Where(u => u != grantor && u.Jurisdiction.StartsWith(grantor.Jurisdiction, StringComparison.Ordinal)).ToList();
            var grantee = below.Count > 0 && random.NextDouble() < 0.85 ? below[random.Next(below.Count)] : Units[random.Next(Units.Length)];
            var purpose = parent is not null && random.NextDouble() < 0.85 ? parent.Purpose : Purposes[random.Next(Purposes.Length)];
            var parentChain = parent is null ? [] : ChainOf(issued, parent);
            string[] fields;
            Fidelity max;
            var holds = Holds(decider, schema, grantor, grantee, purpose, parentChain);
            if (holds.Count > 0 && random.NextDouble() < 0.6)
            {
                // Within what the grantor holds (as the rules compute it): these should be accepted
                // unless the window or territory says otherwise.
                fields = [.. holds.Keys.OrderBy(_ => random.Next()).Take(random.Next(1, Math.Min(3, holds.Count) + 1))];
                var ceiling = fields.Min(f => holds[f]);
                max = Levels[random.Next(Array.IndexOf(Levels, ceiling) + 1)];
            }
            else
            {
                fields = (parent is not null && random.NextDouble() < 0.5
                        ? parent.Fields.OrderBy(_ => random.Next()).Take(random.Next(1, parent.Fields.Length + 1))
                        : FieldPool.OrderBy(_ => random.Next()).Take(random.Next(1, 4)))
                    .ToArray();
                max = Levels[random.Next(Levels.Length)];
            }
            var until = parent is not null && random.NextDouble() < 0.8
                ? now.AddHours(random.Next(1, (int)(parent.Until - now).TotalHours + 1))
                : now.AddHours(random.Next(1, 24 * 60));

            var expected = Expected(decider, schema, grantor, grantee, fields, max, purpose, until, parentChain, revoked);
            using var response = await host.PostAsync("/api/v1/grants", tokens[grantor],
                Grant(grantee.Role, grantee.Jurisdiction, fields, max.Name(), purpose, until, grantee.Department, parent?.Id));
            var body = await BodyAsync(response);
            var what = $"seed {seed} step {step}: {grantor.Unit} -> {grantee.Unit} [{string.Join(' ', fields)}] {max.Name()} {purpose} parent {parent?.Id ?? "-"}: {(int)response.StatusCode} {body}";
            Assert.True(expected == (response.StatusCode == HttpStatusCode.Created), (expected ? "should have been accepted: " : "should have been refused: ") + what);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                accepted++;
                var id = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
                issued.Add(new Issued(id, parent?.Id, grantor, grantee, fields, max, purpose, until));
            }
            else
            {
                refused++;
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Equal("grant_exceeds_grantor", await ApiTestHost.ProblemCodeAsync(response));
            }
            // Now and then a grantor takes a grant back: its whole subtree stops.
            if (issued.Count > 3 && random.NextDouble() < 0.08)
            {
                var victim = issued[random.Next(issued.Count)];
                using var revoke = await host.PostAsync($"/api/v1/grants/{victim.Id}/revoke", tokens[victim.Grantor], null);
                Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
                foreach (var g in issued.Where(g => ChainOf(issued, g).Any(link => link.Id == victim.Id)))
                {
                    revoked.Add(g.Id);
                }
            }
        }
        Assert.True(accepted >= 8 && refused >= 8, $"a property test needs both outcomes: {accepted} accepted, {refused} refused");
        Assert.Contains(issued, g => g.Parent is not null && issued.Any(c => c.Parent == g.Id)); // chains of three exist

        var residents = (await host.StoredResidentsAsync()).ToList();
        var before = await CheckPropertyAsync(host, issued, revoked, residents);
        Assert.True(before > 0, "the accepted chains must yield some rights, or the property is vacuous");

        // Narrow the policy under the chains: the departments lose their rules, and every role its identity and contact rules.
        var runtime = host.Get<PolicyRuntime>();
        var current = runtime.Current;
        var narrowed = string.Join('\n', current.PolicyText.Split('\n')
            .Where(l => !(l.StartsWith("p,", StringComparison.Ordinal) && (l.Contains("caseworker") || l.Contains("cat:identity") || l.Contains("cat:contact")))));
        Assert.True(runtime.Publish("test-narrowed", current.ModelText, narrowed, DateTimeOffset.UtcNow).IsSuccess);
        var after = await CheckPropertyAsync(host, issued, revoked, residents);
        Assert.True(after < before, $"narrowing the roots' policy must take rights away from their chains ({before} -> {after})");
    }

    /// <summary>Asserts the property for every grantee unit, resident and purpose; returns the sum of the fidelities the grants yielded.</summary>
    private static async Task<int> CheckPropertyAsync(ApiTestHost host, List<Issued> issued, HashSet<string> revoked, IReadOnlyList<DataVault.Vault.Residents.StoredResident> residents)
    {
        var rights = host.Services.GetServices<IAccessExtension>().OfType<GrantRights>().Single();
        var decider = host.Get<ViewDecider>();
        var schema = host.Get<ResidentSchema>();
        var purposes = host.Get<PurposeCatalog>();
        var now = DateTimeOffset.UtcNow;
        var count = 0;
        foreach (var unit in issued.Select(g => g.Grantee).Distinct())
        {
            var caller = new CallerContext("property", "client", unit.Role, unit.Jurisdiction, unit.Department, unit.Unit);
            foreach (var purpose in Purposes)
            {
                foreach (var resident in residents)
                {
                    var location = DataVault.Vault.Views.ResidentViews.LocationOf(resident);
                    foreach (var right in await rights.RightsAsync(caller, purposes.Find(purpose)!, location, now, TestContext.Current.CancellationToken))
                    {
                        count += (int)right.Fidelity;
                        var chain = right.Chain.Select(id => issued.Single(g => g.Id == id)).ToList();
                        var root = chain[0];
                        var rootCaller = new CallerContext("root", "client", root.Grantor.Role, root.Grantor.Jurisdiction, root.Grantor.Department, root.Grantor.Unit);
                        var rootHolds = decider.Decide(decider.Snapshot, rootCaller, purpose, location.Jurisdiction).Fidelities[IndexOf(schema, right.FieldKey)];
                        var what = $"{unit.Unit} {purpose} {right.FieldKey}={right.Fidelity.Name()} via {string.Join('>', right.Chain)}";
                        Assert.True(right.Fidelity <= rootHolds, $"exceeds the root's policy ({rootHolds.Name()}): {what}");
                        Assert.All(chain, link => Assert.True(link.Fields.Contains(right.FieldKey) && right.Fidelity <= link.Max, $"exceeds link {link.Id}: {what}"));
                        Assert.All(chain, link => Assert.True(location.Jurisdiction.StartsWith(link.Grantee.Jurisdiction, StringComparison.Ordinal), $"outside link {link.Id}'s territory: {what}"));
                        Assert.All(chain, link => Assert.DoesNotContain(link.Id, revoked));
                        Assert.All(chain, link => Assert.Equal(purpose, link.Purpose));
                        Assert.Equal(unit, chain[^1].Grantee);
                        Assert.NotEqual(SensitivityLevel.L5, schema[right.FieldKey].Level);
                    }
                }
            }
        }
        return count;
    }

    /// <summary>The rules of DESIGN.md "Grants" restated on their own, to predict each answer.</summary>
    private static bool Expected(ViewDecider decider, ResidentSchema schema, GrantUnit grantor, GrantUnit grantee, string[] fields, Fidelity max, string purpose, DateTimeOffset until, List<Issued> parentChain, HashSet<string> revoked)
    {
        if (grantee == grantor || !grantee.Jurisdiction.StartsWith(grantor.Jurisdiction, StringComparison.Ordinal))
        {
            return false;
        }
        if (fields.Any(f => schema[f].Level == SensitivityLevel.L5))
        {
            return false;
        }
        var root = parentChain.Count > 0 ? parentChain[0].Grantor : grantor;
        var rootCaller = new CallerContext("root", "client", root.Role, root.Jurisdiction, root.Department, root.Unit);
        var policy = decider.Decide(decider.Snapshot, rootCaller, parentChain.Count > 0 ? parentChain[0].Purpose : purpose, grantee.Jurisdiction).Fidelities;
        if (parentChain.Count > 0)
        {
            var parent = parentChain[^1];
            if (parent.Purpose != purpose || until > parent.Until || parentChain.Any(g => revoked.Contains(g.Id)))
            {
                return false;
            }
            // The parent chain must reach the grantee's territory (every link's grantee contains it).
            if (parentChain.Any(link => !grantee.Jurisdiction.StartsWith(link.Grantee.Jurisdiction, StringComparison.Ordinal)))
            {
                return false;
            }
        }
        foreach (var field in fields)
        {
            var held = policy[IndexOf(schema, field)];
            foreach (var link in parentChain)
            {
                var linkHolds = link.Fields.Contains(field) ? link.Max : Fidelity.None;
                held = linkHolds < held ? linkHolds : held;
            }
            if (max > held)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The pool fields the grantor holds for a purpose over the grantee's territory (policy for a root, the chain for a child), above none.</summary>
    private static Dictionary<string, Fidelity> Holds(ViewDecider decider, ResidentSchema schema, GrantUnit grantor, GrantUnit grantee, string purpose, List<Issued> parentChain)
    {
        var root = parentChain.Count > 0 ? parentChain[0].Grantor : grantor;
        var rootCaller = new CallerContext("root", "client", root.Role, root.Jurisdiction, root.Department, root.Unit);
        var policy = decider.Decide(decider.Snapshot, rootCaller, purpose, grantee.Jurisdiction).Fidelities;
        var holds = new Dictionary<string, Fidelity>();
        foreach (var field in FieldPool.Where(f => schema[f].Level != SensitivityLevel.L5))
        {
            var held = policy[IndexOf(schema, field)];
            foreach (var link in parentChain)
            {
                var linkHolds = link.Fields.Contains(field) ? link.Max : Fidelity.None;
                held = linkHolds < held ? linkHolds : held;
            }
            if (held > Fidelity.None)
            {
                holds[field] = held;
            }
        }
        return holds;
    }

    private static List<Issued> ChainOf(List<Issued> issued, Issued leaf)
    {
        var chain = new List<Issued> { leaf };
        while (chain[^1].Parent is { } parent)
        {
            chain.Add(issued.Single(g => g.Id == parent));
        }
        chain.Reverse();
        return chain;
    }

    private static int IndexOf(ResidentSchema schema, string key) => schema.Fields.Select((f, i) => (f, i)).First(p => p.f.Key == key).i;
}
