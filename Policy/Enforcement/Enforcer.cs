using System.Text.Json;
using System.Text.RegularExpressions;
using DataVault.Policy.Enforcement;
using DataVault.Policy.Matching;
using DataVault.Policy.Model;
using DataVault.Policy.Roles;

namespace DataVault.Policy;

/// <summary>
/// Decides requests against a Casbin model and policy exactly as the reference Casbin does, and manages
/// the policy (Casbin's management and RBAC APIs in PascalCase).
/// <para>
/// Thread safety: decisions read an immutable <see cref="Snapshot"/> with one volatile read and take no
/// lock. Changes are serialised by a lock, build a new snapshot and publish it with one reference write,
/// so a decision never sees half a change (issue 3, item 7).
/// </para>
/// </summary>
public sealed partial class Enforcer
{
    private static readonly EnforceContext DefaultContext = new();

    [ThreadStatic]
    private static EvalContext? t_context;

    private readonly Lock _gate = new();
    private readonly ModelDefinition _model;
    private string? _policyText;
    private string _policyFile;
    private readonly Dictionary<string, RuleList> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RoleManagerOptions> _roleOptions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<object?[], object?>> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<(string PType, string Field), int> _fieldIndexes = [];
    private bool _enabled = true;
    private bool _acceptJson;
    private MatcherCache _matchers;
    private Snapshot _snapshot;

    private sealed class RuleList
    {
        public List<StoredRule> Items { get; } = [];
        public HashSet<string[]> Keys { get; } = new(RuleComparer.Instance);
    }

    private Enforcer(ModelDefinition model, string? policyText, string policyFile)
    {
        _model = model;
        _policyText = policyText;
        _policyFile = policyFile;
        foreach (var key in model.Policies.Keys.Concat(model.Roles.Keys))
        {
            _rules[key] = new RuleList();
        }
        foreach (var key in model.Roles.Keys)
        {
            _roleOptions[key] = new RoleManagerOptions();
        }
        _matchers = new MatcherCache(model, new Dictionary<string, Func<object?[], object?>>(_functions));
        _snapshot = BuildSnapshot(null, null);
    }

    /// <summary>Loads a model file and an optional policy file. Errors carry file, line and column.</summary>
    public static PolicyResult<Enforcer> FromFiles(string modelPath, string? policyPath)
    {
        string modelText;
        string? policyText = null;
        try
        {
            modelText = File.ReadAllText(modelPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return PolicyResult<Enforcer>.Failure(new PolicyError(modelPath, 0, 0, "cannot read the model: " + e.Message));
        }
        if (policyPath is not null)
        {
            try
            {
                policyText = File.ReadAllText(policyPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return PolicyResult<Enforcer>.Failure(new PolicyError(policyPath, 0, 0, "cannot read the policy: " + e.Message));
            }
        }
        return Load(modelText, modelPath, policyText, policyPath ?? "policy");
    }

    /// <summary>Loads a model and an optional policy given as text (errors name them <c>model</c> and <c>policy</c>).</summary>
    public static PolicyResult<Enforcer> FromText(string modelText, string? policyCsvText) =>
        Load(modelText, "model", policyCsvText, "policy");

    /// <summary>Like <see cref="FromText(string, string?)"/>, with the file names errors should cite.</summary>
    public static PolicyResult<Enforcer> FromText(string modelText, string modelFile, string? policyCsvText, string policyFile) =>
        Load(modelText, modelFile, policyCsvText, policyFile);

    internal static PolicyResult<Enforcer> Load(string modelText, string modelFile, string? policyText, string policyFile)
    {
        var parsed = ModelParser.Parse(modelText, modelFile);
        if (!parsed.IsSuccess)
        {
            return PolicyResult<Enforcer>.Failure(parsed.Errors);
        }
        var model = parsed.Value;
        var errors = new List<PolicyError>(ValidateModel(model, new Dictionary<string, Func<object?[], object?>>(), allowUnknownFunctions: true));
        if (errors.Count > 0)
        {
            return PolicyResult<Enforcer>.Failure(errors);
        }
        var enforcer = new Enforcer(model, policyText, policyFile);
        enforcer.ApplyAutomaticDomainMatching();
        var loadErrors = enforcer.LoadPolicy();
        return loadErrors.Count > 0 ? PolicyResult<Enforcer>.Failure(loadErrors) : PolicyResult<Enforcer>.Success(enforcer);
    }

    /// <summary>
    /// What a tool such as <c>policy check</c> or a policy lifecycle reports beyond what stops a load:
    /// every matcher compiled with the functions registered so far (unknown functions included, as
    /// a checker registers none), and a cycle in any role graph. The reference loads and decides on a
    /// cyclic graph, and so does this engine, but a role that inherits from itself is a mistake in a
    /// policy someone is about to publish: reported at the link that closes the cycle.
    /// </summary>
    public IReadOnlyList<PolicyError> Check()
    {
        lock (_gate)
        {
            var errors = ValidateModel(_model, _functions, allowUnknownFunctions: false).ToList();
            foreach (var (key, graph) in Volatile.Read(ref _snapshot).Graphs)
            {
                if (graph.FindCycle() is { } cycle)
                {
                    errors.Add(new PolicyError(_policyFile, cycle.Line, 1,
                        $"cycle detected in '{key}': {string.Join(" -> ", cycle.Cycle)}{(cycle.Domain.Length > 0 ? " in domain " + cycle.Domain : "")}"));
                }
            }
            return errors;
        }
    }

    private static IEnumerable<PolicyError> ValidateModel(ModelDefinition model, IReadOnlyDictionary<string, Func<object?[], object?>> functions, bool allowUnknownFunctions)
    {
        if (!model.Effects.ContainsKey("e"))
        {
            yield return new PolicyError(model.File, 0, 0, "missing effect 'e' in [policy_effect]");
        }
        if (!model.Matchers.ContainsKey("m"))
        {
            yield return new PolicyError(model.File, 0, 0, "missing matcher 'm' in [matchers]");
        }
        var cache = new MatcherCache(model, new Dictionary<string, Func<object?[], object?>>(functions));
        foreach (var (key, matcher) in model.Matchers)
        {
            var (r, p) = InferContext(model, matcher.Text);
            if (!model.Requests.ContainsKey(r) || !model.Policies.ContainsKey(p))
            {
                yield return new PolicyError(model.File, matcher.Line, matcher.Column, $"matcher '{key}' needs request definition '{r}' and policy definition '{p}'");
                continue;
            }
            var (_, error) = cache.Get(r, p, key);
            // Unknown functions may be registered later with AddFunction. Other matchers than 'm' are
            // compiled for the context a caller names, so only their syntax is checked here.
            if (error is null || (allowUnknownFunctions && error.Message.StartsWith("unknown function", StringComparison.Ordinal)))
            {
                continue;
            }
            if (key == "m" || Parser.Parse(matcher.Text).Node is null)
            {
                yield return error;
            }
        }
    }

    /// <summary>The request and policy keys a matcher uses: the first <c>rN.</c> and <c>pN.</c> it mentions, else r and p.</summary>
    internal static (string R, string P) InferContext(ModelDefinition model, string text)
    {
        var r = Regex.Matches(text, @"\b(r[0-9]*)[._][A-Za-z]").Select(m => m.Groups[1].Value).FirstOrDefault(model.Requests.ContainsKey) ?? "r";
        var p = Regex.Matches(text, @"\b(p[0-9]*)[._][A-Za-z]").Select(m => m.Groups[1].Value).FirstOrDefault(model.Policies.ContainsKey) ?? "p";
        return (r, p);
    }

    /// <summary>
    /// The reference gives <c>g</c> keyMatch as its domain-matching function when the matcher contains exactly
    /// <c>keyMatch(r.dom, p.dom)</c> on the second request and policy tokens (conformance README, matcher notes).
    /// </summary>
    private void ApplyAutomaticDomainMatching()
    {
        if (!_model.Matchers.TryGetValue("m", out var m) || !_model.Roles.TryGetValue("g", out var g) || !g.HasDomain)
        {
            return;
        }
        if (_model.Requests.TryGetValue("r", out var r) && r.Length > 1 && _model.Policies.TryGetValue("p", out var p) && p.Length > 1
            && m.Text.Contains($"keyMatch(r.{r[1]}, p.{p[1]})", StringComparison.Ordinal))
        {
            _roleOptions["g"] = _roleOptions["g"] with { DomainMatchingFunction = "keyMatch" };
        }
    }

    /// <summary>The field names of the request definition <paramref name="rType"/> (<c>sub, obj, act</c>…).</summary>
    public IReadOnlyList<string> GetRequestTokens(string rType = "r") => _model.Requests.TryGetValue(rType, out var t) ? t : [];

    /// <summary>The field names of the policy definition <paramref name="pType"/>.</summary>
    public IReadOnlyList<string> GetPolicyTokens(string pType = "p") => _model.Policies.TryGetValue(pType, out var t) ? t : [];

    /// <summary>Reloads the policy the enforcer was loaded with, dropping changes made in memory.</summary>
    public IReadOnlyList<PolicyError> LoadPolicy()
    {
        string? text;
        string file;
        lock (_gate)
        {
            (text, file) = (_policyText, _policyFile);
        }
        return LoadPolicy(text, file, remember: false);
    }

    /// <summary>
    /// Replaces the whole policy with <paramref name="policyCsvText"/> in one step: decisions see the old
    /// policy or the new one, never a mix. On errors nothing changes. Later <see cref="LoadPolicy()"/> calls reload this text.
    /// </summary>
    public IReadOnlyList<PolicyError> LoadPolicyText(string policyCsvText, string file = "policy") =>
        LoadPolicy(policyCsvText, file, remember: true);

    private IReadOnlyList<PolicyError> LoadPolicy(string? policyText, string policyFile, bool remember)
    {
        var lines = new List<PolicyLine>();
        if (policyText is not null)
        {
            var parsed = PolicyCsv.Parse(policyText, policyFile);
            if (!parsed.IsSuccess)
            {
                return parsed.Errors;
            }
            lines.AddRange(parsed.Value);
        }
        var errors = new List<PolicyError>();
        foreach (var line in lines)
        {
            if (CheckRule(line.PType, line.Values) is { } problem)
            {
                errors.Add(new PolicyError(policyFile, line.Line, line.Column, problem));
            }
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        lock (_gate)
        {
            var fresh = _rules.Keys.ToDictionary(k => k, _ => new RuleList(), StringComparer.Ordinal);
            foreach (var line in lines)
            {
                var list = fresh[line.PType];
                if (list.Keys.Add(line.Values))
                {
                    list.Items.Add(new StoredRule(line.Values, policyFile, line.Line));
                }
            }
            foreach (var (ptype, list) in fresh)
            {
                if (_model.Policies.ContainsKey(ptype) && PriorityIndex(ptype) is { } priority)
                {
                    SortByPriority(list.Items, priority);
                }
            }
            // A cycle among role links loads, as in the reference: every walk of a graph is bounded by
            // the depth limit and visits a name once. Check reports it, so that nobody publishes one.
            var graphs = BuildGraphs(fresh, _roleOptions);
            if (_model.Effects.TryGetValue("e", out var effect) && effect == EffectKind.SubjectPriority)
            {
                foreach (var ptype in _model.Policies.Keys)
                {
                    SortBySubjectHierarchy(ptype, fresh[ptype].Items, fresh.TryGetValue("g", out var gRules) ? gRules.Items : []);
                }
            }
            foreach (var (key, list) in fresh)
            {
                _rules[key] = list;
            }
            if (remember)
            {
                (_policyText, _policyFile) = (policyText, policyFile);
            }
            Publish(BuildSnapshot(null, graphs));
        }
        return [];
    }

    /// <summary>Checks a rule against its definition: known type and the right number of fields.</summary>
    private string? CheckRule(string ptype, string[] values)
    {
        if (_model.Policies.TryGetValue(ptype, out var tokens))
        {
            return values.Length == tokens.Length
                ? null
                : $"'{ptype}' expects {tokens.Length} fields ({string.Join(", ", tokens)}) but the rule has {values.Length}";
        }
        if (_model.Roles.TryGetValue(ptype, out var role))
        {
            // Extra fields after the link are allowed: condition parameters, or custom data as Casbin permits.
            var main = role.HasDomain ? 3 : 2;
            return values.Length >= main
                ? null
                : $"'{ptype}' expects at least {main} fields but the rule has {values.Length}";
        }
        return $"unknown policy type '{ptype}' (the model defines {string.Join(", ", _model.Policies.Keys.Concat(_model.Roles.Keys))})";
    }

    private static string[] RuleKey(IEnumerable<string> values) => values as string[] ?? [.. values];

    /// <summary>Rules compare by their values, in order (no joined-string keys, so loading allocates less).</summary>
    private sealed class RuleComparer : IEqualityComparer<string[]>
    {
        public static readonly RuleComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(string[] obj)
        {
            var hash = new HashCode();
            foreach (var s in obj)
            {
                hash.Add(s, StringComparer.Ordinal);
            }
            return hash.ToHashCode();
        }
    }

    private int? PriorityIndex(string ptype) => FieldIndex(ptype, "priority");

    /// <summary>The position of a named field in a policy type: set by <see cref="SetFieldIndex"/>, else the token named so.</summary>
    private int? FieldIndex(string ptype, string field)
    {
        if (_fieldIndexes.TryGetValue((ptype, field), out var index))
        {
            return index;
        }
        if (_model.Policies.TryGetValue(ptype, out var tokens))
        {
            var i = Array.IndexOf(tokens, field);
            return i >= 0 ? i : null;
        }
        return null;
    }

    /// <summary>A stable sort on the integer priority field; a value that is not an integer sorts as 0.</summary>
    private static void SortByPriority(List<StoredRule> rules, int priority)
    {
        var sorted = rules.Select((r, i) => (Rule: r, Index: i))
            .OrderBy(x => ParsePriority(x.Rule.Values, priority)).ThenBy(x => x.Index).Select(x => x.Rule).ToList();
        rules.Clear();
        rules.AddRange(sorted);
    }

    private static int ParsePriority(string[] values, int priority) =>
        priority < values.Length && int.TryParse(values[priority], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>
    /// subjectPriority: rules for deeper subjects (a user below its roles) come first, as the reference's
    /// SortPoliciesBySubjectHierarchy does on load. Each name's rank is its parent's plus 10 (a root and a
    /// name no link mentions rank 0), a name's parent being the last <c>g</c> link that names it as the
    /// child. Ranks are settled in the order names first appear in the links, following a name's parents
    /// while they are unsettled; on a cycle that walk stops at the name it started from, which has rank 1
    /// then, so a cyclic graph gets the reference's ranks too rather than an error.
    /// </summary>
    private void SortBySubjectHierarchy(string ptype, List<StoredRule> rules, List<StoredRule> groupings)
    {
        var sub = FieldIndex(ptype, "sub") ?? 0;
        var dom = FieldIndex(ptype, "dom");
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstSeen = new List<string>();
        foreach (var g in groupings)
        {
            var domain = g.Values.Length > 2 ? g.Values[2] : "";
            var child = domain + "::" + g.Values[0];
            var up = domain + "::" + g.Values[1];
            parent[child] = up;
            foreach (var name in (ReadOnlySpan<string>)[child, up])
            {
                if (rank.TryAdd(name, 0))
                {
                    firstSeen.Add(name);
                }
            }
            rank[child] = 1;
        }
        var unsettled = firstSeen.Where(n => rank[n] != 0).ToHashSet(StringComparer.Ordinal);
        var chain = new Stack<string>();
        foreach (var start in firstSeen)
        {
            if (!unsettled.Remove(start))
            {
                continue;
            }
            // Iteratively (a long chain of links must not exhaust the stack): up through unsettled
            // parents, then down again, each name one step (10) below its parent.
            chain.Push(start);
            while (unsettled.Remove(parent[chain.Peek()]))
            {
                chain.Push(parent[chain.Peek()]);
            }
            while (chain.TryPop(out var name))
            {
                rank[name] = rank[parent[name]] + 10;
            }
        }
        var sorted = rules.Select((r, i) => (Rule: r, Index: i, Rank: rank.GetValueOrDefault((dom is { } di && di < r.Values.Length ? r.Values[di] : "") + "::" + r.Values[sub])))
            .OrderByDescending(x => x.Rank).ThenBy(x => x.Index).Select(x => x.Rule).ToList();
        rules.Clear();
        rules.AddRange(sorted);
    }

    private Dictionary<string, RoleGraph> BuildGraphs(Dictionary<string, RuleList> rules, Dictionary<string, RoleManagerOptions> options)
    {
        var graphs = new Dictionary<string, RoleGraph>(StringComparer.Ordinal);
        foreach (var (key, definition) in _model.Roles)
        {
            graphs[key] = new RoleGraph(definition, rules[key].Items.Select(r => (r.Values, r.Line)), options[key], _matchers.Functions);
        }
        return graphs;
    }

    /// <summary>
    /// Builds a snapshot from the current state (call under the lock). Role graphs are rebuilt only for the
    /// types named in <paramref name="changedRoles"/> (null: all); rule sets are frozen copies.
    /// </summary>
    private Snapshot BuildSnapshot(IReadOnlyCollection<string>? changedRoles, Dictionary<string, RoleGraph>? graphs)
    {
        var previous = _snapshot;
        if (graphs is null)
        {
            graphs = new Dictionary<string, RoleGraph>(StringComparer.Ordinal);
            foreach (var (key, definition) in _model.Roles)
            {
                if (previous is not null && changedRoles is not null && !changedRoles.Contains(key) && previous.Graphs.TryGetValue(key, out var kept))
                {
                    graphs[key] = kept;
                    continue;
                }
                graphs[key] = new RoleGraph(definition, _rules[key].Items.Select(r => (r.Values, r.Line)), _roleOptions[key], _matchers.Functions);
            }
        }
        var policies = new Dictionary<string, RuleSet>(StringComparer.Ordinal);
        foreach (var key in _model.Policies.Keys)
        {
            policies[key] = new RuleSet([.. _rules[key].Items]);
        }
        return new Snapshot
        {
            Model = _model,
            Matchers = _matchers,
            Policies = policies,
            Graphs = graphs,
            Enabled = _enabled,
            AcceptJsonRequest = _acceptJson,
        };
    }

    private void Publish(Snapshot snapshot) => Volatile.Write(ref _snapshot, snapshot);

    /// <summary>Decides a request with the default context (r, p, e, m). Any evaluation error denies.</summary>
    public bool Enforce(params object?[] request) => Decide(Volatile.Read(ref _snapshot), DefaultContext, request).Allowed;

    /// <summary>Decides a request with another set of definitions (Casbin's enforce context).</summary>
    public bool EnforceWithContext(EnforceContext context, params object?[] request) =>
        Decide(Volatile.Read(ref _snapshot), context, request).Allowed;

    /// <summary>Decides a request and reports the rule that decided it (with its file and line), or the error.</summary>
    public EnforceResult EnforceEx(params object?[] request) => EnforceExWithContext(DefaultContext, request);

    public EnforceResult EnforceExWithContext(EnforceContext context, params object?[] request)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        var decision = Decide(snapshot, context, request);
        if (decision.Error is not null)
        {
            return EnforceResult.Failed(decision.Error);
        }
        PolicyRule? rule = null;
        if (decision.RuleIndex >= 0 && snapshot.Policies.TryGetValue(context.PType, out var set))
        {
            var stored = set.Rules[decision.RuleIndex];
            rule = new PolicyRule(context.PType, stored.Values, stored.File, stored.Line > 0 ? stored.Line : null);
        }
        return new EnforceResult(decision.Allowed, rule, null);
    }

    /// <summary>
    /// Every rule whose matcher holds for the request, in rule order, whatever its effect: what a
    /// privacy officer asks when a decision is explained (the reference's <c>enforceEx</c> names only the
    /// first). Empty when none matches or the request cannot be evaluated (see <see cref="EnforceEx"/>
    /// for the error).
    /// </summary>
    public IReadOnlyList<PolicyRule> MatchingRules(params object?[] request)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        var matches = new List<int>();
        if (Decide(snapshot, DefaultContext, request, matches).Error is not null || !snapshot.Policies.TryGetValue(DefaultContext.PType, out var set))
        {
            return [];
        }
        return [.. matches.Select(i => set.Rules[i]).Select(r => new PolicyRule(DefaultContext.PType, r.Values, r.File, r.Line > 0 ? r.Line : null))];
    }

    /// <summary>Decides many requests against one snapshot (all see the same policy).</summary>
    public bool[] BatchEnforce(IReadOnlyList<object?[]> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var snapshot = Volatile.Read(ref _snapshot);
        var results = new bool[requests.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = Decide(snapshot, DefaultContext, requests[i]).Allowed;
        }
        return results;
    }

    private readonly record struct Decision(bool Allowed, int RuleIndex, string? Error);

    private enum Effect
    {
        Allow,
        Deny,
        Indeterminate,
    }

    // matches: when given, every matching rule's index is added to it and the effect does not stop
    // the walk (the decision returned is then meaningless).
    private static Decision Decide(Snapshot snapshot, EnforceContext context, object?[] request, List<int>? matches = null)
    {
        if (!snapshot.Enabled)
        {
            return new Decision(true, -1, null);
        }
        var plan = snapshot.GetPlan(context, ReferenceEquals(context, DefaultContext));
        if (plan.Error is not null)
        {
            return new Decision(false, -1, plan.Error);
        }
        if (request.Length != plan.RequestLength)
        {
            return new Decision(false, -1, $"invalid request size: expected {plan.RequestLength}, got {request.Length}");
        }
        var ctx = t_context ?? new EvalContext();
        t_context = null; // re-entrant calls (a custom function that enforces) get their own context
        try
        {
            if (ctx.Request.Length != request.Length)
            {
                ctx.Request = new Value[request.Length];
            }
            for (var i = 0; i < request.Length; i++)
            {
                if (ConvertRequestValue(request[i], snapshot.AcceptJsonRequest, out ctx.Request[i]) is { } jsonError)
                {
                    return new Decision(false, -1, jsonError);
                }
            }
            ctx.Roles = snapshot;
            ctx.BeginRequest(plan.Matcher.SiteCount);
            return Evaluate(plan, ctx, matches);
        }
        catch (MatcherException e)
        {
            return new Decision(false, -1, e.Message);
        }
        finally
        {
            ctx.Roles = null!;
            ctx.Rule = [];
            t_context = ctx;
        }
    }

    private static string? ConvertRequestValue(object? raw, bool acceptJson, out Value value)
    {
        if (acceptJson && raw is string s && s.Length > 0 && (s[0] == '{' || s[0] == '['))
        {
            try
            {
                using var document = JsonDocument.Parse(s);
                value = Value.FromJson(document.RootElement.Clone());
                return null;
            }
            catch (JsonException e)
            {
                value = Value.Null;
                return "invalid JSON request: " + e.Message;
            }
        }
        value = Value.FromObject(raw);
        return null;
    }

    private static Decision Evaluate(DecisionPlan plan, EvalContext ctx, List<int>? matches)
    {
        var pTokens = plan.PTokens;
        var matcher = plan.Matcher;
        var effect = plan.Effect;
        var set = plan.Rules;
        var rules = set.Rules;
        if (rules.Length == 0 || !matcher.UsesPolicy)
        {
            if (matcher.UsesEval && rules.Length == 0)
            {
                return new Decision(false, -1, "please make sure rule exists in policy when using eval() in matcher");
            }
            // No rule to test (or a matcher that reads none): evaluate once with empty policy values,
            // and a true result counts as one matching allow rule (the reference's behaviour).
            ctx.Rule = EmptyRule(pTokens.Length);
            var matched = IsMatch(matcher.Evaluate(ctx));
            var allowed = effect switch
            {
                EffectKind.DenyOverride => true,
                EffectKind.AllowOverride or EffectKind.AllowAndDeny or EffectKind.Priority or EffectKind.SubjectPriority => matched,
            };
            return new Decision(allowed, -1, null);
        }

        var eftIndex = plan.EftIndex;
        var candidates = Candidates(set, matcher, ctx);
        var count = candidates?.Length ?? rules.Length;
        var firstAllow = -1;
        for (var c = 0; c < count; c++)
        {
            var i = candidates is null ? c : candidates[c];
            var values = rules[i].Values;
            if (values.Length != pTokens.Length)
            {
                return new Decision(false, -1, $"invalid policy size: expected {pTokens.Length}, got {values.Length}");
            }
            ctx.Rule = values;
            if (!IsMatch(matcher.Evaluate(ctx)))
            {
                continue;
            }
            if (matches is not null)
            {
                matches.Add(i);
                continue;
            }
            var eft = eftIndex < 0 ? Effect.Allow : values[eftIndex] switch
            {
                "allow" => Effect.Allow,
                "deny" => Effect.Deny,
                _ => Effect.Indeterminate,
            };
            switch (effect)
            {
                case EffectKind.AllowOverride:
                    if (eft == Effect.Allow)
                    {
                        return new Decision(true, i, null);
                    }
                    break;
                case EffectKind.DenyOverride:
                    if (eft == Effect.Deny)
                    {
                        return new Decision(false, i, null);
                    }
                    break;
                case EffectKind.AllowAndDeny:
                    if (eft == Effect.Deny)
                    {
                        return new Decision(false, i, null);
                    }
                    if (eft == Effect.Allow && firstAllow < 0)
                    {
                        firstAllow = i;
                    }
                    break;
                case EffectKind.Priority:
                case EffectKind.SubjectPriority:
                    if (eft != Effect.Indeterminate)
                    {
                        return new Decision(eft == Effect.Allow, i, null);
                    }
                    break;
            }
        }
        return effect switch
        {
            EffectKind.DenyOverride => new Decision(true, -1, null),
            EffectKind.AllowAndDeny => new Decision(firstAllow >= 0, firstAllow, null),
            EffectKind.AllowOverride or EffectKind.Priority or EffectKind.SubjectPriority => new Decision(false, -1, null),
        };
    }

    /// <summary>
    /// The rules that can match: when the matcher requires <c>r.X == p.Y</c>, only rules whose Y equals the
    /// request's X (from the most selective such index). Null means every rule.
    /// </summary>
    private static int[]? Candidates(RuleSet set, CompiledMatcher matcher, EvalContext ctx)
    {
        if (matcher.Equalities.Length == 0 || set.Rules.Length < 8)
        {
            return null;
        }
        int[]? best = null;
        // An array and a for loop: no boxed enumerator on the hot path.
        var equalities = matcher.Equalities;
        for (var e = 0; e < equalities.Length; e++)
        {
            var (policyIndex, requestIndex) = equalities[e];
            if (ctx.Request[requestIndex].AsString is not { } key)
            {
                return null;
            }
            var index = set.GetIndex(policyIndex);
            var found = index.TryGetValue(key, out var list) ? list : [];
            if (best is null || found.Length < best.Length)
            {
                best = found;
            }
            if (best.Length == 0)
            {
                break;
            }
        }
        return best;
    }

    private static readonly string[][] EmptyRules = [.. Enumerable.Range(0, 32).Select(n => Enumerable.Repeat("", n).ToArray())];

    private static string[] EmptyRule(int length) => length < EmptyRules.Length ? EmptyRules[length] : Enumerable.Repeat("", length).ToArray();

    private static bool IsMatch(in Value result) => result.Kind switch
    {
        ValueKind.Bool => result.IsTrue,
        ValueKind.Number => result.Number != 0,
        ValueKind.Null or ValueKind.String or ValueKind.Object => throw new MatcherException($"matcher result should be bool, int or float, got '{result}'"),
    };
}
