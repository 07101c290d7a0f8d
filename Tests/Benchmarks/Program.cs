using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace DataVault.Benchmarks;

/// <summary>
/// Runs the committed benchmarks. Two kinds:
/// <list type="bullet">
/// <item>micro-benchmarks (BenchmarkDotNet): <c>dotnet run -c Release --project Tests/Benchmarks -- --filter *</c>;</item>
/// <item>bench commands for throughput and memory at scale, which print a table:
/// <c>dotnet run -c Release --project Tests/Benchmarks -- NAME [options]</c>; <c>-- list</c> names them.</item>
/// </list>
/// docs/benchmarks.md lists each one with the figures measured on the 2-core machine.
/// </summary>
public static class BenchmarkEntry
{
    public static async Task<int> Main(string[] args)
    {
        var commands = typeof(BenchmarkEntry).Assembly.GetTypes()
            .Where(t => typeof(IBenchCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IBenchCommand)Activator.CreateInstance(t)!)
            .ToDictionary(c => c.Name, StringComparer.Ordinal);

        if (args is ["list"])
        {
            foreach (var c in commands.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                Console.WriteLine($"{c.Name,-24} {c.Description}");
            }
            return 0;
        }

        if (args.Length > 0 && commands.TryGetValue(args[0], out var command))
        {
            return await command.RunAsync(args[1..]);
        }

        // In-process by default: the out-of-process runner looks for a project named after the
        // assembly (DataVault.Benchmarks), and ours is Tests/Benchmarks/Benchmarks.csproj.
        var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly).Run(args, config);
        return 0;
    }
}

/// <summary>A throughput or scale benchmark run as a command; it prints a table of what it measured.</summary>
public interface IBenchCommand
{
    string Name { get; }
    string Description { get; }
    Task<int> RunAsync(string[] args);
}
