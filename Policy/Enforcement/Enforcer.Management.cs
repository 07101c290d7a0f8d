using DataVault.Policy.Enforcement;
using DataVault.Policy.Matching;
using DataVault.Policy.Roles;

namespace DataVault.Policy;

/// <summary>Casbin's management API: read, add, remove and update rules of any type, and configuration.</summary>
public sealed partial class Enforcer
{
    private const string DefaultP = "p";
    private const string DefaultG = "g";

    /// <summary>Runs a change under the lock and publishes a new snapshot if it changed anything.</summary>
    private bool Change(Func<bool> change, params string[] touched)
    {
        lock (_gate)
        {
            if (!change())
            {
                return false;
            }
            Publish(BuildSnapshot(touched.Where(_model.Roles.ContainsKey).ToArray(), null));
            return true;
        }
    }

    private RuleList? Rules(string ptype) => _rules.TryGetValue(ptype, out var list) ? list : null;

    private List<IReadOnlyList<string>> Read(string ptype, Func<string[], bool>? filter = null)
    {
        lock (_gate)
        {
            var list = Rules(ptype);
            return list is null ? [] : [.. list.Items.Where(r => filter is null || filter(r.Values)).Select(r => (IReadOnlyList<string>)[.. r.Values])];
        }
    }

    private static Func<string[], bool> Filter(int fieldIndex, string[] values) => rule =>
    {
        for (var i = 0; i < values.Length; i++)
        {
            var at = fieldIndex + i;
            if (values[i].Length > 0 && (at >= rule.Length || rule[at] != values[i]))
            {
                return false;
            }
        }
        return true;
    };

    public IReadOnlyList<IReadOnlyList<string>> GetPolicy() => Read(DefaultP);

    public IReadOnlyList<IReadOnlyList<string>> GetNamedPolicy(string ptype) => Read(ptype);

    public IReadOnlyList<IReadOnlyList<string>> GetGroupingPolicy() => Read(DefaultG);

    public IReadOnlyList<IReadOnlyList<string>> GetNamedGroupingPolicy(string ptype) => Read(ptype);

    public IReadOnlyList<IReadOnlyList<string>> GetFilteredPolicy(int fieldIndex, params string[] fieldValues) =>
        Read(DefaultP, Filter(fieldIndex, fieldValues));

    public IReadOnlyList<IReadOnlyList<string>> GetFilteredNamedPolicy(string ptype, int fieldIndex, params string[] fieldValues) =>
        Read(ptype, Filter(fieldIndex, fieldValues));

    public IReadOnlyList<IReadOnlyList<string>> GetFilteredGroupingPolicy(int fieldIndex, params string[] fieldValues) =>
        Read(DefaultG, Filter(fieldIndex, fieldValues));

    public IReadOnlyList<IReadOnlyList<string>> GetFilteredNamedGroupingPolicy(string ptype, int fieldIndex, params string[] fieldValues) =>
        Read(ptype, Filter(fieldIndex, fieldValues));

    /// <summary>The rules of <paramref name="ptype"/> for which a matcher expression over <c>p.*</c> is true.</summary>
    public PolicyResult<IReadOnlyList<IReadOnlyList<string>>> GetFilteredNamedPolicyWithMatcher(string ptype, string matcher)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        var rKey = _model.Requests.ContainsKey("r") ? "r" : _model.Requests.Keys.First();
        var (compiled, error, at) = new Compiler(_model, rKey, ptype, _matchers.Functions).Compile(matcher);
        if (compiled is null)
        {
            return PolicyResult<IReadOnlyList<IReadOnlyList<string>>>.Failure(new PolicyError("matcher", 1, at + 1, error!));
        }
        var result = new List<IReadOnlyList<string>>();
        var ctx = new EvalContext { Roles = snapshot, Request = new Value[_model.Requests[rKey].Length] };
        ctx.BeginRequest(compiled.SiteCount);
        try
        {
            foreach (var rule in snapshot.Policies.TryGetValue(ptype, out var set) ? set.Rules : [])
            {
                ctx.Rule = rule.Values;
                if (compiled.Evaluate(ctx).IsTrue)
                {
                    result.Add([.. rule.Values]);
                }
            }
        }
        catch (MatcherException e)
        {
            return PolicyResult<IReadOnlyList<IReadOnlyList<string>>>.Failure(new PolicyError("matcher", 1, 1, e.Message));
        }
        return PolicyResult<IReadOnlyList<IReadOnlyList<string>>>.Success(result);
    }

    public bool HasPolicy(params string[] rule) => HasNamedPolicy(DefaultP, rule);

    public bool HasNamedPolicy(string ptype, params string[] rule)
    {
        lock (_gate)
        {
            return Rules(ptype)?.Keys.Contains(RuleKey(rule)) == true;
        }
    }

    public bool HasGroupingPolicy(params string[] rule) => HasNamedPolicy(DefaultG, rule);

    public bool HasNamedGroupingPolicy(string ptype, params string[] rule) => HasNamedPolicy(ptype, rule);

    public bool AddPolicy(params string[] rule) => AddRules(DefaultP, [rule], skipExisting: false);

    public bool AddNamedPolicy(string ptype, params string[] rule) => AddRules(ptype, [rule], skipExisting: false);

    /// <summary>Adds all rules, or none if any already exists.</summary>
    public bool AddPolicies(IEnumerable<string[]> rules) => AddRules(DefaultP, rules, skipExisting: false);

    public bool AddNamedPolicies(string ptype, IEnumerable<string[]> rules) => AddRules(ptype, rules, skipExisting: false);

    /// <summary>Adds the rules that are new and skips those that already exist.</summary>
    public bool AddPoliciesEx(IEnumerable<string[]> rules) => AddRules(DefaultP, rules, skipExisting: true);

    public bool AddNamedPoliciesEx(string ptype, IEnumerable<string[]> rules) => AddRules(ptype, rules, skipExisting: true);

    public bool AddGroupingPolicy(params string[] rule) => AddRules(DefaultG, [rule], skipExisting: false);

    public bool AddNamedGroupingPolicy(string ptype, params string[] rule) => AddRules(ptype, [rule], skipExisting: false);

    public bool AddGroupingPolicies(IEnumerable<string[]> rules) => AddRules(DefaultG, rules, skipExisting: false);

    public bool AddNamedGroupingPolicies(string ptype, IEnumerable<string[]> rules) => AddRules(ptype, rules, skipExisting: false);

    public bool AddGroupingPoliciesEx(IEnumerable<string[]> rules) => AddRules(DefaultG, rules, skipExisting: true);

    public bool AddNamedGroupingPoliciesEx(string ptype, IEnumerable<string[]> rules) => AddRules(ptype, rules, skipExisting: true);

    /// <summary>Casbin's SelfAddPoliciesEx (no watcher here, so the same as the Ex form); <paramref name="section"/> is "p" or "g".</summary>
    public bool SelfAddPoliciesEx(string section, string ptype, IEnumerable<string[]> rules) =>
        ptype.StartsWith(section, StringComparison.Ordinal) && AddRules(ptype, rules, skipExisting: true);

    private bool AddRules(string ptype, IEnumerable<string[]> rules, bool skipExisting)
    {
        var rows = rules.Select(r => r.ToArray()).ToList();
        return Change(() =>
        {
            var list = Rules(ptype);
            if (list is null || rows.Exists(r => CheckRule(ptype, r) is not null))
            {
                return false;
            }
            if (!skipExisting && rows.Exists(r => list.Keys.Contains(RuleKey(r))))
            {
                return false;
            }
            var priority = _model.Policies.ContainsKey(ptype) ? PriorityIndex(ptype) : null;
            var added = false;
            foreach (var row in rows)
            {
                if (!list.Keys.Add(RuleKey(row)))
                {
                    continue;
                }
                var stored = new StoredRule(row, null, 0);
                if (priority is { } p && int.TryParse(row[p], System.Globalization.CultureInfo.InvariantCulture, out var mine))
                {
                    // Insert after the last rule of lower or equal priority, as the reference's AddPolicy does.
                    var at = list.Items.Count;
                    while (at > 0 && int.TryParse(list.Items[at - 1].Values[p], System.Globalization.CultureInfo.InvariantCulture, out var other) && other > mine)
                    {
                        at--;
                    }
                    list.Items.Insert(at, stored);
                }
                else
                {
                    list.Items.Add(stored);
                }
                added = true;
            }
            return added;
        }, ptype);
    }

    public bool RemovePolicy(params string[] rule) => RemoveRules(DefaultP, [rule]);

    public bool RemoveNamedPolicy(string ptype, params string[] rule) => RemoveRules(ptype, [rule]);

    public bool RemovePolicies(IEnumerable<string[]> rules) => RemoveRules(DefaultP, rules);

    public bool RemoveNamedPolicies(string ptype, IEnumerable<string[]> rules) => RemoveRules(ptype, rules);

    public bool RemoveGroupingPolicy(params string[] rule) => RemoveRules(DefaultG, [rule]);

    public bool RemoveNamedGroupingPolicy(string ptype, params string[] rule) => RemoveRules(ptype, [rule]);

    public bool RemoveGroupingPolicies(IEnumerable<string[]> rules) => RemoveRules(DefaultG, rules);

    public bool RemoveNamedGroupingPolicies(string ptype, IEnumerable<string[]> rules) => RemoveRules(ptype, rules);

    private bool RemoveRules(string ptype, IEnumerable<string[]> rules)
    {
        var keys = rules.Select(RuleKey).ToHashSet(RuleComparer.Instance);
        return Change(() =>
        {
            var list = Rules(ptype);
            if (list is null || !keys.Any(list.Keys.Contains))
            {
                return false;
            }
            list.Items.RemoveAll(r => keys.Contains(RuleKey(r.Values)));
            list.Keys.ExceptWith(keys);
            return true;
        }, ptype);
    }

    /// <summary>Removes the rules whose fields from <paramref name="fieldIndex"/> on equal the values; "" matches anything.</summary>
    public bool RemoveFilteredPolicy(int fieldIndex, params string[] fieldValues) => RemoveFilteredNamedPolicy(DefaultP, fieldIndex, fieldValues);

    public bool RemoveFilteredNamedPolicy(string ptype, int fieldIndex, params string[] fieldValues) => RemoveWhere(ptype, Filter(fieldIndex, fieldValues));

    public bool RemoveFilteredGroupingPolicy(int fieldIndex, params string[] fieldValues) => RemoveWhere(DefaultG, Filter(fieldIndex, fieldValues));

    public bool RemoveFilteredNamedGroupingPolicy(string ptype, int fieldIndex, params string[] fieldValues) => RemoveWhere(ptype, Filter(fieldIndex, fieldValues));

    private bool RemoveWhere(string ptype, Func<string[], bool> predicate) => Change(() =>
    {
        var list = Rules(ptype);
        if (list is null)
        {
            return false;
        }
        var removed = list.Items.Where(r => predicate(r.Values)).ToList();
        if (removed.Count == 0)
        {
            return false;
        }
        list.Items.RemoveAll(r => predicate(r.Values));
        foreach (var r in removed)
        {
            list.Keys.Remove(RuleKey(r.Values));
        }
        return true;
    }, ptype);

    public bool UpdatePolicy(string[] oldRule, string[] newRule) => UpdateRules(DefaultP, [oldRule], [newRule]);

    public bool UpdateNamedPolicy(string ptype, string[] oldRule, string[] newRule) => UpdateRules(ptype, [oldRule], [newRule]);

    public bool UpdatePolicies(IReadOnlyList<string[]> oldRules, IReadOnlyList<string[]> newRules) => UpdateRules(DefaultP, oldRules, newRules);

    public bool UpdateGroupingPolicy(string[] oldRule, string[] newRule) => UpdateRules(DefaultG, [oldRule], [newRule]);

    public bool UpdateNamedGroupingPolicy(string ptype, string[] oldRule, string[] newRule) => UpdateRules(ptype, [oldRule], [newRule]);

    public bool UpdateGroupingPolicies(IReadOnlyList<string[]> oldRules, IReadOnlyList<string[]> newRules) => UpdateRules(DefaultG, oldRules, newRules);

    /// <summary>Replaces each old rule in place by its new rule; nothing changes unless every old rule exists.</summary>
    private bool UpdateRules(string ptype, IReadOnlyList<string[]> oldRules, IReadOnlyList<string[]> newRules)
    {
        if (oldRules.Count != newRules.Count)
        {
            return false;
        }
        return Change(() =>
        {
            var list = Rules(ptype);
            if (list is null || oldRules.Any(r => !list.Keys.Contains(RuleKey(r))) || newRules.Any(r => CheckRule(ptype, r) is not null))
            {
                return false;
            }
            for (var i = 0; i < oldRules.Count; i++)
            {
                var oldKey = RuleKey(oldRules[i]);
                var at = list.Items.FindIndex(r => RuleComparer.Instance.Equals(r.Values, oldKey));
                list.Keys.Remove(oldKey);
                list.Items[at] = new StoredRule([.. newRules[i]], null, 0);
                list.Keys.Add(RuleKey(newRules[i]));
            }
            return true;
        }, ptype);
    }

    /// <summary>Removes every rule of every type.</summary>
    public void ClearPolicy() => Change(() =>
    {
        foreach (var list in _rules.Values)
        {
            list.Items.Clear();
            list.Keys.Clear();
        }
        return true;
    }, [.. _model.Roles.Keys]);

    /// <summary>When off, every request is allowed (Casbin's EnableEnforce); for tests and dry runs only.</summary>
    public void EnableEnforce(bool enabled) => Change(() =>
    {
        _enabled = enabled;
        return true;
    });

    /// <summary>No adapter writes policies back here, so auto-save has no effect; kept for API parity.</summary>
    public void EnableAutoSave(bool autoSave)
    {
        _ = autoSave;
    }

    /// <summary>When on, a request string starting with <c>{</c> or <c>[</c> is parsed as a JSON attribute object.</summary>
    public void EnableAcceptJsonRequest(bool accept) => Change(() =>
    {
        _acceptJson = accept;
        return true;
    });

    /// <summary>Registers a custom matcher function; matchers are recompiled once.</summary>
    public void AddFunction(string name, Func<object?[], object?> function)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(function);
        lock (_gate)
        {
            _functions[name] = function;
            _matchers = new MatcherCache(_model, new Dictionary<string, Func<object?[], object?>>(_functions));
            Publish(BuildSnapshot(null, null));
        }
    }

    /// <summary>Matches user and role names of <paramref name="ptype"/> with a builtin (keyMatch2…), the stored name being the pattern.</summary>
    public bool AddNamedMatchingFunc(string ptype, string builtinName) =>
        ConfigureRoles(ptype, builtinName, o => o with { MatchingFunction = builtinName });

    public bool AddNamedDomainMatchingFunc(string ptype, string builtinName) =>
        ConfigureRoles(ptype, builtinName, o => o with { DomainMatchingFunction = builtinName });

    /// <summary>The link user → role is valid only while <paramref name="function"/> (timeMatch) returns true for the rule's extra fields.</summary>
    public bool AddNamedLinkConditionFunc(string ptype, string user, string role, string function) =>
        AddNamedDomainLinkConditionFunc(ptype, user, role, "", function);

    public bool AddNamedDomainLinkConditionFunc(string ptype, string user, string role, string domain, string function) =>
        ConfigureRoles(ptype, function, o => o with
        {
            LinkConditions = new Dictionary<(string, string, string), string>(o.LinkConditions) { [(user, role, domain)] = function },
        });

    /// <summary>Limits role inheritance of <paramref name="ptype"/> to <paramref name="maxHierarchyLevel"/> links (default 10).</summary>
    public bool SetMaxHierarchyLevel(string ptype, int maxHierarchyLevel)
    {
        if (maxHierarchyLevel < 0)
        {
            return false;
        }
        return ConfigureRoles(ptype, null, o => new RoleManagerOptions { MaxHierarchyLevel = maxHierarchyLevel });
    }

    private bool ConfigureRoles(string ptype, string? function, Func<RoleManagerOptions, RoleManagerOptions> change)
    {
        if (function is not null && !BuiltinFunctions.All.ContainsKey(function) && !_functions.ContainsKey(function))
        {
            return false;
        }
        return Change(() =>
        {
            if (!_roleOptions.TryGetValue(ptype, out var options))
            {
                return false;
            }
            _roleOptions[ptype] = change(options);
            return true;
        }, ptype);
    }

    /// <summary>Declares which position of a <paramref name="ptype"/> rule holds <paramref name="field"/> ("priority", "sub", "dom"…).</summary>
    public void SetFieldIndex(string ptype, string field, int index)
    {
        lock (_gate)
        {
            _fieldIndexes[(ptype, field)] = index;
        }
    }

    private List<string> Distinct(string ptype, int field)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in Read(ptype))
        {
            if (field < rule.Count && seen.Add(rule[field]))
            {
                result.Add(rule[field]);
            }
        }
        return result;
    }

    public IReadOnlyList<string> GetAllSubjects() => Distinct(DefaultP, FieldIndexOrDefault(DefaultP, "sub", 0));

    public IReadOnlyList<string> GetAllNamedSubjects(string ptype) => Distinct(ptype, FieldIndexOrDefault(ptype, "sub", 0));

    public IReadOnlyList<string> GetAllObjects() => Distinct(DefaultP, FieldIndexOrDefault(DefaultP, "obj", 1));

    public IReadOnlyList<string> GetAllActions() => Distinct(DefaultP, FieldIndexOrDefault(DefaultP, "act", 2));

    public IReadOnlyList<string> GetAllRoles() => Distinct(DefaultG, 1);

    public IReadOnlyList<string> GetAllNamedRoles(string ptype) => Distinct(ptype, 1);

    /// <summary>Subjects of <c>p</c> rules that are not roles.</summary>
    public IReadOnlyList<string> GetAllUsers()
    {
        var roles = GetAllRoles().ToHashSet(StringComparer.Ordinal);
        return [.. GetAllSubjects().Where(s => !roles.Contains(s))];
    }

    private int FieldIndexOrDefault(string ptype, string field, int fallback)
    {
        lock (_gate)
        {
            return FieldIndex(ptype, field) ?? fallback;
        }
    }
}
