using BenchmarkDotNet.Running;

namespace DataVault.Benchmarks;

/// <summary>
/// Runs the committed benchmarks: <c>dotnet run -c Release --project Tests/Benchmarks -- --filter *</c>
/// runs them all. docs/benchmarks.md lists each one with the figures measured on the 2-core machine.
/// </summary>
public static class BenchmarkEntry
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly).Run(args);
}
