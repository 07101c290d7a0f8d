using System.Globalization;
using System.Text;
using System.Text.Json;

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
    public static readonly string[] Names = ["acl", "rbac", "rbac-small", "rbac-medium", "rbac-large", "rbac-domains", "abac", "keymatch", "priority"];

    public static SideBySideShape Create(string name, string folder, string examples)
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

    private static string WriteRequests(string dir, List<object?[]> requests)
    {
        var path = Path.Combine(dir, "requests.jsonl");
        File.WriteAllLines(path, requests.Select(r => JsonSerializer.Serialize(r)));
        return path;
    }
}
