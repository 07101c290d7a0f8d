using System.Diagnostics;
using System.Globalization;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Aggregates;
using DataVault.Vault.Api;
using DataVault.Vault.Keys;
using DataVault.Vault.PolicyStore;
using DataVault.Vault.Seeding;
using DataVault.Vault.Views;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>aggregate [--residents N] [--runs R]</c>: seeds the demo community (community Y, 10,737 residents
/// by default) into a fresh SQLite store and times the district analyst's aggregates over it, in
/// process (no HTTP): the keyset scan, the decryption of the one field, suppression and the log entry.
/// </summary>
internal sealed class AggregateBench : IBenchCommand
{
    public string Name => "aggregate";

    public string Description => "k-anonymous aggregates over the demo community: scan, decrypt one field, suppress, log.";

    public async Task<int> RunAsync(string[] args)
    {
        var residents = SeedRequest.DemoResidents;
        var runs = 5;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--residents": residents = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        await using (var vault = await BenchVault.CreateAsync((services, configuration) =>
        {
            services.AddAccessLog(configuration, sp => sp.GetRequiredService<KeyRing>().LogSigningSeed().ToArray());
            services.AddScopedViews();
            services.AddPolicyStore(); // the running policy starts from the store
            services.AddAggregates(configuration);
        }))
        {
            var provider = vault.Services;
            await provider.GetRequiredService<ResidentSeeder>().SeedAsync(new SeedRequest(residents), null, CancellationToken.None);
            var query = provider.GetRequiredService<AggregateQuery>();
            var purpose = provider.GetRequiredService<PurposeCatalog>().Find("statistics")!;
            var analyst = new CallerContext("bench", "client", "district_analyst", "510107", null, "district_analyst@510107");

            Console.WriteLine();
            Console.WriteLine($"| residents | within | by | field | cells | suppressed | median (ms) | min (ms) |");
            Console.WriteLine("|---:|---|---|---|---:|---:|---:|---:|");
            (string Within, string By, string? Field)[] cases =
            [
                (SeedRequest.DemoCommunity, "grid", null),
                (SeedRequest.DemoCommunity, "grid", "education"),
                (SeedRequest.DemoCommunity, "grid", "birth_date"),
                ("510107", "grid", "employment_status"),
            ];
            foreach (var (within, by, field) in cases)
            {
                var times = new List<double>();
                AggregateReport? report = null;
                for (var r = 0; r < runs + 1; r++)
                {
                    var clock = Stopwatch.StartNew();
                    var outcome = await query.RunAsync(analyst, purpose, within, by, field, CancellationToken.None);
                    clock.Stop();
                    report = outcome.Report ?? throw new InvalidOperationException($"refused: {outcome.Refusal} {outcome.Detail}");
                    if (r > 0)
                    {
                        times.Add(clock.Elapsed.TotalMilliseconds); // the first run warms the JIT and the decision cache
                    }
                }
                times.Sort();
                var cells = report!.Rows.Count * (report.Columns.Count + 1);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {residents:N0} | {within} | {by} | {field ?? "-"} | {cells} | {report.Suppressed} | {times[times.Count / 2]:F0} | {times[0]:F0} |"));
            }
        }
        return 0;
    }
}
