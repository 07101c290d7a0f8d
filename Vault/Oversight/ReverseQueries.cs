using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.BreakGlass;
using DataVault.Vault.Grants;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Oversight;

/// <summary>
/// One unit (or, for a break-glass, one person in it) that holds a right over a field: for which
/// purpose (<c>*</c>: a break-glass applies whatever purpose is stated), the right held and what a read
/// serves, where it comes from (the deciding policy line, or the grant chain / break-glass id), and
/// over which residence jurisdictions (a jurisdiction query; one code for a resident query).
/// </summary>
public sealed record Viewer(
    string Role,
    string Jurisdiction,
    string? Department,
    string Unit,
    string? Subject,
    string Purpose,
    string Held,
    string Served,
    string Source,
    string? Rule,
    IReadOnlyList<string> Chain,
    IReadOnlyList<string> ResidentJurisdictions);

/// <summary>Who can see one field of one resident, or of the residents of one jurisdiction.</summary>
public sealed record WhoCanSeeAnswer(string PolicyVersion, string? ResidentId, string Jurisdiction, string Field, string Level, IReadOnlyList<Viewer> Viewers)
{
    /// <summary>For a question about one resident, where the oversight access itself was logged.</summary>
    public AccessLogReference? Log { get; init; }
}

/// <summary>
/// One thing a unit can see: a field, for a purpose, at a right (and what a read serves), from the
/// policy or raised by grants (their ids), over the residents of <see cref="Jurisdictions"/> (the
/// fewest tree nodes, each covering every resident at or below it) and of <see cref="CommunitiesOnly"/>
/// (communities whose residents registered without a grid are covered, not all their grids').
/// </summary>
public sealed record Reach(string Field, string Level, string Purpose, string Held, string Served, string Source, IReadOnlyList<string> Grants, IReadOnlyList<string> Jurisdictions, IReadOnlyList<string> CommunitiesOnly);

/// <summary>A break-glass the unit's people hold now: one resident, every field clear, until its end.</summary>
public sealed record ActiveEmergency(string Id, string Subject, string ResidentId, DateTimeOffset Until);

/// <summary>What one unit can see, over which jurisdictions.</summary>
public sealed record WhatCanAnswer(string PolicyVersion, ExplainedCaller Caller, IReadOnlyList<Reach> Reach, IReadOnlyList<ActiveEmergency> BreakGlass);

/// <summary>
/// The reverse queries of oversight (issue 16, item 3): <em>who can see</em> a field of a resident or of
/// a jurisdiction's residents, and <em>what can</em> a unit see. Both are made of the decisions the
/// API serves by: the policy's (<see cref="ViewDecider"/>, cached per policy version), raised by the
/// grants in force (<see cref="GrantChains.Effective"/>, the same attenuation the resolver applies) and,
/// for one resident, the break-glass its requesters hold. So for every (unit, field, resident, purpose)
/// they agree with a read, which the tests check pair by pair.
/// Units range over every unit that can exist (<see cref="DataVaultPolicyFolder.Units"/>: each role at
/// the jurisdiction kind roles.csv holds it at) whose jurisdiction contains the resident.
/// </summary>
internal sealed class ReverseQueries(
    ViewDecider decider,
    DataVaultPolicyFolder folder,
    PurposeCatalog purposes,
    ResidentSchema schema,
    GrantStore grants,
    GrantChains chains,
    BreakGlassStore breakGlass,
    TimeProvider time)
{
    private readonly Lazy<IReadOnlyList<(string Role, string Jurisdiction, string? Department)>> _units = new(folder.Units);

    /// <summary>The residence jurisdictions (communities and grids: a resident's <c>res_jur</c>) at or below <paramref name="code"/>.</summary>
    public IReadOnlyList<string> ResidencesWithin(string code) => _residences.Value.GetValueOrDefault(code) ?? [];

    // Each node's residences, computed once from the tree (the covering walk asks for them at every node).
    private readonly Lazy<Dictionary<string, List<string>>> _residences = new(() =>
    {
        var below = folder.Tree.Nodes.ToDictionary(n => n.Code, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var residence in folder.Tree.Nodes.Where(n => n.Kind is JurisdictionKind.Community or JurisdictionKind.Grid))
        {
            for (var node = residence; node is not null; node = node.Parent is null ? null : folder.Tree.Find(node.Parent))
            {
                below[node.Code].Add(residence.Code);
            }
        }
        return below;
    });

    /// <summary>
    /// Who can see <paramref name="field"/> of one resident (<paramref name="resident"/> given) or of every
    /// residence jurisdiction in <paramref name="residences"/>. <paramref name="wholeView"/>: the caller
    /// will ask about every field (the portal), so each unit's whole view is decided once and cached,
    /// rather than this field alone.
    /// </summary>
    public async Task<WhoCanSeeAnswer> WhoCanSeeAsync(FieldDefinition field, IReadOnlyList<string> residences, ResidentLocation? resident, string jurisdiction, CancellationToken cancellationToken, bool wholeView = false)
    {
        var snapshot = decider.Snapshot;
        var index = chains.IndexOf(field.Key) is var i and >= 0 ? i : throw new ArgumentException($"unknown field '{field.Key}'", nameof(field));
        var now = time.GetUtcNow();
        var set = await grants.CurrentAsync(cancellationToken);
        // (unit, purpose) → per residence: the right held and its source.
        var held = new Dictionary<(string Unit, string Purpose), Dictionary<string, (Fidelity Fidelity, RightSource Source, IReadOnlyList<string> Chain)>>();
        var units = new Dictionary<string, (string Role, string Jurisdiction, string? Department)>(StringComparer.Ordinal);
        var scoped = ScopedJurisdictions(snapshot);
        // A unit's decision is the same for every residence of one scope signature: made once per (unit, purpose, signature).
        var decided = new Dictionary<(string Unit, string Purpose, string Signature), Fidelity>();
        foreach (var residence in residences)
        {
            var signature = ScopeSignature(residence, scoped);
            foreach (var unit in _units.Value.Where(u => ResidentApi.ResidentScope.IsWithin(folder.Tree, residence, u.Jurisdiction)))
            {
                var caller = Caller(unit);
                units[caller.Unit] = unit;
                foreach (var purpose in purposes.All)
                {
                    if (!decided.TryGetValue((caller.Unit, purpose.Code, signature), out var fidelity))
                    {
                        decided[(caller.Unit, purpose.Code, signature)] = fidelity = wholeView
                            ? decider.Decide(snapshot, caller, purpose.Code, residence).Fidelities[index]
                            : FieldRight(snapshot, caller, purpose.Code, residence, field, index);
                    }
                    if (fidelity > Fidelity.None)
                    {
                        Slot(held, caller.Unit, purpose.Code)[residence] = (fidelity, RightSource.Policy, []);
                    }
                }
            }
            // Grants: a chain in force raises its grantee's right exactly as the resolver does (the higher wins).
            foreach (var grant in set.All)
            {
                if (!grant.IsInForceAt(now) || set.ChainOf(grant) is not { } chain || chains.Effective(chain, residence, now) is not { } effective || effective[index] == Fidelity.None)
                {
                    continue;
                }
                units.TryAdd(grant.Grantee.Unit, (grant.Grantee.Role, grant.Grantee.Jurisdiction, grant.Grantee.Department));
                var slot = Slot(held, grant.Grantee.Unit, grant.Purpose);
                if (!slot.TryGetValue(residence, out var current) || effective[index] > current.Fidelity)
                {
                    slot[residence] = (effective[index], RightSource.Grant, [.. chain.Select(g => g.Id)]);
                }
            }
        }

        var viewers = new List<Viewer>();
        foreach (var ((unitName, purpose), byResidence) in held)
        {
            var unit = units[unitName];
            foreach (var group in byResidence.GroupBy(r => (r.Value.Fidelity, r.Value.Source, Chain: string.Join(' ', r.Value.Chain))))
            {
                var (fidelity, source, chain) = group.Key;
                var rule = source == RightSource.Policy ? DecidingRule(snapshot, unit, purpose, group.First().Key, field, fidelity) : null;
                viewers.Add(new Viewer(unit.Role, unit.Jurisdiction, unit.Department, unitName, null, purpose, fidelity.Name(),
                    AccessResolver.Access(field, fidelity, source).Served.Name(), DecisionExplainer.SourceName(source), rule,
                    chain.Length == 0 ? [] : chain.Split(' '), [.. group.Select(g => g.Key).Order(StringComparer.Ordinal)]));
            }
        }
        if (resident is not null)
        {
            foreach (var active in await breakGlass.ApprovedAsync(cancellationToken))
            {
                if (active.ResidentId == resident.ResidentId && active.From <= now && now < active.Until)
                {
                    var unit = units.TryGetValue(active.RequesterUnit, out var u) ? u : UnitRoles.ParseUnitName(active.RequesterUnit) ?? (active.RequesterUnit, "", null);
                    viewers.Add(new Viewer(unit.Role, unit.Jurisdiction, unit.Department, active.RequesterUnit, active.RequesterSubject, "*", Fidelity.Clear.Name(),
                        Fidelity.Clear.Name(), DecisionExplainer.SourceName(RightSource.BreakGlass), null, [active.Id], [resident.Jurisdiction]));
                }
            }
        }
        viewers.Sort((a, b) => (Rank(b.Held) - Rank(a.Held)) is var d && d != 0 ? d
            : string.CompareOrdinal(a.Unit, b.Unit) is var u && u != 0 ? u : string.CompareOrdinal(a.Purpose, b.Purpose));
        return new WhoCanSeeAnswer(snapshot.Version, resident?.ResidentId, jurisdiction, field.Key, field.Level.ToString(), viewers);
    }

    /// <summary>What one unit can see: every field, purpose and right, over the residence jurisdictions within its own.</summary>
    public async Task<WhatCanAnswer> WhatCanAsync(CallerContext caller, CancellationToken cancellationToken)
    {
        var snapshot = decider.Snapshot;
        var now = time.GetUtcNow();
        var set = await grants.CurrentAsync(cancellationToken);
        var received = set.ReceivedBy(caller.Unit).Where(g => g.IsInForceAt(now)).ToList();
        var residences = ResidencesWithin(caller.Jurisdiction);
        var fields = schema.Fields;
        // (field, purpose, right, source, grants) → residences
        var reach = new Dictionary<(int Field, string Purpose, Fidelity Fidelity, RightSource Source, string Grants), List<string>>();
        // Residences that lie in the same rule scopes get the same policy decision: decide one of each group.
        var scoped = ScopedJurisdictions(snapshot);
        var representative = residences.GroupBy(r => ScopeSignature(r, scoped), StringComparer.Ordinal)
            .SelectMany(g => g.Select(member => (member, first: g.First())))
            .ToDictionary(p => p.member, p => p.first, StringComparer.Ordinal);
        foreach (var purpose in purposes.All)
        {
            var forPurpose = received.Where(g => g.Purpose == purpose.Code).Select(g => set.ChainOf(g)).OfType<IReadOnlyList<Grant>>().ToList();
            foreach (var residence in residences)
            {
                var rights = decider.Decide(snapshot, caller, purpose.Code, representative[residence]).Fidelities;
                for (var i = 0; i < fields.Count; i++)
                {
                    var (fidelity, source, ids) = (rights[i], RightSource.Policy, "");
                    foreach (var chain in forPurpose)
                    {
                        if (chain[^1].Fields.Contains(fields[i].Key, StringComparer.Ordinal) && chains.Effective(chain, residence, now) is { } effective && effective[i] > fidelity)
                        {
                            (fidelity, source, ids) = (effective[i], RightSource.Grant, string.Join(' ', chain.Select(g => g.Id)));
                        }
                    }
                    if (fidelity > Fidelity.None)
                    {
                        var key = (i, purpose.Code, fidelity, source, ids);
                        if (!reach.TryGetValue(key, out var list))
                        {
                            reach[key] = list = [];
                        }
                        list.Add(residence);
                    }
                }
            }
        }
        var rows = new List<Reach>();
        foreach (var (k, where) in reach.OrderBy(r => r.Key.Field).ThenBy(r => r.Key.Purpose, StringComparer.Ordinal).ThenByDescending(r => r.Key.Fidelity))
        {
            var field = fields[k.Field];
            var (nodes, only) = Cover(where, caller.Jurisdiction);
            rows.Add(new Reach(field.Key, field.Level.ToString(), k.Purpose, k.Fidelity.Name(), AccessResolver.Access(field, k.Fidelity, k.Source).Served.Name(),
                DecisionExplainer.SourceName(k.Source), k.Grants.Length == 0 ? [] : k.Grants.Split(' '), nodes, only));
        }
        var emergencies = (await breakGlass.ApprovedAsync(cancellationToken))
            .Where(a => a.RequesterUnit == caller.Unit && a.From <= now && now < a.Until)
            .Select(a => new ActiveEmergency(a.Id, a.RequesterSubject, a.ResidentId, a.Until))
            .OrderBy(a => a.Until).ToList();
        return new WhatCanAnswer(snapshot.Version, new ExplainedCaller(caller.Role, caller.Jurisdiction, caller.Department, caller.Unit, null), rows, emergencies);
    }

    /// <summary>
    /// The fewest tree nodes whose residence jurisdictions are exactly <paramref name="held"/>: a node is
    /// named instead of its residences when every residence at or below it is held (walking down from
    /// <paramref name="top"/>); a community held for its grid-less residents but not for all its grids
    /// goes to <c>Only</c>, its held grids to the nodes.
    /// </summary>
    public (IReadOnlyList<string> Nodes, IReadOnlyList<string> Only) Cover(IReadOnlyCollection<string> held, string top)
    {
        var set = held.ToHashSet(StringComparer.Ordinal);
        var result = new List<string>();
        var only = new List<string>();
        void Walk(string code)
        {
            var below = ResidencesWithin(code);
            if (below.Count == 0)
            {
                return;
            }
            if (below.All(set.Contains))
            {
                result.Add(code);
                return;
            }
            if (below.Any(set.Contains))
            {
                if (set.Contains(code))
                {
                    only.Add(code);
                }
                foreach (var child in folder.Tree.ChildrenOf(code))
                {
                    Walk(child.Code);
                }
            }
        }
        Walk(top);
        return (result, only);
    }

    private static Dictionary<string, (Fidelity Fidelity, RightSource Source, IReadOnlyList<string> Chain)> Slot(
        Dictionary<(string Unit, string Purpose), Dictionary<string, (Fidelity Fidelity, RightSource Source, IReadOnlyList<string> Chain)>> held, string unit, string purpose)
    {
        if (!held.TryGetValue((unit, purpose), out var slot))
        {
            held[(unit, purpose)] = slot = new(StringComparer.Ordinal);
        }
        return slot;
    }

    /// <summary>
    /// The right the policy gives one field: from the decision cache when the whole view is already
    /// decided, otherwise for this field alone (the same <see cref="ViewDecider.Highest"/>, without
    /// deciding the other fields a reverse query about one field does not need).
    /// </summary>
    private static Fidelity FieldRight(PolicySnapshot snapshot, CallerContext caller, string purpose, string residence, FieldDefinition field, int index)
    {
        var key = new ViewKey(caller.Role, caller.Jurisdiction, caller.Department ?? "", residence, purpose);
        return snapshot.Decisions.TryGetValue(key, out var rights) ? rights.Fidelities[index] : ViewDecider.Highest(snapshot.Enforcer, key, field);
    }

    /// <summary>
    /// Which rule jurisdictions contain a residence. DataVault's model reads <c>res_jur</c> only through
    /// <c>g2</c> against the caller's jurisdiction (every residence asked about is within it) and against
    /// a rule's jurisdiction, so residences with the same signature get the same decision (the dry run
    /// groups them the same way).
    /// </summary>
    private static HashSet<string> ScopedJurisdictions(PolicySnapshot snapshot) =>
        snapshot.Enforcer.GetPolicy().Where(r => r.Count > 1 && r[1] != DataVaultPolicyFolder.Everywhere).Select(r => r[1]).ToHashSet(StringComparer.Ordinal);

    private string ScopeSignature(string residence, HashSet<string> scoped) =>
        string.Join('|', scoped.Where(s => ResidentApi.ResidentScope.IsWithin(folder.Tree, residence, s)).Order(StringComparer.Ordinal));

    private string? DecidingRule(PolicySnapshot snapshot, (string Role, string Jurisdiction, string? Department) unit, string purpose, string residence, FieldDefinition field, Fidelity fidelity)
    {
        var key = new ViewKey(unit.Role, unit.Jurisdiction, unit.Department ?? "", residence, purpose);
        return snapshot.Enforcer.EnforceEx(PolicyExplainer.Request(key, field, fidelity)).Rule is { Line: { } line } rule ? $"{rule.File ?? DataVaultPolicyFolder.PolicyFile}:{line}" : null;
    }

    private static CallerContext Caller((string Role, string Jurisdiction, string? Department) unit) =>
        new("", "user", unit.Role, unit.Jurisdiction, unit.Department, UnitRoles.UnitName(unit.Role, unit.Jurisdiction, unit.Department));

    private static int Rank(string name) => FidelityNames.TryParse(name, out var f) ? (int)f : 0;
}
