using DataVault.Policy.Roles;

namespace DataVault.Policy;

/// <summary>
/// Casbin's RBAC API. Queries read one snapshot (no lock). A <c>domain</c> argument of null means the
/// model has no domains; the <c>InDomain</c> forms are the same calls with the domain required.
/// </summary>
public sealed partial class Enforcer
{
    private RoleGraph? Graph(string gtype) => Volatile.Read(ref _snapshot).GetRoleGraph(gtype);

    /// <summary>The roles a user holds directly (not inherited).</summary>
    public IReadOnlyList<string> GetRolesForUser(string user, string? domain = null) => Graph(DefaultG)?.GetRoles(user, domain) ?? [];

    public IReadOnlyList<string> GetNamedRolesForUser(string gtype, string user, string? domain = null) => Graph(gtype)?.GetRoles(user, domain) ?? [];

    /// <summary>The users (or roles) that hold a role directly.</summary>
    public IReadOnlyList<string> GetUsersForRole(string role, string? domain = null) => Graph(DefaultG)?.GetUsers(role, domain) ?? [];

    public bool HasRoleForUser(string user, string role, string? domain = null) => GetRolesForUser(user, domain).Contains(role);

    public IReadOnlyList<string> GetRolesForUserInDomain(string user, string domain) => GetRolesForUser(user, domain);

    public IReadOnlyList<string> GetUsersForRoleInDomain(string role, string domain) => GetUsersForRole(role, domain);

    /// <summary>Every role a user reaches through <c>g</c>, breadth first, within the maximum depth.</summary>
    public IReadOnlyList<string> GetImplicitRolesForUser(string user, string? domain = null) =>
        Graph(DefaultG)?.ImplicitRoles(user, domain) ?? [];

    public IReadOnlyList<string> GetNamedImplicitRolesForUser(string gtype, string user, string? domain = null) =>
        Graph(gtype)?.ImplicitRoles(user, domain) ?? [];

    /// <summary>Every user that reaches a role through any of the hierarchies (every <c>g</c> type, as the reference).</summary>
    public IReadOnlyList<string> GetImplicitUsersForRole(string role, string? domain = null) =>
        WalkAll(role, domain, (g, name) => g.GetUsers(name, domain));

    private List<string> WalkAll(string start, string? domain, Func<RoleGraph, string, List<string>> step)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        var graphs = snapshot.Graphs.Values.ToList();
        var maxLevel = snapshot.GetRoleGraph(DefaultG)?.Options.MaxHierarchyLevel ?? RoleManagerOptions.DefaultMaxHierarchyLevel;
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var level = new List<string> { start };
        for (var depth = 0; depth < maxLevel && level.Count > 0; depth++)
        {
            var next = new List<string>();
            foreach (var name in level)
            {
                foreach (var graph in graphs)
                {
                    foreach (var other in step(graph, name))
                    {
                        if (seen.Add(other))
                        {
                            result.Add(other);
                            next.Add(other);
                        }
                    }
                }
            }
            level = next;
        }
        _ = domain;
        return result;
    }

    public bool AddRoleForUser(string user, string role, string? domain = null) =>
        AddGroupingPolicy(domain is null ? [user, role] : [user, role, domain]);

    public bool AddRolesForUser(string user, IEnumerable<string> roles, string? domain = null) =>
        AddGroupingPolicies(roles.Select(r => domain is null ? new[] { user, r } : [user, r, domain]));

    public bool AddRoleForUserInDomain(string user, string role, string domain) => AddRoleForUser(user, role, domain);

    public bool DeleteRoleForUser(string user, string role, string? domain = null) =>
        RemoveGroupingPolicy(domain is null ? [user, role] : [user, role, domain]);

    public bool DeleteRoleForUserInDomain(string user, string role, string domain) => DeleteRoleForUser(user, role, domain);

    /// <summary>Removes every role of a user (in a domain, when given).</summary>
    public bool DeleteRolesForUser(string user, string? domain = null) =>
        domain is null ? RemoveFilteredGroupingPolicy(0, user) : RemoveFilteredGroupingPolicy(0, user, "", domain);

    public bool DeleteRolesForUserInDomain(string user, string domain) => DeleteRolesForUser(user, domain);

    /// <summary>Removes a user: its role links and the rules whose subject it is.</summary>
    public PolicyResult<bool> DeleteUser(string user)
    {
        if (SubjectIndex(DefaultP) is not { } sub)
        {
            return FieldMissing(DefaultP, "sub");
        }
        var links = RemoveFilteredGroupingPolicy(0, user);
        var rules = RemoveFilteredPolicy(sub, user);
        return PolicyResult<bool>.Success(links || rules);
    }

    /// <summary>Removes a role: links to and from it, and the rules whose subject it is.</summary>
    public PolicyResult<bool> DeleteRole(string role)
    {
        if (SubjectIndex(DefaultP) is not { } sub)
        {
            return FieldMissing(DefaultP, "sub");
        }
        var users = RemoveFilteredGroupingPolicy(1, role);
        var parents = RemoveFilteredGroupingPolicy(0, role);
        var rules = RemoveFilteredPolicy(sub, role);
        return PolicyResult<bool>.Success(users || parents || rules);
    }

    /// <summary>Removes a permission (the rule values after the subject) from every subject.</summary>
    public bool DeletePermission(params string[] permission) => RemoveFilteredPolicy(1, permission);

    public bool AddPermissionForUser(string user, params string[] permission) => AddPolicy([user, .. permission]);

    public bool AddPermissionsForUser(string user, params string[][] permissions) =>
        AddPolicies(permissions.Select(p => (string[])[user, .. p]));

    public bool DeletePermissionForUser(string user, params string[] permission) => RemovePolicy([user, .. permission]);

    public PolicyResult<bool> DeletePermissionsForUser(string user)
    {
        if (SubjectIndex(DefaultP) is not { } sub)
        {
            return FieldMissing(DefaultP, "sub");
        }
        return PolicyResult<bool>.Success(RemoveFilteredPolicy(sub, user));
    }

    private int? SubjectIndex(string ptype)
    {
        lock (_gate)
        {
            return FieldIndex(ptype, "sub");
        }
    }

    private PolicyResult<bool> FieldMissing(string ptype, string field) =>
        PolicyResult<bool>.Failure(new PolicyError(_model.File, 0, 0, $"'{ptype}' has no field '{field}'; declare it with SetFieldIndex"));

    /// <summary>The rules whose subject is the user (and whose domain is the domain, when given).</summary>
    public IReadOnlyList<IReadOnlyList<string>> GetPermissionsForUser(string user, string? domain = null) =>
        GetNamedPermissionsForUser(DefaultP, user, domain);

    public IReadOnlyList<IReadOnlyList<string>> GetNamedPermissionsForUser(string ptype, string user, string? domain = null)
    {
        int sub, dom;
        lock (_gate)
        {
            sub = FieldIndex(ptype, "sub") ?? 0;
            dom = FieldIndex(ptype, "dom") ?? 1;
        }
        return Read(ptype, r => r[sub] == user && (domain is null || (dom < r.Length && r[dom] == domain)));
    }

    /// <summary>The user's implicit permissions in a domain (the reference defines it so).</summary>
    public IReadOnlyList<IReadOnlyList<string>> GetPermissionsForUserInDomain(string user, string domain) => GetImplicitPermissionsForUser(user, domain);

    public bool HasPermissionForUser(string user, params string[] permission) => HasPolicy([user, .. permission]);

    /// <summary>The rules of the user and of every role it reaches (through <c>g</c>), in rule order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> GetImplicitPermissionsForUser(string user, string? domain = null) =>
        GetNamedImplicitPermissionsForUser(DefaultP, DefaultG, user, domain);

    public IReadOnlyList<IReadOnlyList<string>> GetNamedImplicitPermissionsForUser(string ptype, string gtype, string user, string? domain = null)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        var graph = snapshot.GetRoleGraph(gtype);
        int sub, dom;
        lock (_gate)
        {
            sub = FieldIndex(ptype, "sub") ?? 0;
            dom = FieldIndex(ptype, "dom") ?? 1;
        }
        var domainMatch = graph?.Options.DomainMatchingFunction is { } f ? Matching.BuiltinFunctions.All[f] : null;
        var result = new List<IReadOnlyList<string>>();
        foreach (var rule in snapshot.Policies.TryGetValue(ptype, out var set) ? set.Rules : [])
        {
            var values = rule.Values;
            if (domain is not null)
            {
                if (dom >= values.Length)
                {
                    continue;
                }
                var domainMatches = values[dom] == domain
                    || (domainMatch is not null && Matching.BuiltinFunctions.Invoke(domainMatch, [Matching.Value.FromString(domain), Matching.Value.FromString(values[dom])]).IsTrue);
                if (!domainMatches)
                {
                    continue;
                }
            }
            var linked = values[sub] == user || (graph is not null && graph.HasLink(user, values[sub], domain));
            if (linked)
            {
                // A rule matched through a domain pattern is reported in the requested domain.
                string[] row = [.. values];
                if (domain is not null)
                {
                    row[dom] = domain;
                }
                result.Add(row);
            }
        }
        return result;
    }

    /// <summary>The users (not roles) that have a permission, directly or through roles.</summary>
    public IReadOnlyList<string> GetImplicitUsersForPermission(params string[] permission)
    {
        var subjects = GetAllSubjects();
        var roles = GetAllRoles().ToHashSet(StringComparer.Ordinal);
        var users = new List<string>();
        foreach (var name in subjects.Concat(Read(DefaultG).Select(g => g[0])).Distinct(StringComparer.Ordinal))
        {
            if (roles.Contains(name))
            {
                continue;
            }
            if (Enforce([name, .. permission]))
            {
                users.Add(name);
            }
        }
        return users;
    }

    /// <summary>
    /// The user's implicit permissions with every non-subject value expanded to the names that reach it
    /// through the role hierarchies (resource groups), as the reference's GetImplicitResourcesForUser.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> GetImplicitResourcesForUser(string user, string? domain = null)
    {
        var result = new List<IReadOnlyList<string>>();
        foreach (var permission in GetImplicitPermissionsForUser(user, domain))
        {
            if (permission[0] == user)
            {
                result.Add(permission);
                continue;
            }
            var rows = new List<List<string>> { new() { user } };
            for (var i = 1; i < permission.Count; i++)
            {
                var options = GetImplicitUsersForRole(permission[i], domain).Append(permission[i]).ToList();
                var next = new List<List<string>>();
                foreach (var option in options)
                {
                    foreach (var row in rows)
                    {
                        next.Add([.. row, option]);
                    }
                }
                rows = next;
            }
            result.AddRange(rows);
        }
        return result;
    }

    /// <summary>For each rule on the resource, the subject and every user reaching it, with the rest of the rule.</summary>
    public IReadOnlyList<IReadOnlyList<string>> GetImplicitUsersForResource(string resource)
    {
        var roles = GetAllRoles().ToHashSet(StringComparer.Ordinal);
        var result = new List<IReadOnlyList<string>>();
        foreach (var rule in GetPolicy())
        {
            if (rule.Count < 2 || rule[1] != resource)
            {
                continue;
            }
            if (!roles.Contains(rule[0]))
            {
                result.Add(rule);
                continue;
            }
            foreach (var user in GetImplicitUsersForRole(rule[0]))
            {
                if (!roles.Contains(user) && !result.Exists(r => r.Count == rule.Count && r[0] == user && r.Skip(1).SequenceEqual(rule.Skip(1))))
                {
                    result.Add([user, .. rule.Skip(1)]);
                }
            }
        }
        return result;
    }

    public IReadOnlyList<IReadOnlyList<string>> GetImplicitUsersForResourceByDomain(string resource, string domain)
    {
        var roles = GetAllRolesByDomain(domain).ToHashSet(StringComparer.Ordinal);
        int dom, obj;
        lock (_gate)
        {
            dom = FieldIndex(DefaultP, "dom") ?? 1;
            obj = FieldIndex(DefaultP, "obj") ?? 2;
        }
        var result = new List<IReadOnlyList<string>>();
        foreach (var rule in GetPolicy())
        {
            if (rule.Count <= Math.Max(dom, obj) || rule[obj] != resource || rule[dom] != domain)
            {
                continue;
            }
            if (!roles.Contains(rule[0]))
            {
                result.Add(rule);
                continue;
            }
            foreach (var user in GetImplicitUsersForRole(rule[0], domain))
            {
                if (!roles.Contains(user) && !result.Exists(r => r.Count == rule.Count && r[0] == user && r.Skip(1).SequenceEqual(rule.Skip(1))))
                {
                    result.Add([user, .. rule.Skip(1)]);
                }
            }
        }
        return result;
    }

    /// <summary>The object patterns of the user's implicit permissions in a domain for an action.</summary>
    public IReadOnlyList<string> GetImplicitObjectPatternsForUser(string user, string domain, string action)
    {
        int obj, act;
        lock (_gate)
        {
            obj = FieldIndex(DefaultP, "obj") ?? 2;
            act = FieldIndex(DefaultP, "act") ?? 3;
        }
        var result = new List<string>();
        foreach (var permission in GetImplicitPermissionsForUser(user, domain))
        {
            if (permission.Count > Math.Max(obj, act) && permission[act] == action && !result.Contains(permission[obj]))
            {
                result.Add(permission[obj]);
            }
        }
        return result;
    }

    /// <summary>
    /// The object conditions (rule objects that start with <paramref name="prefix"/>, prefix removed) the user
    /// may use for an action. An error when a matching rule's object lacks the prefix, or when there is none.
    /// </summary>
    public PolicyResult<IReadOnlyList<string>> GetAllowedObjectConditions(string user, string action, string prefix)
    {
        var conditions = new List<string>();
        foreach (var permission in GetImplicitPermissionsForUser(user))
        {
            if (permission.Count < 3 || permission[2] != action)
            {
                continue;
            }
            if (!permission[1].StartsWith(prefix, StringComparison.Ordinal))
            {
                return PolicyResult<IReadOnlyList<string>>.Failure(new PolicyError(_model.File, 0, 0, "need to meet the prefix required by the object condition"));
            }
            conditions.Add(permission[1][prefix.Length..]);
        }
        return conditions.Count == 0
            ? PolicyResult<IReadOnlyList<string>>.Failure(new PolicyError(_model.File, 0, 0, "GetAllowedObjectConditions have an empty condition"))
            : PolicyResult<IReadOnlyList<string>>.Success(conditions);
    }

    /// <summary>The domains in which the user holds a role.</summary>
    public IReadOnlyList<string> GetDomainsForUser(string user) =>
        [.. Read(DefaultG).Where(g => g.Count > 2 && (g[0] == user || g[1] == user)).Select(g => g[2]).Distinct(StringComparer.Ordinal)];

    /// <summary>Every domain named by a rule or a role link.</summary>
    public IReadOnlyList<string> GetAllDomains()
    {
        int dom;
        lock (_gate)
        {
            dom = FieldIndex(DefaultP, "dom") ?? 1;
        }
        return [.. Read(DefaultG).Where(g => g.Count > 2).Select(g => g[2])
            .Concat(Read(DefaultP).Where(p => p.Count > dom).Select(p => p[dom])).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Users and roles that appear in a domain's rules and links.</summary>
    public IReadOnlyList<string> GetAllUsersByDomain(string domain)
    {
        int dom;
        lock (_gate)
        {
            dom = FieldIndex(DefaultP, "dom") ?? 1;
        }
        var names = new List<string>();
        foreach (var g in Read(DefaultG).Where(g => g.Count > 2 && g[2] == domain))
        {
            names.Add(g[0]);
        }
        foreach (var p in Read(DefaultP).Where(p => p.Count > dom && p[dom] == domain))
        {
            names.Add(p[0]);
        }
        return [.. names.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The roles held in a domain.</summary>
    public IReadOnlyList<string> GetAllRolesByDomain(string domain) =>
        [.. Read(DefaultG).Where(g => g.Count > 2 && g[2] == domain).Select(g => g[1]).Distinct(StringComparer.Ordinal)];

    /// <summary>Removes a domain's role links and rules.</summary>
    public bool DeleteAllUsersByDomain(string domain)
    {
        int dom;
        lock (_gate)
        {
            dom = FieldIndex(DefaultP, "dom") ?? 1;
        }
        var links = RemoveFilteredGroupingPolicy(2, domain);
        var rules = RemoveFilteredPolicy(dom, domain);
        return links || rules;
    }

    /// <summary>Removes the rules and links of the given domains; with none, removes everything.</summary>
    public bool DeleteDomains(params string[] domains)
    {
        if (domains.Length == 0)
        {
            ClearPolicy();
            return true;
        }
        var changed = false;
        foreach (var domain in domains)
        {
            changed |= DeleteAllUsersByDomain(domain);
        }
        return changed;
    }
}
