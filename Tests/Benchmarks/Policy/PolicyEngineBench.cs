using System.Diagnostics;
using DataVault.Policy;

namespace DataVault.Benchmarks.Policy;

/// <summary>
/// <c>policy-engine [small|medium|large ...] [--seconds N]</c>: for each RBAC shape, load time, reload time,
/// managed memory held by the enforcer, decisions per second (one thread) and latency percentiles over
/// requests for random users and objects (so role closures are computed, not just cached for one user).
/// </summary>
public sealed class PolicyEngineBench : IBenchCommand
{
    public string Name => "policy-engine";

    public string Description => "Policy engine on Casbin's RBAC shapes: load, reload, memory, decisions/s, p50/p99";

    public Task<int> RunAsync(string[] args)
    {
        var seconds = 2.0;
        var sizes = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds" && i + 1 < args.Length)
            {
                seconds = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                sizes.Add(args[i]);
            }
        }
        if (sizes.Count == 0)
        {
            sizes.AddRange(["small", "medium", "large"]);
        }
        Console.WriteLine($"{"shape",-8} {"rules",8} {"load ms",8} {"reload ms",9} {"memory MB",9} {"fixed/s",12} {"random/s",12} {"p50 µs",7} {"p99 µs",7} {"p99.9 µs",8}");
        foreach (var size in sizes)
        {
            var (roles, users) = RbacShapes.Size(size);
            var policy = RbacShapes.Policy(roles, users);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var before = GC.GetTotalMemory(true);
            var load = Stopwatch.StartNew();
            var enforcer = Enforcer.FromText(RbacShapes.Model, policy).Value;
            load.Stop();
            var reload = Stopwatch.StartNew();
            enforcer.LoadPolicy();
            reload.Stop();

            var fixedRequest = RbacShapes.MiddleRequest(roles, users);
            if (!enforcer.Enforce(fixedRequest))
            {
                Console.Error.WriteLine($"{size}: the reference request must be allowed");
                return Task.FromResult(1);
            }
            var fixedRate = Rate(() => enforcer.Enforce(fixedRequest), seconds / 2);

            var random = new Random(42);
            var requests = Enumerable.Range(0, 100_000).Select(_ =>
            {
                var user = random.Next(users);
                // Half the requests are for the user's own object (allowed), half for another.
                var obj = random.Next(2) == 0 ? user / 10 / 10 : random.Next(roles / 10);
                return new object?[] { "user" + user, "data" + obj, "read" };
            }).ToArray();
            var latencies = new long[requests.Length];
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < requests.Length; i++)
            {
                var start = Stopwatch.GetTimestamp();
                enforcer.Enforce(requests[i]);
                latencies[i] = Stopwatch.GetTimestamp() - start;
            }
            sw.Stop();
            var randomRate = requests.Length / sw.Elapsed.TotalSeconds;
            Array.Sort(latencies);
            double Micros(double q) => latencies[(int)Math.Min(latencies.Length - 1, q * latencies.Length)] * 1e6 / Stopwatch.Frequency;

            var after = GC.GetTotalMemory(true);
            GC.KeepAlive(enforcer);
            Console.WriteLine($"{size,-8} {roles + users,8} {load.Elapsed.TotalMilliseconds,8:F0} {reload.Elapsed.TotalMilliseconds,9:F0} {(after - before) / 1048576.0,9:F1} {fixedRate,12:N0} {randomRate,12:N0} {Micros(0.5),7:F2} {Micros(0.99),7:F2} {Micros(0.999),8:F2}");
        }
        return Task.FromResult(0);
    }

    private static double Rate(Func<bool> decide, double seconds)
    {
        var count = 0L;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 1000; i++)
            {
                decide();
            }
            count += 1000;
        }
        return count / sw.Elapsed.TotalSeconds;
    }
}
