using DataVault.Policy.Matching;

namespace DataVault.Policy.Roles;

/// <summary>
/// How a role manager (<c>g</c>, <c>g2</c>…) is configured: pattern matching of role and domain names,
/// time-bounded links, and the maximum inheritance depth. Immutable; a change makes a new graph.
/// </summary>
internal sealed record RoleManagerOptions
{
    public const int DefaultMaxHierarchyLevel = 10;

    /// <summary>A builtin name (keyMatch2…) used to match user/role names, the stored name being the pattern.</summary>
    public string? MatchingFunction { get; init; }

    public string? DomainMatchingFunction { get; init; }

    public int MaxHierarchyLevel { get; init; } = DefaultMaxHierarchyLevel;

    /// <summary>Link conditions per (user, role, domain): the function named is called with the rule's extra fields.</summary>
    public IReadOnlyDictionary<(string User, string Role, string Domain), string> LinkConditions { get; init; } =
        new Dictionary<(string, string, string), string>();
}

/// <summary>
/// One role hierarchy (the links of one <c>g</c> type), immutable. Answers "does user reach role (in domain)"
/// within the maximum depth, honouring name and domain patterns and link conditions. Without patterns or
/// conditions a user's whole closure is computed once and cached in the graph, which is safe because the
/// graph never changes: a policy change builds a new graph.
/// </summary>
internal sealed class RoleGraph
{
    private readonly Dictionary<string, DomainLinks> _domains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string[]>> _closures = new(StringComparer.Ordinal);
    private readonly Func<string, string, bool>? _match;
    private readonly Func<string, string, bool>? _domainMatch;
    private readonly IReadOnlyDictionary<string, Func<object?[], object?>> _functions;

    private sealed class DomainLinks
    {
        public readonly Dictionary<string, List<Link>> Parents = new(StringComparer.Ordinal);
        public readonly Dictionary<string, List<string>> Children = new(StringComparer.Ordinal);
    }

    internal sealed record Link(string Role, string[] Parameters, string? Condition, int Line);

    public RoleGraph(Model.RoleDefinition definition, IEnumerable<(string[] Values, int Line)> rules, RoleManagerOptions options,
        IReadOnlyDictionary<string, Func<object?[], object?>> functions)
    {
        Definition = definition;
        Options = options;
        _functions = functions;
        _match = ResolveMatcher(options.MatchingFunction);
        _domainMatch = ResolveMatcher(options.DomainMatchingFunction);
        var mainCount = definition.HasDomain ? 3 : 2;
        var hasConditions = options.LinkConditions.Count > 0;
        DomainLinks? current = null;
        string? currentDomain = null;
        foreach (var (values, line) in rules)
        {
            if (values.Length < 2)
            {
                continue;
            }
            var domain = definition.HasDomain && values.Length >= 3 ? values[2] : "";
            var parameters = values.Length > mainCount ? values[mainCount..] : [];
            string? condition = null;
            if (hasConditions)
            {
                options.LinkConditions.TryGetValue((values[0], values[1], domain), out condition);
            }
            if (current is null || !string.Equals(currentDomain, domain, StringComparison.Ordinal))
            {
                if (!_domains.TryGetValue(domain, out current))
                {
                    current = new DomainLinks();
                    _domains[domain] = current;
                }
                currentDomain = domain;
            }
            if (!current.Parents.TryGetValue(values[0], out var parents))
            {
                parents = new List<Link>(1);
                current.Parents[values[0]] = parents;
            }
            // A link is kept once (rules differing only in custom data name the same link).
            if (HasRole(parents, values[1]))
            {
                continue;
            }
            parents.Add(new Link(values[1], parameters, condition, line));
            if (!current.Children.TryGetValue(values[1], out var children))
            {
                children = [];
                current.Children[values[1]] = children;
            }
            children.Add(values[0]);
        }
        SupportsClosure = _match is null && _domainMatch is null && options.LinkConditions.Count == 0;
        if (SupportsClosure)
        {
            // Every name's reachable roles, computed once per graph (the graph never changes), so that a
            // decision costs a dictionary lookup and a short array scan, and allocates nothing.
            foreach (var (domain, links) in _domains)
            {
                var closures = new Dictionary<string, string[]>(links.Parents.Count, StringComparer.Ordinal);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var found = new List<string>();
                foreach (var (name, parents) in links.Parents)
                {
                    closures[name] = ClosureOf(name, parents, links, seen, found);
                }
                _closures[domain] = closures;
            }
        }
    }

    private static bool HasRole(List<Link> parents, string role)
    {
        foreach (var link in parents)
        {
            if (string.Equals(link.Role, role, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The roles a user reaches (the user excluded): an immutable view for the per-request cache.</summary>
    internal sealed class Closure(string user, string[] roles)
    {
        public bool Contains(string role)
        {
            if (string.Equals(role, user, StringComparison.Ordinal))
            {
                return true;
            }
            foreach (var r in roles)
            {
                if (string.Equals(r, role, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Breadth-first closure within the depth limit, reusing the caller's buffers (no patterns, no conditions).</summary>
    private string[] ClosureOf(string name, List<Link> parents, DomainLinks links, HashSet<string> seen, List<string> found)
    {
        if (Options.MaxHierarchyLevel < 1)
        {
            return [];
        }
        // Common case: the parents have no parents of their own (users under flat roles).
        var flat = true;
        foreach (var link in parents)
        {
            if (links.Parents.ContainsKey(link.Role))
            {
                flat = false;
                break;
            }
        }
        if (flat)
        {
            var direct = new string[parents.Count];
            for (var i = 0; i < direct.Length; i++)
            {
                direct[i] = parents[i].Role;
            }
            return direct;
        }
        seen.Clear();
        found.Clear();
        seen.Add(name);
        var start = 0;
        found.Add(name);
        for (var depth = 0; depth < Options.MaxHierarchyLevel && start < found.Count; depth++)
        {
            var end = found.Count;
            for (var i = start; i < end; i++)
            {
                if (!links.Parents.TryGetValue(found[i], out var up))
                {
                    continue;
                }
                foreach (var link in up)
                {
                    if (seen.Add(link.Role))
                    {
                        found.Add(link.Role);
                    }
                }
            }
            start = end;
        }
        return [.. found.Skip(1)];
    }

    public Model.RoleDefinition Definition { get; }

    public RoleManagerOptions Options { get; }

    /// <summary>True when a user's reachable roles can be computed once and cached (no patterns, no conditions).</summary>
    public bool SupportsClosure { get; }

    private static Func<string, string, bool>? ResolveMatcher(string? name)
    {
        if (name is null)
        {
            return null;
        }
        var builtin = BuiltinFunctions.All[name];
        return (value, pattern) => BuiltinFunctions.Invoke(builtin, [Value.FromString(value), Value.FromString(pattern)]).IsTrue;
    }

    private bool NameMatches(string name, string pattern) => name == pattern || (_match is not null && _match(name, pattern));

    private IEnumerable<DomainLinks> DomainsFor(string? domain)
    {
        var d = domain ?? "";
        if (_domainMatch is null)
        {
            if (_domains.TryGetValue(d, out var links))
            {
                yield return links;
            }
            yield break;
        }
        foreach (var (stored, links) in _domains)
        {
            if (stored == d || _domainMatch(d, stored))
            {
                yield return links;
            }
        }
    }

    private bool LinkIsActive(Link link)
    {
        if (link.Condition is null)
        {
            return true;
        }
        try
        {
            var args = link.Parameters.Cast<object?>().ToArray();
            if (_functions.TryGetValue(link.Condition, out var custom))
            {
                return custom(args) is true;
            }
            return BuiltinFunctions.All.TryGetValue(link.Condition, out var builtin)
                && BuiltinFunctions.Invoke(builtin, [.. link.Parameters.Select(Value.FromString)]).IsTrue;
        }
        catch (MatcherException)
        {
            return false;
        }
    }

    /// <summary>The direct, active parents of a name in a domain, following name patterns.</summary>
    private List<string> DirectRoles(string name, string? domain)
    {
        var result = new List<string>();
        foreach (var links in DomainsFor(domain))
        {
            if (_match is null)
            {
                if (links.Parents.TryGetValue(name, out var parents))
                {
                    AddActive(parents, result);
                }
                continue;
            }
            foreach (var (stored, parents) in links.Parents)
            {
                if (NameMatches(name, stored))
                {
                    AddActive(parents, result);
                }
            }
        }
        return result;
    }

    private void AddActive(List<Link> parents, List<string> into)
    {
        foreach (var link in parents)
        {
            if (LinkIsActive(link) && !into.Contains(link.Role))
            {
                into.Add(link.Role);
            }
        }
    }

    private List<string> DirectUsers(string name, string? domain)
    {
        var result = new List<string>();
        foreach (var links in DomainsFor(domain))
        {
            foreach (var (stored, children) in links.Children)
            {
                if (!NameMatches(name, stored) && !(_match is not null && _match(stored, name)))
                {
                    continue;
                }
                foreach (var child in children)
                {
                    var active = links.Parents[child].Exists(l => l.Role == stored && LinkIsActive(l));
                    if (active && !result.Contains(child))
                    {
                        result.Add(child);
                    }
                }
            }
        }
        return result;
    }

    /// <summary>Does <paramref name="user"/> reach <paramref name="role"/> within the maximum depth?</summary>
    public bool HasLink(string user, string role, string? domain)
    {
        if (user == role || (_match is not null && _match(user, role)))
        {
            return true;
        }
        if (SupportsClosure)
        {
            return RolesOf(user, domain) is { } roles && Array.IndexOf(roles, role) >= 0;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal) { user };
        var level = new List<string> { user };
        for (var depth = 0; depth < Options.MaxHierarchyLevel && level.Count > 0; depth++)
        {
            var next = new List<string>();
            foreach (var name in level)
            {
                foreach (var parent in DirectRoles(name, domain))
                {
                    if (parent == role || (_match is not null && _match(parent, role)))
                    {
                        return true;
                    }
                    if (seen.Add(parent))
                    {
                        next.Add(parent);
                    }
                }
            }
            level = next;
        }
        return false;
    }

    private string[]? RolesOf(string user, string? domain) =>
        _closures.TryGetValue(domain ?? "", out var closures) && closures.TryGetValue(user, out var roles) ? roles : null;

    /// <summary>The user and every role it reaches (only when <see cref="SupportsClosure"/>); allocates one small object.</summary>
    public Closure GetClosure(string user, string? domain) => new(user, RolesOf(user, domain) ?? []);

    /// <summary>Direct roles of a user (Casbin's <c>GetRoles</c>).</summary>
    public List<string> GetRoles(string user, string? domain) => DirectRoles(user, domain);

    /// <summary>Direct users of a role (Casbin's <c>GetUsers</c>).</summary>
    public List<string> GetUsers(string role, string? domain) => DirectUsers(role, domain);

    /// <summary>Every role reached, breadth first, at most <see cref="RoleManagerOptions.MaxHierarchyLevel"/> links away.</summary>
    public List<string> ImplicitRoles(string user, string? domain) => Walk(user, domain, DirectRoles);

    public List<string> ImplicitUsers(string role, string? domain) => Walk(role, domain, DirectUsers);

    private List<string> Walk(string start, string? domain, Func<string, string?, List<string>> step)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var level = new List<string> { start };
        for (var depth = 0; depth < Options.MaxHierarchyLevel && level.Count > 0; depth++)
        {
            var next = new List<string>();
            foreach (var name in level)
            {
                foreach (var other in step(name, domain))
                {
                    if (seen.Add(other))
                    {
                        result.Add(other);
                        next.Add(other);
                    }
                }
            }
            level = next;
        }
        return result;
    }

    /// <summary>Every domain that has links.</summary>
    public IEnumerable<string> Domains => _domains.Keys;

    /// <summary>
    /// Finds a cycle among the links (a role that inherits from itself). Returns the names on the cycle
    /// and the line of the link that closes it, or null.
    /// </summary>
    public (IReadOnlyList<string> Cycle, string Domain, int Line)? FindCycle()
    {
        foreach (var (domain, links) in _domains)
        {
            // Iterative depth-first search (a long chain of links must not exhaust the stack):
            // 1 = on the current path, 2 = finished.
            var state = new Dictionary<string, int>(StringComparer.Ordinal);
            var path = new List<string>();
            var stack = new Stack<(string Name, int Next)>();
            foreach (var start in links.Parents.Keys)
            {
                // A node on a cycle has both a parent and a child; skipping the rest (plain users,
                // top roles) keeps this linear in the number of roles, not of users.
                if (state.ContainsKey(start) || !links.Children.ContainsKey(start))
                {
                    continue;
                }
                stack.Push((start, 0));
                state[start] = 1;
                path.Add(start);
                while (stack.Count > 0)
                {
                    var (name, next) = stack.Pop();
                    var parents = links.Parents.TryGetValue(name, out var p) ? p : null;
                    if (parents is null || next >= parents.Count)
                    {
                        state[name] = 2;
                        path.RemoveAt(path.Count - 1);
                        continue;
                    }
                    stack.Push((name, next + 1));
                    var link = parents[next];
                    if (!state.TryGetValue(link.Role, out var st))
                    {
                        state[link.Role] = 1;
                        path.Add(link.Role);
                        stack.Push((link.Role, 0));
                    }
                    else if (st == 1)
                    {
                        var from = path.IndexOf(link.Role);
                        return ([.. path.Skip(from), link.Role], domain, link.Line);
                    }
                }
            }
        }
        return null;
    }
}
