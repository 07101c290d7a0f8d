using BenchmarkDotNet.Attributes;
using DataVault.Policy;

namespace DataVault.Benchmarks.Policy;

/// <summary>
/// Decisions per call on Casbin's RBAC shapes (small, medium, large), the reference benchmark's request.
/// Run: <c>dotnet run -c Release --project Tests/Benchmarks -- --filter *EnforcerBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
public class EnforcerBenchmarks
{
    private Enforcer _enforcer = null!;
    private object?[] _request = [];

    [Params("small", "medium", "large")]
    public string Size { get; set; } = "small";

    [GlobalSetup]
    public void Setup()
    {
        var (roles, users) = RbacShapes.Size(Size);
        _enforcer = Enforcer.FromText(RbacShapes.Model, RbacShapes.Policy(roles, users)).Value;
        _request = RbacShapes.MiddleRequest(roles, users);
    }

    [Benchmark]
    public bool Enforce() => _enforcer.Enforce(_request);
}
