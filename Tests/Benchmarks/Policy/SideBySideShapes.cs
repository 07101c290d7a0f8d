using System.Globalization;
using System.Text;
using System.Text.Json;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.PolicyFiles;

namespace DataVault.Benchmarks.Policy;

/// <summary>
/// One benchmark shape: a model file, a policy file (or none) and the requests to decide, written to a temp
/// folder so that our engine and npm casbin read the very same files.
/// </summary>
internal sealed record SideBySideShape(string Name, string ModelPath, string? PolicyPath, string RequestsPath, int Rules, IReadOnlyList<object?[]> Requests);

/// <summary>
/// Casbin's own benchmark shapes (casbin/casbin benchmark tests): the small example models from
/// ../shared/casbin-conformance/examples, and the generated RBAC sizes: small = 100 roles over 10 resources
/// with 1,000 users (1,100 rules), medium = 1,000 roles, 100 resources, 10,000 users (11,000), large =
/// 10,000 roles, 1,000 resources, 100,000 users (110,000). The first request of each shape is the one
/// Casbin's benchmark asks; the rest are a seeded mix of hits and misses, so p99 is not one cached path.
/// </summary>
internal static class SideBySideShapes
{
    public static readonly string[] Names = ["acl", "rbac", "rbac-small", "rbac-medium", "rbac-large", "rbac-domains", "abac", "keymatch", "priority", "datavault"];

    public static SideBySideShape? Create(string name, string folder, string examples, string policies)
    {
        var rng = new Random(20260522);
        return name switch
        {
            "acl" => FromExample(name, folder, examples, "basic_model.conf", "basic_policy.csv", Cross(["alice", "bob"], ["data1", "data2"], ["read", "write"])),
            "rbac" => FromExample(name, folder, examples, "rbac_model.conf", "rbac_policy.csv", Cross(["alice", "bob"], ["data1", "data2"], ["read", "write"]).Prepend(["alice", "data2", "read"]).ToList()),
            "rbac-small" => RbacSized(name, folder, examples, roles: 100, resources: 10, users: 1000, rng),
            "rbac-medium" => RbacSized(name, folder, examples, roles: 1000, resources: 100, users: 10000, rng),
            "rbac-large" => RbacSized(name, folder, examples, roles: 10000, resources: 1000, users: 100000, rng),
            "rbac-domains" => FromExample(name, folder, examples, "rbac_with_domains_model.conf", "rbac_with_domains_policy.csv",
                Cross(["alice", "bob"], ["domain1", "domain2"], ["data1", "data2"], ["read", "write"])),
            "abac" => FromExample(name, folder, examples, "abac_model.conf", null,
            [
                ["alice", Json(new { Name = "data1", Owner = "alice" }), "read"],
                ["alice", Json(new { Name = "data2", Owner = "bob" }), "read"],
                ["bob", Json(new { Name = "data2", Owner = "bob" }), "write"],
                ["bob", Json(new { Name = "data1", Owner = "alice" }), "write"],
            ]),
            "keymatch" => FromExample(name, folder, examples, "keymatch_model.conf", "keymatch_policy.csv",
                Cross(["alice", "bob", "cathy"], ["/alice_data/resource1", "/alice_data/resource2", "/bob_data/resource1", "/cathy_data"], ["GET", "POST"])
                    .Prepend(["alice", "/alice_data/resource1", "GET"]).ToList()),
            "priority" => FromExample(name, folder, examples, "priority_model.conf", "priority_policy.csv",
                Cross(["alice", "bob"], ["data1", "data2"], ["read", "write"])),
            "datavault" => DataVault(folder, policies, rng),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown shape"),
        };
    }

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private static List<object?[]> Cross(params string[][] axes)
    {
        IEnumerable<object?[]> result = [[]];
        foreach (var axis in axes)
        {
            result = result.SelectMany(prefix => axis.Select(v => prefix.Append(v).ToArray()));
        }
        return result.ToList();
    }

    private static SideBySideShape FromExample(string name, string folder, string examples, string model, string? policy, List<object?[]> requests)
    {
        var dir = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
        var modelPath = Path.Combine(dir, "model.conf");
        File.Copy(Path.Combine(examples, model), modelPath, overwrite: true);
        string? policyPath = null;
        var rules = 0;
        if (policy is not null)
        {
            policyPath = Path.Combine(dir, "policy.csv");
            File.Copy(Path.Combine(examples, policy), policyPath, overwrite: true);
            rules = File.ReadAllLines(policyPath).Count(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
        }
        return new SideBySideShape(name, modelPath, policyPath, WriteRequests(dir, requests), rules, requests);
    }

    private static SideBySideShape RbacSized(string name, string folder, string examples, int roles, int resources, int users, Random rng)
    {
        var dir = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
        var modelPath = Path.Combine(dir, "model.conf");
        File.Copy(Path.Combine(examples, "rbac_model.conf"), modelPath, overwrite: true);
        var policyPath = Path.Combine(dir, "policy.csv");
        var sb = new StringBuilder();
        var perResource = roles / resources;
        var perRole = users / roles;
        for (var i = 0; i < roles; i++)
        {
            sb.Append("p, group").Append(i.ToString(CultureInfo.InvariantCulture)).Append(", data").Append((i / perResource).ToString(CultureInfo.InvariantCulture)).Append(", read\n");
        }
        for (var i = 0; i < users; i++)
        {
            sb.Append("g, user").Append(i.ToString(CultureInfo.InvariantCulture)).Append(", group").Append((i / perRole).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        File.WriteAllText(policyPath, sb.ToString());
        // Casbin's own request first (user users/2+1 reading data resources*3/2, a resource no rule names, so
        // denied after scanning every rule), then a seeded mix in which about half are allowed.
        var requests = new List<object?[]> { new object?[] { $"user{users / 2 + 1}", $"data{resources * 3 / 2}", "read" } };
        for (var i = 0; i < 999; i++)
        {
            var user = rng.Next(users);
            var data = rng.Next(2) == 0 ? user / perRole / perResource : rng.Next(resources);
            requests.Add([$"user{user}", $"data{data}", rng.Next(4) == 0 ? "write" : "read"]);
        }
        return new SideBySideShape(name, modelPath, policyPath, WriteRequests(dir, requests), roles + users, requests);
    }

    /// <summary>
    /// DataVault's own model and policy (policies/), composed as docs/policy-model.md says (policy.csv plus g2
    /// lines from jurisdictions.csv and g3 lines from fields.csv), with per-field requests as a scoped read
    /// makes them. Null when the data files are not there.
    /// </summary>
    private static SideBySideShape? DataVault(string folder, string policies, Random rng)
    {
        if (!DataVaultPolicyFolder.IsDataVaultFolder(policies))
        {
            return null;
        }
        // The production composer (policy.csv + generated g2/g3 lines): the benchmark measures the
        // exact text the vault and `policy check` use.
        var (composed, errors) = DataVaultPolicyFolder.Load(policies);
        var (jurisdictions, treeErrors) = JurisdictionTree.Load(policies);
        if (composed is null || jurisdictions is null)
        {
            throw new InvalidOperationException("policies/ does not load: " + string.Join("; ", errors.Select(e => e.ToString()).Concat(treeErrors.Select(e => e.ToString()))));
        }
        var dir = Directory.CreateDirectory(Path.Combine(folder, "datavault")).FullName;
        var modelPath = Path.Combine(dir, "model.conf");
        File.WriteAllText(modelPath, composed.ModelText);
        var fields = composed.Schema.Fields.Select(f => (f.Key, f.Category, Dept: f.Department, Level: f.Level.ToString())).ToList();
        var tree = jurisdictions.Nodes.Select(n => (n.Code, Parent: n.Parent ?? "", Kind: n.Kind.ToString().ToLowerInvariant())).ToList();
        var policyPath = Path.Combine(dir, "policy.csv");
        File.WriteAllText(policyPath, composed.PolicyText);
        var rules = composed.PolicyText.Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#'));

        var callers = new (string Role, string Dept, string Kind, string Purpose)[]
        {
            ("community_worker", "", "community", "community_service"), ("grid_worker", "", "grid", "grid_patrol"),
            ("street_officer", "", "street", "community_service"), ("district_analyst", "", "district", "statistics"),
            ("caseworker", "civil_affairs", "district", "subsidy_eligibility"), ("caseworker", "health", "district", "health_services"),
            ("caseworker", "public_security", "district", "public_security"), ("privacy_officer", "", "district", "privacy_review"),
        };
        var grids = tree.Where(t => t.Kind == "grid").Select(t => t.Code).ToList();
        var fidelities = new[] { "clear", "masked", "category", "exists" };
        var requests = new List<object?[]>();
        for (var i = 0; i < 1000; i++)
        {
            var caller = callers[rng.Next(callers.Length)];
            var resident = grids[rng.Next(grids.Count)];
            // The caller's jurisdiction: the resident's own ancestor of the caller's kind half of the time.
            var own = Ancestor(tree, resident, caller.Kind) ?? resident;
            var jurisdiction = rng.Next(2) == 0 ? own : Ancestor(tree, grids[rng.Next(grids.Count)], caller.Kind) ?? own;
            var field = fields[rng.Next(fields.Count)];
            requests.Add([caller.Role, jurisdiction, caller.Dept, resident, field.Key, field.Level, fidelities[rng.Next(fidelities.Length)], caller.Purpose]);
        }
        return new SideBySideShape("datavault", modelPath, policyPath, WriteRequests(dir, requests), rules, requests);
    }

    private static string? Ancestor(List<(string Code, string Parent, string Kind)> tree, string code, string kind)
    {
        for (var current = tree.FirstOrDefault(t => t.Code == code); current.Code is not null; current = tree.FirstOrDefault(t => t.Code == current.Parent))
        {
            if (current.Kind == kind)
            {
                return current.Code;
            }
        }
        return null;
    }

    private static string WriteRequests(string dir, List<object?[]> requests)
    {
        var path = Path.Combine(dir, "requests.jsonl");
        File.WriteAllLines(path, requests.Select(r => JsonSerializer.Serialize(r)));
        return path;
    }
}
