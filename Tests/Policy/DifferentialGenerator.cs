using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DataVault.Tests.Policy;

/// <summary>One generated model, policy and request batch for the differential test.</summary>
internal sealed record DifferentialCase(
    string Family,
    string Model,
    string Policy,
    IReadOnlyList<object?[]> Requests,
    IReadOnlyList<string> Functions)
{
    public IReadOnlyList<OracleMatchingFunc> MatchingFuncs { get; init; } = [];
}

/// <summary>
/// Random models from the families of ../shared/casbin-conformance, random policies over small vocabularies
/// (so that requests hit rules, roles and patterns often), and random requests.
/// <para>
/// Left out on purpose, because npm casbin departs from the Go reference there and the reference wins
/// (docs/policy-benchmarks.md, "npm casbin and the Go reference"): globMatch with <c>**</c> or a trailing
/// slash, malformed keyMatch2/3/4 patterns (npm loops), wrong argument counts to builtins (npm does not
/// fail), time-bounded role links and JSON request strings. Policy values never hold commas, quotes or
/// leading spaces, where the two CSV readers differ.
/// </para>
/// </summary>
internal static class DifferentialGenerator
{
    public static readonly string[] Families =
    [
        "acl", "acl-root", "acl-no-users", "acl-no-resources", "rbac", "rbac-resource-roles", "rbac-domains", "rbac-pattern",
        "rbac-deep", "subject-priority", "deny-override", "allow-and-deny", "priority", "priority-explicit", "keymatch", "keymatch2", "regexmatch",
        "globmatch", "abac", "abac-eval", "custom-function", "jurisdiction-tree",
    ];

    private static readonly string[] Users = ["alice", "bob", "carol", "dave", "eve"];
    private static readonly string[] Roles = ["admin", "editor", "viewer", "auditor"];
    private static readonly string[] Objects = ["data1", "data2", "data3", "data4"];
    private static readonly string[] ObjectGroups = ["group1", "group2"];
    private static readonly string[] Actions = ["read", "write", "delete"];
    private static readonly string[] Domains = ["dom1", "dom2", "dom3"];
    private static readonly string[] Depts = ["civil", "health", "police"];

    private const string Allow = "some(where (p.eft == allow))";

    public static DifferentialCase Generate(string family, Random rng, int requests) => family switch
    {
        "acl" => Acl(rng, requests, "r.sub == p.sub && r.obj == p.obj && r.act == p.act"),
        "acl-root" => Acl(rng, requests, "r.sub == p.sub && r.obj == p.obj && r.act == p.act || r.sub == \"root\""),
        "acl-no-users" => Pairs(rng, requests, "obj, act", Objects, Actions, "r.obj == p.obj && r.act == p.act"),
        "acl-no-resources" => Pairs(rng, requests, "sub, act", Users, Actions, "r.sub == p.sub && r.act == p.act"),
        "rbac" => Rbac(rng, requests, "p = sub, obj, act", Allow, withEft: false, priority: false),
        "deny-override" => Rbac(rng, requests, "p = sub, obj, act, eft", "!some(where (p.eft == deny))", withEft: true, priority: false),
        "allow-and-deny" => Rbac(rng, requests, "p = sub, obj, act, eft", "some(where (p.eft == allow)) && !some(where (p.eft == deny))", withEft: true, priority: false),
        "priority" => Rbac(rng, requests, "p = sub, obj, act, eft", "priority(p.eft) || deny", withEft: true, priority: false),
        "priority-explicit" => Rbac(rng, requests, "p = priority, sub, obj, act, eft", "priority(p.eft) || deny", withEft: true, priority: true),
        "rbac-resource-roles" => ResourceRoles(rng, requests),
        "rbac-domains" => RbacDomains(rng, requests),
        "rbac-pattern" => RbacPattern(rng, requests),
        "rbac-deep" => RbacDeep(rng, requests),
        "subject-priority" => SubjectPriority(rng, requests),
        "keymatch" => Patterns(rng, requests, "keyMatch",
            ["/foo", "/foo/*", "/foo/bar/*", "/bar*", "/*", "/baz/bar"],
            ["/foo", "/foo/", "/foo/bar", "/foo/bar/baz", "/bar", "/barx/1", "/baz/bar", "/baz"]),
        "keymatch2" => Patterns(rng, requests, "keyMatch2",
            ["/res/:id", "/res/:id/items", "/res/*", "/user/:name/profile", "/:tenant/data", "/static"],
            ["/res/1", "/res/1/items", "/res/1/items/2", "/res", "/user/ann/profile", "/user/ann", "/t1/data", "/static", "/static/x"]),
        "regexmatch" => Patterns(rng, requests, "regexMatch",
            ["^/api/v[0-9]+/.*$", "/data[12]$", "^/admin", "x+y", "^/report/[a-z]+$"],
            ["/api/v1/users", "/api/vx/users", "/data1", "/data3", "/admin/panel", "/user/admin", "xxy", "/report/daily", "/report/Daily"]),
        "globmatch" => Patterns(rng, requests, "globMatch",
            ["/data/*", "/data/*.txt", "/data/?1", "/*/x", "/logs/*/today", "/exact"],
            ["/data/a", "/data/a/b", "/data/x.txt", "/data/a1", "/data/ab1", "/q/x", "/q/r/x", "/logs/app/today", "/exact", "/exact/more"]),
        "abac" => Abac(rng, requests),
        "abac-eval" => AbacEval(rng, requests),
        "custom-function" => CustomFunction(rng, requests),
        "jurisdiction-tree" => JurisdictionTree(rng, requests),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown family"),
    };

    private static string Model(string r, string p, string? g, string e, string m)
    {
        var sb = new StringBuilder();
        sb.Append("[request_definition]\nr = ").Append(r).Append('\n');
        sb.Append("\n[policy_definition]\n").Append(p).Append('\n');
        if (g is not null)
        {
            sb.Append("\n[role_definition]\n").Append(g).Append('\n');
        }
        sb.Append("\n[policy_effect]\ne = ").Append(e).Append('\n');
        sb.Append("\n[matchers]\nm = ").Append(m).Append('\n');
        return sb.ToString();
    }

    private static T Pick<T>(Random rng, IReadOnlyList<T> values) => values[rng.Next(values.Count)];

    /// <summary>Mostly known names, sometimes a name no rule mentions.</summary>
    private static string PickOrStranger(Random rng, IReadOnlyList<string> values) => rng.Next(10) == 0 ? "stranger" : Pick(rng, values);

    private static string Lines(IEnumerable<string> lines) => string.Join('\n', lines.Distinct(StringComparer.Ordinal)) + "\n";

    private static DifferentialCase Acl(Random rng, int count, string matcher)
    {
        var rules = Enumerable.Range(0, rng.Next(1, 12)).Select(_ => $"p, {Pick(rng, Users)}, {Pick(rng, Objects)}, {Pick(rng, Actions)}");
        var requests = Enumerable.Range(0, count)
            .Select(_ => new object?[] { rng.Next(12) == 0 ? "root" : PickOrStranger(rng, Users), PickOrStranger(rng, Objects), Pick(rng, Actions) })
            .ToList();
        return new("acl", Model("sub, obj, act", "p = sub, obj, act", null, Allow, matcher), Lines(rules), requests, []);
    }

    private static DifferentialCase Pairs(Random rng, int count, string tokens, string[] first, string[] second, string matcher)
    {
        var rules = Enumerable.Range(0, rng.Next(1, 8)).Select(_ => $"p, {Pick(rng, first)}, {Pick(rng, second)}");
        var requests = Enumerable.Range(0, count).Select(_ => new object?[] { PickOrStranger(rng, first), Pick(rng, second) }).ToList();
        return new("acl-pairs", Model(tokens, "p = " + tokens, null, Allow, matcher), Lines(rules), requests, []);
    }

    /// <summary>
    /// Role links: users to roles, roles to roles "downwards" in <see cref="Roles"/> order, and in about
    /// one case in three a link back up that closes a cycle (the reference loads cyclic graphs and decides on them).
    /// </summary>
    private static List<string> RoleLinks(Random rng, string ptype = "g")
    {
        var links = new List<string>();
        foreach (var user in Users)
        {
            for (var i = rng.Next(0, 3); i > 0; i--)
            {
                links.Add($"{ptype}, {user}, {Pick(rng, Roles)}");
            }
        }
        for (var i = 0; i < Roles.Length - 1; i++)
        {
            if (rng.Next(2) == 0)
            {
                links.Add($"{ptype}, {Roles[i]}, {Roles[rng.Next(i + 1, Roles.Length)]}");
            }
        }
        if (rng.Next(3) == 0)
        {
            var lower = rng.Next(0, Roles.Length);
            links.Add($"{ptype}, {Roles[rng.Next(lower, Roles.Length)]}, {Roles[lower]}");
        }
        return links;
    }

    /// <summary>
    /// A chain of 16 roles, longer than the default depth limit (10), with users joining at any
    /// point and a few links back down the chain that make cycles: which rule a user reaches, and
    /// within how many links, is then decided by the depth limit on a cyclic graph.
    /// </summary>
    private static DifferentialCase RbacDeep(Random rng, int count)
    {
        var chain = Enumerable.Range(0, 16).Select(i => "r" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var rules = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => $"p, {Pick(rng, chain)}, {Pick(rng, Objects)}, {Pick(rng, Actions)}").ToList();
        rules.AddRange(Enumerable.Range(0, chain.Length - 1).Where(_ => rng.Next(10) > 0).Select(i => $"g, {chain[i]}, {chain[i + 1]}"));
        for (var i = rng.Next(0, 4); i > 0; i--)
        {
            var to = rng.Next(0, chain.Length - 1);
            rules.Add($"g, {chain[rng.Next(to, chain.Length)]}, {chain[to]}");
        }
        rules.AddRange(Users.Select(u => $"g, {u}, {Pick(rng, chain)}"));
        var subjects = Users.Concat(chain).ToArray();
        var requests = Enumerable.Range(0, count).Select(_ => AboutARule(rng, PickOrStranger(rng, subjects), rules)).ToList();
        var model = Model("sub, obj, act", "p = sub, obj, act", "g = _, _", Allow, "g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act");
        return new("rbac-deep", model, Lines(rules), requests, []);
    }

    /// <summary>A request by <paramref name="subject"/>, mostly for the object and action of one of the <c>p</c> rules, so that roles decide.</summary>
    private static object?[] AboutARule(Random rng, string subject, List<string> rules)
    {
        var cells = Pick(rng, rules.Where(r => r.StartsWith("p, ", StringComparison.Ordinal)).ToList()).Split(", ");
        return rng.Next(4) == 0 ? [subject, Pick(rng, Objects), Pick(rng, Actions)] : [subject, cells[2], cells[3]];
    }

    /// <summary>
    /// subjectPriority: a rule for a deeper subject wins. Every rule's subject is named by a link (a
    /// subject no link names ranks as NaN in npm casbin's sort, an order nothing else reproduces).
    /// </summary>
    private static DifferentialCase SubjectPriority(Random rng, int count)
    {
        var links = RoleLinks(rng);
        links.AddRange(Users.Select(u => $"g, {u}, {Pick(rng, Roles)}"));
        var named = links.SelectMany(l => l.Split(", ").Skip(1)).ToHashSet(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var rules = Enumerable.Range(0, rng.Next(2, 14))
            .Select(_ => $"p, {Pick(rng, named)}, {Pick(rng, Objects)}, {Pick(rng, Actions)}, {(rng.Next(2) == 0 ? "deny" : "allow")}").ToList();
        rules.AddRange(links);
        var requests = Enumerable.Range(0, count).Select(_ => AboutARule(rng, PickOrStranger(rng, named), rules)).ToList();
        var model = Model("sub, obj, act", "p = sub, obj, act, eft", "g = _, _", "subjectPriority(p.eft) || deny", "g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act");
        return new("subject-priority", model, Lines(rules), requests, []);
    }

    private static DifferentialCase Rbac(Random rng, int count, string pdef, string effect, bool withEft, bool priority)
    {
        var subjects = Users.Concat(Roles).ToArray();
        var rules = new List<string>();
        var usedPriorities = new HashSet<int>();
        for (var i = rng.Next(2, 16); i > 0; i--)
        {
            var rule = $"{Pick(rng, subjects)}, {Pick(rng, Objects)}, {Pick(rng, Actions)}";
            if (withEft)
            {
                rule += rng.Next(3) == 0 ? ", deny" : ", allow";
            }
            if (priority)
            {
                // Distinct priorities: the reference's stable sort is then the only possible order.
                int p;
                do
                {
                    p = rng.Next(1, 100);
                }
                while (!usedPriorities.Add(p));
                rule = p.ToString(CultureInfo.InvariantCulture) + ", " + rule;
            }
            rules.Add("p, " + rule);
        }
        rules.AddRange(RoleLinks(rng));
        var requests = Enumerable.Range(0, count).Select(_ => new object?[] { PickOrStranger(rng, subjects), PickOrStranger(rng, Objects), Pick(rng, Actions) }).ToList();
        var model = Model("sub, obj, act", pdef, "g = _, _", effect, "g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act");
        return new("rbac", model, Lines(rules), requests, []);
    }

    private static DifferentialCase ResourceRoles(Random rng, int count)
    {
        var subjects = Users.Concat(Roles).ToArray();
        var objects = Objects.Concat(ObjectGroups).ToArray();
        var rules = Enumerable.Range(0, rng.Next(2, 12)).Select(_ => $"p, {Pick(rng, subjects)}, {Pick(rng, objects)}, {Pick(rng, Actions)}").ToList();
        rules.AddRange(RoleLinks(rng));
        rules.AddRange(Objects.Where(_ => rng.Next(3) > 0).Select(o => $"g2, {o}, {Pick(rng, ObjectGroups)}"));
        var requests = Enumerable.Range(0, count).Select(_ => new object?[] { PickOrStranger(rng, subjects), PickOrStranger(rng, objects), Pick(rng, Actions) }).ToList();
        var model = Model("sub, obj, act", "p = sub, obj, act", "g = _, _\ng2 = _, _", Allow, "g(r.sub, p.sub) && g2(r.obj, p.obj) && r.act == p.act");
        return new("rbac-resource-roles", model, Lines(rules), requests, []);
    }

    private static DifferentialCase RbacDomains(Random rng, int count)
    {
        var rules = Enumerable.Range(0, rng.Next(2, 14)).Select(_ => $"p, {Pick(rng, Roles)}, {Pick(rng, Domains)}, {Pick(rng, Objects)}, {Pick(rng, Actions)}").ToList();
        foreach (var user in Users)
        {
            for (var i = rng.Next(0, 4); i > 0; i--)
            {
                rules.Add($"g, {user}, {Pick(rng, Roles)}, {Pick(rng, Domains)}");
            }
        }
        if (rng.Next(2) == 0)
        {
            rules.Add($"g, {Roles[0]}, {Roles[1]}, {Pick(rng, Domains)}");
        }
        var requests = Enumerable.Range(0, count)
            .Select(_ => new object?[] { PickOrStranger(rng, Users), PickOrStranger(rng, Domains), Pick(rng, Objects), Pick(rng, Actions) })
            .ToList();
        var model = Model("sub, dom, obj, act", "p = sub, dom, obj, act", "g = _, _, _", Allow,
            "g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act");
        return new("rbac-domains", model, Lines(rules), requests, []);
    }

    /// <summary>Resource roles named by keyMatch2 patterns (<c>g2, /book/:id, book_group</c>), as rbac_with_pattern.</summary>
    private static DifferentialCase RbacPattern(Random rng, int count)
    {
        var subjects = new[] { "alice", "bob", "cathy", "book_admin", "pen_admin" };
        var objects = new[] { "book_group", "pen_group", "/pen/1", "/book/2" };
        var rules = Enumerable.Range(0, rng.Next(2, 10)).Select(_ => $"p, {Pick(rng, subjects)}, {Pick(rng, objects)}, {Pick(rng, new[] { "GET", "POST", "(GET)|(POST)" })}").ToList();
        rules.AddRange(new[] { "alice", "bob", "cathy" }.Where(_ => rng.Next(3) > 0).Select(u => $"g, {u}, {Pick(rng, new[] { "book_admin", "pen_admin" })}"));
        var patterns = new[] { "g2, /book/:id, book_group", "g2, /pen/:id, pen_group", "g2, /book/*, book_group", "g2, /shelf/:id/book/:b, book_group", "g2, /pen/1, pen_group" };
        rules.AddRange(patterns.Where(_ => rng.Next(3) > 0));
        var paths = new[] { "/book/1", "/book/2", "/book/1/2", "/pen/1", "/pen/9", "/shelf/3/book/4", "/shelf/3", "/other", "book_group" };
        var requests = Enumerable.Range(0, count)
            .Select(_ => new object?[] { PickOrStranger(rng, subjects), Pick(rng, paths), rng.Next(2) == 0 ? "GET" : "POST" })
            .ToList();
        var model = Model("sub, obj, act", "p = sub, obj, act", "g = _, _\ng2 = _, _", Allow, "g(r.sub, p.sub) && g2(r.obj, p.obj) && regexMatch(r.act, p.act)");
        return new("rbac-pattern", model, Lines(rules), requests, []) { MatchingFuncs = [new OracleMatchingFunc("g2", "keyMatch2", Domain: false)] };
    }

    private static DifferentialCase Patterns(Random rng, int count, string function, string[] patterns, string[] paths)
    {
        var actPatterns = new[] { "read", "write", "(read)|(write)", "GET", ".*" };
        var rules = Enumerable.Range(0, rng.Next(1, 10)).Select(_ => $"p, {Pick(rng, Users)}, {Pick(rng, patterns)}, {Pick(rng, actPatterns)}");
        var requests = Enumerable.Range(0, count)
            .Select(_ => new object?[] { PickOrStranger(rng, Users), Pick(rng, paths), rng.Next(5) == 0 ? "GET" : Pick(rng, Actions) })
            .ToList();
        var model = Model("sub, obj, act", "p = sub, obj, act", null, Allow,
            $"r.sub == p.sub && {function}(r.obj, p.obj) && regexMatch(r.act, p.act)");
        return new(function, model, Lines(rules), requests, []);
    }

    private static JsonElement Attributes(object value) => JsonSerializer.SerializeToElement(value);

    private static DifferentialCase Abac(Random rng, int count)
    {
        var rules = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => $"p, {Pick(rng, Depts)}, {Pick(rng, Actions)}");
        var requests = new List<object?[]>(count);
        for (var i = 0; i < count; i++)
        {
            var sub = Attributes(new { Name = Pick(rng, Users), Dept = Pick(rng, Depts), Clearance = rng.Next(0, 6) });
            var obj = Attributes(new { Owner = PickOrStranger(rng, Users), Level = rng.Next(1, 6) });
            requests.Add([sub, obj, Pick(rng, Actions)]);
        }
        var model = Model("sub, obj, act", "p = dept, act", null, Allow,
            "r.sub.Name == r.obj.Owner || r.sub.Dept == p.dept && r.act == p.act && r.sub.Clearance >= r.obj.Level");
        return new("abac", model, Lines(rules), requests, []);
    }

    private static DifferentialCase AbacEval(Random rng, int count)
    {
        var conditions = new[] { "r.sub.Age > 18", "r.sub.Age < 60", "r.sub.Age >= 30 && r.sub.Age <= 40", "r.sub.Age == 25", "r.sub.Age != 70 || r.sub.Age < 10" };
        var rules = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => $"p, {Pick(rng, conditions)}, {Pick(rng, Objects)}, {Pick(rng, Actions)}");
        var requests = Enumerable.Range(0, count)
            .Select(_ => new object?[] { Attributes(new { Name = Pick(rng, Users), Age = rng.Next(0, 90) }), Pick(rng, Objects), Pick(rng, Actions) })
            .ToList();
        var model = Model("sub, obj, act", "p = sub_rule, obj, act", null, Allow, "eval(p.sub_rule) && r.obj == p.obj && r.act == p.act");
        return new("abac-eval", model, Lines(rules), requests, []);
    }

    private static readonly string[] Codes =
    [
        "51", "5101", "510107", "510108", "510107001", "510107002", "510108001", "510107001007", "510107001008",
        "510107002001", "510108001001", "510107001007-03", "51010", "5101070010",
    ];

    private static DifferentialCase CustomFunction(Random rng, int count)
    {
        var rules = Enumerable.Range(0, rng.Next(1, 8)).Select(_ => $"p, {Pick(rng, Users)}, {Pick(rng, Codes)}, {Pick(rng, Actions)}");
        var requests = Enumerable.Range(0, count).Select(_ => new object?[] { PickOrStranger(rng, Users), Pick(rng, Codes), Pick(rng, Actions) }).ToList();
        var function = rng.Next(3) == 0 ? "hasPrefix" : "jurisdictionWithin";
        var model = Model("sub, obj, act", "p = sub, obj, act", null, Allow, $"r.sub == p.sub && {function}(r.obj, p.obj) && r.act == p.act");
        return new("custom-function", model, Lines(rules), requests, [function]);
    }

    /// <summary>DataVault's shape: a g2 link from every jurisdiction to its parent, rules held at any level.</summary>
    private static DifferentialCase JurisdictionTree(Random rng, int count)
    {
        var tree = new List<(string Child, string Parent)>
        {
            ("510107", "5101"), ("510108", "5101"), ("510107001", "510107"), ("510107002", "510107"), ("510108001", "510108"),
            ("510107001007", "510107001"), ("510107001008", "510107001"), ("510107002001", "510107002"),
            ("510108001001", "510108001"), ("510107001007-03", "510107001007"),
        };
        var codes = tree.Select(t => t.Child).Append("5101").ToArray();
        var rules = Enumerable.Range(0, rng.Next(1, 10)).Select(_ => $"p, {Pick(rng, Roles)}, {Pick(rng, codes)}, {Pick(rng, Actions)}").ToList();
        rules.AddRange(tree.Where(_ => rng.Next(8) > 0).Select(t => $"g2, {t.Child}, {t.Parent}"));
        var requests = Enumerable.Range(0, count).Select(_ => new object?[] { PickOrStranger(rng, Users.Concat(Roles).ToArray()), PickOrStranger(rng, codes), Pick(rng, Actions) }).ToList();
        rules.AddRange(RoleLinks(rng));
        // A g beside g2: npm casbin fails every request of a model that defines g2 without g.
        var model = Model("sub, jur, act", "p = sub, jur, act", "g = _, _\ng2 = _, _", Allow, "g(r.sub, p.sub) && g2(r.jur, p.jur) && r.act == p.act");
        return new("jurisdiction-tree", model, Lines(rules), requests, []);
    }
}
