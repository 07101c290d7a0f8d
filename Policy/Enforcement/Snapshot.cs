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
        (_indexes.TryGetValue(field, out var index) ? index : _indexes.GetOrAdd(field, f => new Lazy<Dictionary<string, int[]>>(() => BuildIndex(f)))).Value;

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

    private readonly ConcurrentDictionary<EnforceContext, DecisionPlan> _plans = new();
    private DecisionPlan? _defaultPlan;

    /// <summary>
    /// Everything a decision with this context needs, resolved once per snapshot: the compiled matcher, the
    /// effect, the rules and the position of <c>eft</c>. The default context skips even the dictionary.
    /// </summary>
    public DecisionPlan GetPlan(EnforceContext context, bool isDefault)
    {
        if (isDefault)
        {
            return _defaultPlan ??= BuildPlan(context);
        }
        return _plans.TryGetValue(context, out var plan) ? plan : _plans.GetOrAdd(context, BuildPlan);
    }

    private DecisionPlan BuildPlan(EnforceContext context)
    {
        if (!Model.Requests.TryGetValue(context.RType, out var rTokens))
        {
            return DecisionPlan.Failed($"no request definition '{context.RType}'");
        }
        if (!Model.Policies.TryGetValue(context.PType, out var pTokens))
        {
            return DecisionPlan.Failed($"no policy definition '{context.PType}'");
        }
        if (!Model.Effects.TryGetValue(context.EType, out var effect))
        {
            return DecisionPlan.Failed($"no policy effect '{context.EType}'");
        }
        var (matcher, error) = Matchers.Get(context.RType, context.PType, context.MType);
        if (matcher is null)
        {
            return DecisionPlan.Failed(error!.Message);
        }
        return new DecisionPlan
        {
            Error = null,
            RequestLength = rTokens.Length,
            PTokens = pTokens,
            Effect = effect,
            Matcher = matcher,
            Rules = Policies.TryGetValue(context.PType, out var set) ? set : new RuleSet([]),
            EftIndex = Array.IndexOf(pTokens, "eft"),
        };
    }
}

/// <summary>A resolved decision context (see <see cref="Snapshot.GetPlan"/>); <see cref="Error"/> set when it cannot decide.</summary>
internal sealed class DecisionPlan
{
    public required string? Error { get; init; }
    public required int RequestLength { get; init; }
    public required string[] PTokens { get; init; }
    public required EffectKind Effect { get; init; }
    public required CompiledMatcher Matcher { get; init; }
    public required RuleSet Rules { get; init; }
    public required int EftIndex { get; init; }

    public static DecisionPlan Failed(string error) => new()
    {
        Error = error,
        RequestLength = 0,
        PTokens = [],
        Effect = EffectKind.AllowOverride,
        Matcher = null!,
        Rules = new RuleSet([]),
        EftIndex = -1,
    };
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
