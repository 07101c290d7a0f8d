namespace DataVault.Tests.Policy;

/// <summary>Small models and policies used by the engine's own tests (no resident data in them).</summary>
internal static class PolicyFiles
{
    public const string RbacModel = """
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

    public const string RbacPolicy = """
        p, alice, data1, read
        p, bob, data2, write
        p, data2_admin, data2, read
        p, data2_admin, data2, write
        g, alice, data2_admin
        """;

    /// <summary>A temporary folder with the given files; deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder(params (string Name, string Content)[] files)
        {
            Path = Directory.CreateTempSubdirectory("dv-policy-").FullName;
            foreach (var (name, content) in files)
            {
                System.IO.File.WriteAllText(System.IO.Path.Combine(Path, name), content);
            }
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
