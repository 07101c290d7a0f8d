using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DataVault.Policy;

namespace DataVault.Benchmarks.Policy;

/// <summary>
/// <c>policy-vs-casbin</c>: our engine in-process and npm casbin (Tests/oracle/bench.js) on the same files in
/// the same run, over Casbin's benchmark shapes. Prints decisions/s for both and the ratio, our p50/p99 per
/// decision, the load and reload time of RBAC large for both, and our managed memory for RBAC large.
/// Targets (issue 3): ≥100× the reference on RBAC medium and large, p99 &lt; 20 µs on RBAC large, reload of
/// RBAC large &lt; 1 s, memory &lt; 100 MB.
/// <para>Options: <c>--seconds N</c> per shape and side (default 2), <c>--shapes a,b</c>, <c>--no-node</c>.</para>
/// </summary>
public sealed class SideBySideCommand : IBenchCommand
{
    public string Name => "policy-vs-casbin";

    public string Description => "our policy engine vs npm casbin on Casbin's benchmark shapes, same files, one run";

    public Task<int> RunAsync(string[] args)
    {
        var seconds = 2.0;
        var shapes = SideBySideShapes.Names;
        var node = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds" when i + 1 < args.Length:
                    seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--shapes" when i + 1 < args.Length:
                    shapes = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--no-node":
                    node = false;
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; options: --seconds N, --shapes a,b, --no-node");
                    return Task.FromResult(2);
            }
        }

        var root = RepositoryRoot();
        var examples = Path.GetFullPath(Path.Combine(root, "..", "shared", "casbin-conformance", "examples"));
        var oracle = Path.Combine(root, "Tests", "oracle");
        if (node && !File.Exists(Path.Combine(oracle, "node_modules", "casbin", "package.json")))
        {
            Console.Error.WriteLine("npm casbin is not installed: run `npm ci` in Tests/oracle, or pass --no-node.");
            return Task.FromResult(1);
        }
        var folder = Directory.CreateTempSubdirectory("datavault-policy-bench-").FullName;
        try
        {
            Console.WriteLine($"policy-vs-casbin: {seconds.ToString(CultureInfo.InvariantCulture)} s per shape and side, files in {folder}");
            Console.WriteLine($"{"shape",-13} {"rules",7} {"ours dec/s",12} {"casbin dec/s",13} {"ratio",8} {"p50 µs",8} {"p99 µs",8} {"same",5}");
            string? largeLine = null;
            foreach (var name in shapes)
            {
                var shape = SideBySideShapes.Create(name, folder, examples, Path.Combine(root, "policies"));
                if (shape is null)
                {
                    Console.WriteLine($"{name,-13} skipped: policies/fields.csv or policies/jurisdictions.csv is missing");
                    continue;
                }
                var ours = RunOurs(shape, seconds, measureMemory: name == "rbac-large");
                var theirs = node ? RunNode(oracle, shape, seconds) : null;
                var same = theirs is null ? "-" : Agree(ours.Decisions, theirs.Decisions) ? "yes" : "NO";
                var ratio = theirs is null ? "-" : (ours.PerSecond / theirs.PerSecond).ToString("N0", CultureInfo.InvariantCulture) + "×";
                Console.WriteLine($"{name,-13} {shape.Rules,7} {ours.PerSecond,12:N0} {(theirs is null ? "-" : theirs.PerSecond.ToString("N1", CultureInfo.InvariantCulture)),13} {ratio,8} {ours.P50Micros,8:N2} {ours.P99Micros,8:N2} {same,5}");
                if (name == "rbac-large")
                {
                    largeLine = $"rbac-large: load from files ours {ours.LoadMs:N0} ms, casbin {(theirs is null ? "-" : theirs.LoadMs.ToString("N0", CultureInfo.InvariantCulture))} ms; "
                        + $"reload (LoadPolicy) ours {ours.ReloadMs:N0} ms (CSV parsing alone {ours.ParseMs:N0} ms), casbin {(theirs is null ? "-" : theirs.ReloadMs.ToString("N0", CultureInfo.InvariantCulture))} ms; "
                        + $"our managed memory for the loaded enforcer {ours.MemoryMb:N1} MB (casbin's node heap {(theirs is null ? "-" : theirs.HeapUsedMb.ToString("N1", CultureInfo.InvariantCulture))} MB)";
                }
            }
            if (largeLine is not null)
            {
                Console.WriteLine(largeLine);
            }
            Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}");
            return Task.FromResult(0);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record OurResult(double PerSecond, double P50Micros, double P99Micros, double LoadMs, double ReloadMs, double ParseMs, double MemoryMb, string Decisions);

    private sealed record NodeResult(
        double PerSecond, double LoadMs, double ReloadMs, double HeapUsedMb, string Decisions);

    private static OurResult RunOurs(SideBySideShape shape, double seconds, bool measureMemory)
    {
        var before = measureMemory ? GC.GetTotalMemory(forceFullCollection: true) : 0;
        var sw = Stopwatch.StartNew();
        var loaded = Enforcer.FromFiles(shape.ModelPath, shape.PolicyPath);
        var loadMs = sw.Elapsed.TotalMilliseconds;
        if (!loaded.IsSuccess)
        {
            throw new InvalidOperationException($"{shape.Name}: {loaded}");
        }
        var enforcer = loaded.Value;
        var memoryMb = measureMemory ? (GC.GetTotalMemory(forceFullCollection: true) - before) / 1048576.0 : 0;
        sw.Restart();
        var reloadErrors = enforcer.LoadPolicy();
        var reloadMs = sw.Elapsed.TotalMilliseconds;
        if (reloadErrors.Count > 0)
        {
            throw new InvalidOperationException($"{shape.Name}: reload failed: {reloadErrors[0]}");
        }
        // How much of a reload is reading the CSV alone (the rest builds rules, role graphs and the snapshot).
        var parseMs = 0.0;
        if (measureMemory && shape.PolicyPath is not null)
        {
            var text = File.ReadAllText(shape.PolicyPath);
            sw.Restart();
            var parsed = DataVault.Policy.Model.PolicyCsv.Parse(text, "policy");
            parseMs = sw.Elapsed.TotalMilliseconds;
            GC.KeepAlive(parsed);
        }

        var requests = shape.Requests;
        var decisions = new char[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            decisions[i] = enforcer.Enforce(requests[i]) ? '1' : '0';
        }

        // Warm-up (tiered JIT reaches its optimised code), then throughput: whole passes until the time is up.
        sw.Restart();
        while (sw.Elapsed < TimeSpan.FromMilliseconds(500))
        {
            for (var i = 0; i < requests.Count; i++)
            {
                enforcer.Enforce(requests[i]);
            }
        }
        long n = 0;
        var budget = TimeSpan.FromSeconds(seconds);
        sw.Restart();
        while (sw.Elapsed < budget)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                enforcer.Enforce(requests[i]);
            }
            n += requests.Count;
        }
        var perSecond = n / sw.Elapsed.TotalSeconds;

        // Latency: each decision timed on its own, about a second's worth or 200,000 samples.
        var samples = (int)Math.Clamp(perSecond, 10_000, 200_000);
        var ticks = new long[samples];
        for (var i = 0; i < samples; i++)
        {
            var request = requests[i % requests.Count];
            var t0 = Stopwatch.GetTimestamp();
            enforcer.Enforce(request);
            ticks[i] = Stopwatch.GetTimestamp() - t0;
        }
        Array.Sort(ticks);
        double Micros(double q) => ticks[(int)Math.Min(samples - 1, q * samples)] * 1_000_000.0 / Stopwatch.Frequency;
        GC.KeepAlive(enforcer);
        return new OurResult(perSecond, Micros(0.50), Micros(0.99), loadMs, reloadMs, parseMs, memoryMb, new string(decisions));
    }

    private static NodeResult RunNode(string oracleFolder, SideBySideShape shape, double seconds)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = oracleFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "bench.js", shape.ModelPath, shape.PolicyPath ?? "-", shape.RequestsPath, seconds.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{shape.Name}: node bench.js failed: {stderr.Result}");
        }
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        return new NodeResult(
            r.GetProperty("perSecond").GetDouble(), r.GetProperty("loadMs").GetDouble(), r.GetProperty("reloadMs").GetDouble(),
            r.GetProperty("heapUsedMb").GetDouble(), r.GetProperty("decisions").GetString() ?? "");
    }

    /// <summary>Node decides fewer requests than ours on the big shapes; the ones it decided must agree.</summary>
    private static bool Agree(string ours, string theirs) =>
        theirs.Length > 0 && ours.AsSpan(0, Math.Min(ours.Length, theirs.Length)).SequenceEqual(theirs.AsSpan(0, Math.Min(ours.Length, theirs.Length)));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataVault.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("DataVault.sln not found above " + AppContext.BaseDirectory);
    }
}
