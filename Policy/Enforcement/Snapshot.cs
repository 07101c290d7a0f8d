using System.Collections.Concurrent;
using DataVault.Policy.Matching;
using DataVault.Policy.Model;
using DataVault.Policy.Roles;

namespace DataVault.Policy.Enforcement;

/// <summary>A rule as stored: its values and where it came from (file and line, or none for API additions).</summary>
internal sealed record StoredRule(string[] Values, string? File, int Line);

/// <summary>
/// The rules of one policy type, frozen, with indexes built lazily (once per snapshot) on the fields the
/// matcher compares for equality with a request field. A candidate list keeps rule order, so priority
/// effects and explanations see rules exactly in the order Casbin would.
/// </summary>
internal sealed class RuleSet(StoredRule[] rules)
{
    private readonly ConcurrentDictionary<int, Lazy<Dictionary<string, int[]>>> _indexes = new();

    public StoredRule[] Rules { get; } = rules;

    public Dictionary<string, int[]> GetIndex(int field) =>
        _indexes.GetOrAdd(field, f => new Lazy<Dictionary<string, int[]>>(() => BuildIndex(f))).Value;

    private Dictionary<string, int[]> BuildIndex(int field)
    {
        var lists = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < Rules.Length; i++)
        {
            var values = Rules[i].Values;
            if (field >= values.Length)
            {
                continue;
            }
            if (!lists.TryGetValue(values[field], out var list))
            {
                list = [];
                lists[values[field]] = list;
            }
            list.Add(i);
        }
        return lists.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }
}

/// <summary>
/// Everything a decision reads, immutable: the model, compiled matchers, rules and role graphs. A change
/// builds a new snapshot and publishes it with one reference write, so a decision running concurrently
/// sees either the whole old policy or the whole new one, never half a change.
/// </summary>
internal sealed class Snapshot : IRoleSource
{
    public required ModelDefinition Model { get; init; }
    public required MatcherCache Matchers { get; init; }
    public required IReadOnlyDictionary<string, RuleSet> Policies { get; init; }
    public required IReadOnlyDictionary<string, RoleGraph> Graphs { get; init; }
    public required bool Enabled { get; init; }
    public required bool AcceptJsonRequest { get; init; }

    public RoleGraph? GetRoleGraph(string key) => Graphs.TryGetValue(key, out var g) ? g : null;
}

/// <summary>Compiled matchers per (request key, policy key, matcher key), shared by snapshots until functions change.</summary>
internal sealed class MatcherCache(ModelDefinition model, IReadOnlyDictionary<string, Func<object?[], object?>> functions)
{
    private readonly ConcurrentDictionary<(string R, string P, string M), Lazy<(CompiledMatcher? Matcher, PolicyError? Error)>> _compiled = new();

    public IReadOnlyDictionary<string, Func<object?[], object?>> Functions { get; } = functions;

    public (CompiledMatcher? Matcher, PolicyError? Error) Get(string r, string p, string m) =>
        _compiled.GetOrAdd((r, p, m), key => new Lazy<(CompiledMatcher?, PolicyError?)>(() => Compile(key.R, key.P, key.M))).Value;

    private (CompiledMatcher?, PolicyError?) Compile(string r, string p, string m)
    {
        if (!model.Matchers.TryGetValue(m, out var definition))
        {
            return (null, new PolicyError(model.File, 0, 0, $"no matcher '{m}' in the model"));
        }
        if (!model.Requests.ContainsKey(r))
        {
            return (null, new PolicyError(model.File, 0, 0, $"no request definition '{r}' in the model"));
        }
        if (!model.Policies.ContainsKey(p))
        {
            return (null, new PolicyError(model.File, 0, 0, $"no policy definition '{p}' in the model"));
        }
        var (compiled, error, at) = new Compiler(model, r, p, Functions).Compile(definition.Text);
        return compiled is null
            ? (null, new PolicyError(model.File, definition.Line, definition.Column + at, error!))
            : (compiled, null);
    }
}
