using System.Text;

namespace DataVault.Benchmarks.Policy;

/// <summary>
/// Casbin's benchmark shapes for RBAC (the reference's model_b_test.go): role i owns object data(i/10) for
/// read, and user j holds role (j/10). Small: 100 roles, 1,000 users (1,100 rules); medium 1,000/10,000
/// (11,000); large 10,000/100,000 (110,000).
/// </summary>
internal static class RbacShapes
{
    public const string Model = """
        [request_definition]
        r = sub, obj, act

        [policy_definition]
        p = sub, obj, act

        [role_definition]
        g = _, _

        [policy_effect]
        e = some(where (p.eft == allow))

        [matchers]
        m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
        """;

    public static (int Roles, int Users) Size(string name) => name switch
    {
        "small" => (100, 1_000),
        "medium" => (1_000, 10_000),
        "large" => (10_000, 100_000),
        _ => throw new ArgumentException("size must be small, medium or large", nameof(name)),
    };

    public static string Policy(int roles, int users)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < roles; i++)
        {
            sb.Append("p, group").Append(i).Append(", data").Append(i / 10).Append(", read\n");
        }
        for (var j = 0; j < users; j++)
        {
            sb.Append("g, user").Append(j).Append(", group").Append(j / 10).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The reference benchmark's request: a user in the middle, an object its role owns.</summary>
    public static object?[] MiddleRequest(int roles, int users) =>
        ["user" + (users / 2 + 1), "data" + (roles / 2 / 10), "read"];
}
