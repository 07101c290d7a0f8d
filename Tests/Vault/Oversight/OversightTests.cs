using System.Net;
using DataVault.Identity.Units;
using DataVault.Policy;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Api;
using DataVault.Vault.Grants;
using DataVault.Vault.Oversight;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;
using static DataVault.Tests.Vault.Grants.GrantsKit;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.Oversight;

/// <summary>
/// Oversight (issue 16, items 2 and 3): an explanation names the lines a decision rests on, and the
/// reverse queries agree with the resolver — the code every read goes through — on every
/// (unit, field, resident, purpose) of a matrix: every unit that can exist, every field, every
/// purpose, residents of two communities of two streets (with and without grids), with the demo
/// grants in force so grant-raised rights are in the matrix too.
/// </summary>
public sealed class OversightTests
{
    [Fact]
    public async Task ExplainAndReverseQueries_AgreeWithTheResolver_OnEveryPairOfTheMatrix()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 6);
        var ct = TestContext.Current.CancellationToken;
        Assert.Empty((await host.Get<DemoGrants>().SeedAsync(ct)).Refused);
        var stored = await host.StoredResidentsAsync();
        // One resident per residence jurisdiction (a grid, or a community for a grid-less resident), both communities.
        var residents = stored.Select(ResidentViews.LocationOf).GroupBy(l => l.Jurisdiction).Select(g => g.First()).ToList();
        Assert.Contains(residents, r => r.CommunityCode == ApiTestHost.CommunityY);
        Assert.Contains(residents, r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var resolver = host.Get<AccessResolver>();
        var reverse = host.Get<ReverseQueries>();
        var explainer = host.Get<DecisionExplainer>();
        var folder = host.Get<DataVaultPolicyFolder>();
        var purposes = host.Get<PurposeCatalog>().All.ToList();
        var fields = host.Get<ResidentSchema>().Fields;
        // Rules scoped to a street's community, a grid and a community, so decisions differ inside a reach.
        var running = host.Get<ViewDecider>().Snapshot;
        var scoped = $"\np, street_officer, {ApiTestHost.CommunityY}, *, cat:health, category, community_service" +
            $"\np, district_analyst, {GridOfY}, *, cat:contact, masked, statistics" +
            $"\np, community_worker, {ApiTestHost.OtherCommunity}, *, cat:employment, clear, elderly_care\n";
        Assert.True(host.Get<PolicyRuntime>().Publish("v-scoped", running.ModelText, running.PolicyText + scoped, DateTimeOffset.UtcNow).IsSuccess);
        var snapshot = host.Get<ViewDecider>().Snapshot;
        Assert.Equal("v-scoped", snapshot.Version);
        var units = folder.Units().Select(u => new CallerContext("", "user", u.Role, u.Jurisdiction, u.Department, UnitRoles.UnitName(u.Role, u.Jurisdiction, u.Department))).ToList();

        var whoCanSee = new Dictionary<(string Field, string Resident), WhoCanSeeAnswer>();
        foreach (var resident in residents)
        {
            foreach (var field in fields)
            {
                whoCanSee[(field.Key, resident.ResidentId)] = await reverse.WhoCanSeeAsync(field, [resident.Jurisdiction], resident, resident.Jurisdiction, ct);
            }
        }
        var whatCan = new Dictionary<string, WhatCanAnswer>(StringComparer.Ordinal);
        foreach (var unit in units)
        {
            whatCan[unit.Unit] = await reverse.WhatCanAsync(unit, ct);
        }

        var pairs = 0;
        var held = 0;
        var byGrant = 0;
        var deciding = new Dictionary<int, Enforcer>();
        foreach (var resident in residents)
        {
            foreach (var unit in units)
            {
                foreach (var purpose in purposes)
                {
                    var access = await resolver.ResolveAsync(unit, purpose, resident, ct);
                    foreach (var field in fields)
                    {
                        pairs++;
                        var expected = access.Find(field.Key);
                        var expectedHeld = expected?.Held ?? Fidelity.None;
                        var where = $"{unit.Unit} {field.Key} {purpose.Code} resident in {resident.Jurisdiction}";

                        // Who can see: the unit is listed for this purpose exactly when it holds, at what it holds.
                        var viewer = whoCanSee[(field.Key, resident.ResidentId)].Viewers.SingleOrDefault(v => v.Unit == unit.Unit && v.Purpose == purpose.Code);
                        Assert.True(Parse(viewer?.Held) == expectedHeld, $"who-can-see {where}: {viewer?.Held ?? "absent"}, resolver {expectedHeld.Name()}");
                        // What can: the unit's reach lists the field for this purpose over the resident's jurisdiction, at what it holds.
                        var reach = whatCan[unit.Unit].Reach.Where(r => r.Field == field.Key && r.Purpose == purpose.Code && Covers(folder, r, resident.Jurisdiction)).ToList();
                        Assert.True(reach.Count <= 1, $"what-can {where}: {reach.Count} rows cover the resident");
                        Assert.True(Parse(reach.SingleOrDefault()?.Held) == expectedHeld, $"what-can {where}: {reach.SingleOrDefault()?.Held ?? "absent"}, resolver {expectedHeld.Name()}");
                        if (expected is not null)
                        {
                            held++;
                            Assert.Equal(expected.Served.Name(), viewer!.Served);
                            Assert.Equal(expected.Served.Name(), reach.Single().Served);
                        }
                        if (expected?.Source == RightSource.Grant)
                        {
                            byGrant++;
                            Assert.Equal("grant", viewer!.Source);
                            Assert.Equal(access.GrantChain, viewer.Chain);
                        }

                        // Explain: only where the unit reaches (elsewhere every answer is the same "out of reach").
                        if (!DataVault.Vault.ResidentApi.ResidentScope.IsWithin(folder.Tree, resident.Jurisdiction, unit.Jurisdiction) && expected?.Source != RightSource.Grant)
                        {
                            continue;
                        }
                        var explanation = await explainer.ExplainAsync(unit, purpose, resident, field, ct);
                        Assert.Equal(expectedHeld.Name(), explanation.Held);
                        Assert.Equal((expected?.Served ?? Fidelity.None).Name(), explanation.Served);
                        Assert.Equal(snapshot.Version, explanation.PolicyVersion);
                        var policyHeld = Parse(explanation.PolicyFidelity);
                        if (policyHeld == Fidelity.None)
                        {
                            Assert.DoesNotContain(explanation.Rules, r => r.Deciding);
                            Assert.True(expected?.Source == RightSource.Grant || explanation.Notes.Count > 0, $"explain {where}: a refusal without a note");
                            continue;
                        }
                        // The deciding line alone (with the role, jurisdiction and field links) gives the same right.
                        var line = Assert.Single(explanation.Rules, r => r.Deciding);
                        Assert.Equal(policyHeld.Name(), line.Fidelity);
                        Assert.All(explanation.Rules, r => Assert.True(Parse(r.Fidelity) <= policyHeld));
                        if (!deciding.TryGetValue(line.Line, out var alone))
                        {
                            deciding[line.Line] = alone = OnlyRule(snapshot, line.Line);
                        }
                        var key = new ViewKey(unit.Role, unit.Jurisdiction, unit.Department ?? "", resident.Jurisdiction, purpose.Code);
                        Assert.True(ViewDecider.Highest(alone, key, field) == policyHeld, $"explain {where}: line {line.Line} alone does not give {policyHeld.Name()}");
                    }
                }
            }
        }
        // The matrix is not vacuous: it holds rights of every kind.
        Assert.True(pairs > 50_000, $"only {pairs} pairs");
        Assert.True(held > 1_000, $"only {held} held pairs");
        Assert.True(byGrant > 0, "no grant-raised pair in the matrix");
        Assert.True(deciding.Count > 20, $"only {deciding.Count} distinct deciding lines");
        var scopedLines = snapshot.PolicyText.Split('\n').Length - 3;
        Assert.True(deciding.Keys.Count(l => l >= scopedLines - 1) >= 2, "the scoped lines decided nothing");
    }

    [Fact]
    public async Task Explain_OverTheApi_NamesTheLines_LogsTheResidentLookup_AndRefusesOthers()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var officer = await host.TokenAsync(UnitRoles.PrivacyOfficer, District);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var query = $"role=community_worker&jurisdiction={ApiTestHost.CommunityY}&field=id_number&purpose=elderly_care";

        using var response = await host.GetAsync($"/api/v1/oversight/explain?{query}&resident={resident.Id}", officer, null);
        var json = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);

        Assert.Equal("masked", json.GetProperty("held").GetString());
        Assert.Equal("masked", json.GetProperty("served").GetString());
        Assert.Equal("policy", json.GetProperty("source").GetString());
        var rule = json.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("deciding").GetBoolean());
        Assert.Equal("policy.csv", rule.GetProperty("file").GetString());
        Assert.Equal("p, community_worker, *, *, cat:identity, masked, elderly_care", rule.GetProperty("text").GetString());
        Assert.Equal(LineOf("p, community_worker, *, *, cat:identity, masked, elderly_care"), rule.GetProperty("line").GetInt32());
        Assert.Contains(rule.GetProperty("via").EnumerateArray(), v => v.GetString()!.Contains("cat:identity", StringComparison.Ordinal));
        // Where the resident lives was read, so the resident's log says who looked, and nothing else was served.
        var logged = json.GetProperty("log").GetProperty("index").GetInt64();
        var entry = Assert.Single(await host.LogRowsAsync(), r => r.ResidentId == resident.Id && r.Action == "explain");
        Assert.Equal(logged, entry.Index);
        Assert.Equal(UnitRoles.UnitName(UnitRoles.PrivacyOfficer, District, null), entry.ActorUnit);
        Assert.DoesNotContain("id_number", entry.Fields, StringComparison.Ordinal);

        // Refused: a non-officer; a unit or residence outside the officer's district; unknown field; both or neither target.
        using var byWorker = await host.GetAsync($"/api/v1/oversight/explain?{query}&resident={resident.Id}", worker, null);
        Assert.Equal("forbidden", await ApiTestHost.ProblemCodeAsync(byWorker));
        foreach (var bad in new[]
        {
            $"role=community_worker&jurisdiction=510108001001&field=id_number&purpose=elderly_care&residentJurisdiction={ApiTestHost.CommunityY}",
            $"{query}&residentJurisdiction=510107004",
            $"{query}&resident={resident.Id}&residentJurisdiction={ApiTestHost.CommunityY}",
            query,
            $"role=community_worker&jurisdiction={ApiTestHost.CommunityY}&field=no_such&purpose=elderly_care&residentJurisdiction={ApiTestHost.CommunityY}",
        })
        {
            using var refused = await host.GetAsync($"/api/v1/oversight/explain?{bad}", officer, null);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(refused));
        }
        using var unknown = await host.GetAsync($"/api/v1/oversight/explain?{query}&resident=R-NOPE", officer, null);
        Assert.Equal("not_found", await ApiTestHost.ProblemCodeAsync(unknown));

        // Out of reach: none, with the reason.
        using var far = await host.GetAsync($"/api/v1/oversight/explain?{query}&residentJurisdiction={ApiTestHost.OtherCommunity}", officer, null);
        var refusal = await ApiTestHost.JsonAsync(far, HttpStatusCode.OK);
        Assert.Equal("none", refusal.GetProperty("held").GetString());
        Assert.Equal(["out_of_reach"], refusal.GetProperty("notes").EnumerateArray().Select(n => n.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task WhoCanSee_AndWhatCan_OverTheApi_NameUnitsRulesAndJurisdictions()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var ct = TestContext.Current.CancellationToken;
        Assert.Empty((await host.Get<DemoGrants>().SeedAsync(ct)).Refused);
        var auditor = await host.TokenAsync(UnitRoles.Auditor, District);

        using var who = await host.GetAsync($"/api/v1/oversight/who-can-see?field=dibao&jurisdiction={ApiTestHost.CommunityY}", auditor, null);
        var viewers = (await ApiTestHost.JsonAsync(who, HttpStatusCode.OK)).GetProperty("viewers").EnumerateArray().ToList();
        // Civil affairs owns dibao and writes it for subsidy eligibility; the demo grant lets community Y's workers read it.
        var owner = viewers.Single(v => v.GetProperty("unit").GetString() == $"caseworker:civil_affairs@{District}" && v.GetProperty("purpose").GetString() == "subsidy_eligibility");
        Assert.Equal("write", owner.GetProperty("held").GetString());
        Assert.StartsWith("policy.csv:", owner.GetProperty("rule").GetString(), StringComparison.Ordinal);
        var granted = viewers.Single(v => v.GetProperty("unit").GetString() == $"community_worker@{ApiTestHost.CommunityY}" && v.GetProperty("purpose").GetString() == "subsidy_eligibility");
        Assert.Equal("grant", granted.GetProperty("source").GetString());
        Assert.NotEmpty(granted.GetProperty("chain").EnumerateArray());
        Assert.DoesNotContain(viewers, v => v.GetProperty("unit").GetString()!.StartsWith("grid_worker", StringComparison.Ordinal));

        using var what = await host.GetAsync($"/api/v1/oversight/what-can?role=grid_worker&jurisdiction={GridOfY}", auditor, null);
        var reach = (await ApiTestHost.JsonAsync(what, HttpStatusCode.OK)).GetProperty("reach").EnumerateArray().ToList();
        var phone = reach.Single(r => r.GetProperty("field").GetString() == "phone" && r.GetProperty("purpose").GetString() == "grid_patrol");
        Assert.Equal("masked", phone.GetProperty("held").GetString());
        Assert.Equal([GridOfY], phone.GetProperty("jurisdictions").EnumerateArray().Select(j => j.GetString()));
        Assert.DoesNotContain(reach, r => r.GetProperty("level").GetString() == "L5");

        using var noField = await host.GetAsync($"/api/v1/oversight/who-can-see?field=nope&jurisdiction={ApiTestHost.CommunityY}", auditor, null);
        Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(noField));
        using var elsewhere = await host.GetAsync("/api/v1/oversight/who-can-see?field=dibao&jurisdiction=510108", auditor, null);
        Assert.Equal("not_found", await ApiTestHost.ProblemCodeAsync(elsewhere));
    }

    private static Fidelity Parse(string? name) => FidelityNames.TryParse(name, out var f) ? f : Fidelity.None;

    /// <summary>Whether a reach row covers a residence: a node covers everything at or below it; a community-only entry covers that community's grid-less residents.</summary>
    private static bool Covers(DataVaultPolicyFolder folder, Reach reach, string residence) =>
        reach.Jurisdictions.Any(n => DataVault.Vault.ResidentApi.ResidentScope.IsWithin(folder.Tree, residence, n)) || reach.CommunitiesOnly.Contains(residence);

    /// <summary>The running policy with every <c>p</c> line but one turned into a comment: links and generated lines kept.</summary>
    private static Enforcer OnlyRule(PolicySnapshot snapshot, int keep)
    {
        var lines = snapshot.PolicyText.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i + 1 != keep && lines[i].TrimStart().StartsWith("p,", StringComparison.Ordinal))
            {
                lines[i] = "# " + lines[i];
            }
        }
        return Enforcer.FromText(snapshot.ModelText, string.Join('\n', lines)).Value;
    }

    private static int LineOf(string text)
    {
        var lines = File.ReadAllLines(Path.Combine(Policy.ConformanceSuite.RepositoryRoot(), "policies", "policy.csv"));
        return Array.IndexOf(lines, text) + 1;
    }
}
