using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Views;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>me-log [--entries N] [--mine M] [--pages P]</c>: a district log of N entries (M of them about
/// one resident, spread through it), then P times the first page (20) of that resident's log with
/// an inclusion proof per entry and the newest signed head: what <c>GET /api/v1/me/access-log</c>
/// does after linking. Prints p50 / p95 / max per page.
/// </summary>
internal sealed class MyAccessLogBench : IBenchCommand
{
    public string Name => "me-log";

    public string Description => "A resident's access-log page (20 entries, each with its inclusion proof) over a large district log.";

    public async Task<int> RunAsync(string[] args)
    {
        var entries = 100_000;
        var mine = 500;
        var pages = 200;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--entries": entries = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--mine": mine = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--pages": pages = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        // The tree-head key comes from the key ring in the host; any 32-byte seed signs the same way.
        var seed = RandomNumberGenerator.GetBytes(32);
        await using var vault = await BenchVault.CreateAsync((services, configuration) =>
        {
            services.AddAccessLog(configuration, _ => seed);
            services.AddScopedViews();
            services.AddAccessLogQueries();
        });
        var provider = vault.Services;
        var writer = provider.GetRequiredService<AccessLogWriter>();
        var queries = provider.GetRequiredService<AccessLogQueries>();

        var clock = Stopwatch.StartNew();
        var every = Math.Max(1, entries / Math.Max(1, mine));
        const int Batch = 500;
        for (var start = 0; start < entries; start += Batch)
        {
            var batch = Enumerable.Range(start, Math.Min(Batch, entries - start)).Select(i => new AccessLogEntry(
                i % every == 0 ? "me-resident" : "r" + i.ToString(CultureInfo.InvariantCulture), "510107", AccessAction.Read,
                "officer-" + (i % 37).ToString(CultureInfo.InvariantCulture), "community_worker@510107004003", "community_worker", "demo-community-yinxing",
                [new ServedField("name", "masked"), new ServedField("phone", "clear"), new ServedField("address", "masked")],
                "community_service", "PIPL art. 13(1)3", [], "bench", "allow")).ToList();
            await writer.AppendAsync(batch);
        }
        await writer.SignPendingTreeHeadsAsync();
        Console.WriteLine($"wrote {entries:N0} entries ({mine:N0} about the resident) in {clock.Elapsed.TotalSeconds:N1} s");

        string[] subjects = ["me-resident", "@510107", "@510107004", "@510107004003", "@510107004003-01"];
        var times = new List<double>(pages);
        for (var p = 0; p < pages; p++)
        {
            var page = Stopwatch.StartNew();
            var (rows, _) = await queries.BySubjectsAsync(subjects, null, AccessLogQueries.DefaultLimit, CancellationToken.None);
            var proven = await queries.ProveAsync(rows, CancellationToken.None);
            page.Stop();
            if (proven.Count != AccessLogQueries.DefaultLimit || proven.Any(e => e.Proof is null))
            {
                Console.Error.WriteLine("a page came back short or without proofs");
                return 1;
            }
            times.Add(page.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        double At(double q) => times[Math.Min(times.Count - 1, (int)(q * times.Count))];
        Console.WriteLine($"| entries | page | p50 ms | p95 ms | max ms |");
        Console.WriteLine($"|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {entries:N0} | {AccessLogQueries.DefaultLimit} with proofs | {At(0.5):N2} | {At(0.95):N2} | {times[^1]:N2} |");
        return 0;
    }
}
