using System.Diagnostics;
using System.Globalization;
using DataVault.Identity.Management;
using DataVault.Identity.Units;
using DataVault.Policy;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.PolicyStore;

/// <summary>The dry run of a draft: every view decision that changes, aggregated (docs/policy-lifecycle.md, "Dry run").</summary>
public sealed record PolicyImpact(
    int DraftId, int BaseVersion, int Residents, int Units, int Officials, long ElapsedMilliseconds,
    PolicyImpactTotals Gains, PolicyImpactTotals Losses, IReadOnlyList<PolicyImpactChange> Changes)
{
    /// <summary>The instant both policies were composed for: windowed rules count only if open then.</summary>
    public DateTimeOffset AsOf { get; init; }

    /// <summary>Every time-windowed rule of the draft, open or not, so the reviewer sees each time limit.</summary>
    public IReadOnlyList<PolicyImpactWindow> Windows { get; init; } = [];
}

/// <summary>
/// One windowed rule of a draft: <c>State</c> is <c>open</c> (counted in the changes), <c>pending</c>
/// (opens after <c>AsOf</c>: not counted) or <c>closed</c> (decides nothing any more); <c>Summary</c> says
/// when it opens and closes, in Chinese and English, in Beijing time.
/// </summary>
public sealed record PolicyImpactWindow(int Line, string Rule, DateTimeOffset? From, DateTimeOffset? Until, string State, string Summary);

/// <summary>Distinct units, officials and residents touched by any gain (or any loss).</summary>
public sealed record PolicyImpactTotals(int Units, int Officials, int Residents);

/// <summary>
/// One changed decision: units of <c>Role</c> (and <c>Department</c>) now see <c>Field</c> for
/// <c>Purpose</c> at <c>After</c> instead of <c>Before</c>, over <c>Residents</c> residents.
/// <c>Direction</c> is <c>gain</c> or <c>loss</c>. <c>Officials</c> counts the users and API clients
/// holding those units.
/// </summary>
public sealed record PolicyImpactChange(
    string Direction, string Role, string? Department, string Purpose, string Field, string Level, string Before, string After,
    int Units, int Officials, int Residents, IReadOnlyList<PolicyImpactJurisdiction> Jurisdictions, string Summary);

/// <summary>The residents of one community (or grid-less jurisdiction) a change touches, and the units reaching them.</summary>
public sealed record PolicyImpactJurisdiction(string Code, string NameZh, string NameEn, int Residents, int Units, int Officials);

/// <summary>
/// Computes the dry run on the real data. Every unit that can exist (each role of roles.csv at every
/// jurisdiction of the level it is held at, times the departments for department roles) is compared,
/// for every resident jurisdiction holding residents (one GROUP BY over residents), every purpose and
/// every field, under the policy before and after: the highest fidelity the enforcer allows, exactly
/// as <see cref="ViewDecider"/> decides a read.
/// </summary>
/// <remarks>
/// Two reductions keep it fast without changing a single answer. (1) A purpose no rule of either
/// policy names for the role (or a role it inherits) decides nothing for it. (2) Within a unit's
/// reach, the matcher reads the resident's jurisdiction only through <c>g2</c> against the caller's
/// jurisdiction (true for every resident in reach) and against the rules' scopes (<c>p.jur</c>), so
/// resident jurisdictions lying inside the same set of scopes decide alike: one representative per
/// set is asked. Tests/Vault/PolicyStore checks the result against a resident-by-resident count.
/// </remarks>
internal sealed class PolicyImpactCalculator(DataVaultPolicyFolder folder, IDbContextFactory<VaultDbContext> dbs, IServiceScopeFactory scopes)
{
    /// <summary>
    /// The GROUP BY of <see cref="ResidentCountsAsync"/>: answered from the residents' (district,
    /// community, id, grid) index alone, so a dry run never reads the records themselves.
    /// </summary>
    internal static IQueryable<ResidentCount> ResidentCountsQuery(VaultDbContext db) =>
        db.Set<ResidentRow>().AsNoTracking()
            .GroupBy(r => new { r.CommunityCode, r.GridCode })
            .Select(g => new ResidentCount(g.Key.CommunityCode, g.Key.GridCode, g.Count()));

    internal sealed record ResidentCount(string CommunityCode, string? GridCode, int Count);

    /// <summary>Residents per resident jurisdiction (grid, or community when there is no grid): one GROUP BY.</summary>
    public async Task<Dictionary<string, int>> ResidentCountsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var groups = await ResidentCountsQuery(db).ToListAsync(cancellationToken);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            var code = g.GridCode ?? g.CommunityCode;
            counts[code] = counts.GetValueOrDefault(code) + g.Count;
        }
        return counts;
    }

    /// <summary>How many users and API clients hold each unit (<see cref="UnitRoles.UnitName"/>), from the identity registries.</summary>
    public async Task<Dictionary<string, int>> HoldersAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var holders = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var user in await scope.ServiceProvider.GetRequiredService<UserRegistry>().ListAsync(cancellationToken))
        {
            if (user.Role != UnitRoles.Resident)
            {
                var unit = UnitRoles.UnitName(user.Role, user.Jurisdiction, user.Department);
                holders[unit] = holders.GetValueOrDefault(unit) + 1;
            }
        }
        foreach (var client in await scope.ServiceProvider.GetRequiredService<ClientRegistry>().ListApiClientsAsync(cancellationToken))
        {
            var unit = UnitRoles.UnitName(client.Role, client.Jurisdiction, client.Department);
            holders[unit] = holders.GetValueOrDefault(unit) + 1;
        }
        return holders;
    }

    public async Task<PolicyImpact> ComputeAsync(Enforcer before, Enforcer after, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var residents = await ResidentCountsAsync(cancellationToken);
        var holders = await HoldersAsync(cancellationToken);
        var impact = Compute(before, after, residents, holders, cancellationToken);
        return impact with { ElapsedMilliseconds = clock.ElapsedMilliseconds };
    }

    public PolicyImpact Compute(Enforcer before, Enforcer after, IReadOnlyDictionary<string, int> residents, IReadOnlyDictionary<string, int> holders, CancellationToken cancellationToken)
    {
        var fields = folder.Schema.Fields;
        var units = folder.Units();
        var scoped = before.GetPolicy().Concat(after.GetPolicy()).Select(r => r[1]).Where(j => j != DataVaultPolicyFolder.Everywhere).ToHashSet(StringComparer.Ordinal);
        // Each resident jurisdiction with its ancestors (itself first), as g2 links them.
        var ancestry = residents.Keys.ToDictionary(code => code, Ancestry, StringComparer.Ordinal);
        var changes = new Dictionary<ChangeKey, ChangeTally>();
        var gate = new object();
        Parallel.ForEach(units, new ParallelOptions { CancellationToken = cancellationToken }, unit =>
        {
            var department = unit.Department ?? "";
            var purposes = PurposesFor(before, unit.Role, department).Union(PurposesFor(after, unit.Role, department)).ToList();
            if (purposes.Count == 0)
            {
                return;
            }
            // Resident jurisdictions in reach, grouped by the set of rule scopes they lie in.
            var groups = ancestry.Where(a => a.Value.Contains(unit.Jurisdiction))
                .GroupBy(a => string.Join('|', a.Value.Where(scoped.Contains).Order(StringComparer.Ordinal)), StringComparer.Ordinal);
            var local = new List<(ChangeKey Key, List<string> ResidentJurisdictions)>();
            foreach (var group in groups)
            {
                var members = group.Select(g => g.Key).ToList();
                var representative = members[0];
                foreach (var purpose in purposes)
                {
                    foreach (var field in fields)
                    {
                        var was = Highest(before, unit.Role, unit.Jurisdiction, department, representative, field, purpose);
                        var now = Highest(after, unit.Role, unit.Jurisdiction, department, representative, field, purpose);
                        if (was != now)
                        {
                            local.Add((new ChangeKey(unit.Role, unit.Department, purpose, field.Key, was, now), members));
                        }
                    }
                }
            }
            if (local.Count == 0)
            {
                return;
            }
            var unitName = UnitRoles.UnitName(unit.Role, unit.Jurisdiction, unit.Department);
            lock (gate)
            {
                foreach (var (key, members) in local)
                {
                    if (!changes.TryGetValue(key, out var tally))
                    {
                        changes[key] = tally = new ChangeTally();
                    }
                    tally.Units.Add(unitName);
                    foreach (var member in members)
                    {
                        tally.ResidentJurisdictions.Add(member);
                        var community = CommunityOf(member);
                        if (!tally.ByCommunity.TryGetValue(community, out var set))
                        {
                            tally.ByCommunity[community] = set = new HashSet<string>(StringComparer.Ordinal);
                        }
                        set.Add(unitName);
                    }
                }
            }
        });
        return Aggregate(changes, residents, holders, units.Count);
    }

    private PolicyImpact Aggregate(Dictionary<ChangeKey, ChangeTally> changes, IReadOnlyDictionary<string, int> residents, IReadOnlyDictionary<string, int> holders, int unitCount)
    {
        var levels = folder.Schema.Fields.ToDictionary(f => f.Key, f => f.Level.ToString(), StringComparer.Ordinal);
        int Officials(IEnumerable<string> units) => units.Sum(u => holders.GetValueOrDefault(u));
        int Count(IEnumerable<string> jurisdictions) => jurisdictions.Sum(j => residents.GetValueOrDefault(j));
        var list = new List<PolicyImpactChange>();
        var gain = (Units: new HashSet<string>(StringComparer.Ordinal), Jurisdictions: new HashSet<string>(StringComparer.Ordinal));
        var loss = (Units: new HashSet<string>(StringComparer.Ordinal), Jurisdictions: new HashSet<string>(StringComparer.Ordinal));
        foreach (var (key, tally) in changes)
        {
            var isGain = key.After > key.Before;
            var totals = isGain ? gain : loss;
            totals.Units.UnionWith(tally.Units);
            totals.Jurisdictions.UnionWith(tally.ResidentJurisdictions);
            var jurisdictions = tally.ByCommunity
                .Select(c =>
                {
                    var node = folder.Tree.Find(c.Key);
                    var count = tally.ResidentJurisdictions.Where(j => CommunityOf(j) == c.Key).Sum(j => residents.GetValueOrDefault(j));
                    return new PolicyImpactJurisdiction(c.Key, node?.NameZh ?? c.Key, node?.NameEn ?? c.Key, count, c.Value.Count, Officials(c.Value));
                })
                .OrderBy(j => j.Code, StringComparer.Ordinal)
                .ToList();
            var officials = Officials(tally.Units);
            var people = Count(tally.ResidentJurisdictions);
            var who = key.Department is null ? key.Role : $"{key.Role}:{key.Department}";
            var summary = isGain
                ? string.Create(CultureInfo.InvariantCulture, $"+{officials} 名人员（{tally.Units.Count} 个 {who} 单位） 可按用途 {key.Purpose} 以 {key.After.Name()} 查看 {people:N0} 名居民的 {key.Field}（原为 {key.Before.Name()}） / +{officials} officials ({tally.Units.Count} {who} units) can now see {key.Field} at {key.After.Name()} (was {key.Before.Name()}) for {key.Purpose}, for {people:N0} residents")
                : string.Create(CultureInfo.InvariantCulture, $"−{officials} 名人员（{tally.Units.Count} 个 {who} 单位） 按用途 {key.Purpose} 查看 {people:N0} 名居民的 {key.Field} 降为 {key.After.Name()}（原为 {key.Before.Name()}） / −{officials} officials ({tally.Units.Count} {who} units) drop to {key.After.Name()} (was {key.Before.Name()}) on {key.Field} for {key.Purpose}, for {people:N0} residents");
            list.Add(new PolicyImpactChange(isGain ? "gain" : "loss", key.Role, key.Department, key.Purpose, key.Field, levels[key.Field],
                key.Before.Name(), key.After.Name(), tally.Units.Count, officials, people, jurisdictions, summary));
        }
        list.Sort((x, y) => (x.Direction, x.Role, x.Department ?? "", x.Field, x.Purpose).CompareTo((y.Direction, y.Role, y.Department ?? "", y.Field, y.Purpose)));
        return new PolicyImpact(0, 0, residents.Values.Sum(), unitCount, holders.Values.Sum(), 0,
            new PolicyImpactTotals(gain.Units.Count, Officials(gain.Units), Count(gain.Jurisdictions)),
            new PolicyImpactTotals(loss.Units.Count, Officials(loss.Units), Count(loss.Jurisdictions)),
            list);
    }

    /// <summary>How a windowed rule stands at <paramref name="now"/>, with the "opens at / closes at" sentence.</summary>
    public static PolicyImpactWindow Describe(PolicyLine rule, PolicyWindow window, DateTimeOffset now)
    {
        static string At(DateTimeOffset? t) => t is { } v ? v.ToOffset(PolicyWindow.Beijing).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "";
        var (from, until, line) = (At(window.From), At(window.Until), rule.Line);
        var (state, summary) =
            window.Until is { } closed && closed <= now
                ? ("closed", $"第 {line} 行已于 {until}（北京时间）失效，不再起作用 / Line {line} closed at {until} (Beijing time) and decides nothing")
            : window.From is { } opens && opens > now
                ? ("pending", window.Until is null
                    ? $"第 {line} 行将于 {from}（北京时间）生效，长期有效；上面的预演按现在计算，未计入 / Line {line} opens at {from} (Beijing time) with no end; not counted above (the dry run is as of now)"
                    : $"第 {line} 行将于 {from} 生效、{until} 失效（北京时间）；上面的预演按现在计算，未计入 / Line {line} opens at {from} and closes at {until} (Beijing time); not counted above (the dry run is as of now)")
            : ("open", window.Until is null
                ? $"第 {line} 行现已生效，长期有效 / Line {line} is open now, with no end"
                : $"第 {line} 行现已生效，将于 {until}（北京时间）失效 / Line {line} is open now and closes at {until} (Beijing time)");
        return new PolicyImpactWindow(line, rule.Text.Trim(), window.From, window.Until, state, summary);
    }

    /// <summary>The highest right the enforcer gives, decided as a read decides it (<see cref="ViewDecider.Highest"/>).</summary>
    public static Fidelity Highest(Enforcer enforcer, string role, string callerJurisdiction, string department, string residentJurisdiction, FieldDefinition field, string purpose) =>
        ViewDecider.Highest(enforcer, new ViewKey(role, callerJurisdiction, department, residentJurisdiction, purpose), field);

    /// <summary>The purposes named by rules the role holds (itself or inherited) for the department or <c>*</c>.</summary>
    private static IEnumerable<string> PurposesFor(Enforcer enforcer, string role, string department)
    {
        var roles = enforcer.GetImplicitRolesForUser(role).Append(role).ToHashSet(StringComparer.Ordinal);
        return enforcer.GetPolicy().Where(r => roles.Contains(r[0]) && (r[2] == "*" || r[2] == department)).Select(r => r[5]);
    }

    private List<string> Ancestry(string code)
    {
        var chain = new List<string> { code };
        var node = folder.Tree.Find(code);
        while (node?.Parent is { } parent && !chain.Contains(parent))
        {
            chain.Add(parent);
            node = folder.Tree.Find(parent);
        }
        return chain;
    }

    private string CommunityOf(string code) => folder.Tree.AncestorOf(code, JurisdictionKind.Community)?.Code ?? code;

    private readonly record struct ChangeKey(string Role, string? Department, string Purpose, string Field, Fidelity Before, Fidelity After);

    private sealed class ChangeTally
    {
        public HashSet<string> Units { get; } = new(StringComparer.Ordinal);

        public HashSet<string> ResidentJurisdictions { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, HashSet<string>> ByCommunity { get; } = new(StringComparer.Ordinal);
    }
}
