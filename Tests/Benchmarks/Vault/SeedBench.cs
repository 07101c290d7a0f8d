using System.Diagnostics;
using System.Globalization;
using DataVault.Vault.Seeding;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>seed [--residents N] [--community CODE|all] [--batch B]</c>: seeds a fresh SQLite store and
/// prints throughput, peak working set and peak GC heap. Targets (issue 2): community Y
/// (10,737 residents) in under 5 s; 1,000,000 residents at ≥ 10,000/s with peak memory under 500 MB.
/// </summary>
internal sealed class SeedBench : IBenchCommand
{
    public string Name => "seed";

    public string Description => "Seed residents into a fresh SQLite store: throughput and peak memory.";

    public async Task<int> RunAsync(string[] args)
    {
        var residents = SeedRequest.DemoResidents;
        var community = SeedRequest.DemoCommunity;
        var batch = SeedRequest.DefaultBatchSize;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--residents": residents = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--community": community = args[i + 1]; break;
                case "--batch": batch = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        await using var vault = await BenchVault.CreateAsync();
        var seeder = vault.Services.GetRequiredService<ResidentSeeder>();
        long peakHeap = 0;
        long peakCommitted = 0;
        var process = Process.GetCurrentProcess();
        var lastPrint = TimeSpan.Zero;
        process.Refresh();
        Console.Error.WriteLine($"working set before seeding: {process.WorkingSet64 / 1048576.0:F0} MB (GC committed {GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0:F0} MB)");
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var pauseBefore = GC.GetTotalPauseDuration();
        int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var report = await seeder.SeedAsync(new SeedRequest(residents, 1, community, batch), new Progress(p =>
        {
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
            peakCommitted = Math.Max(peakCommitted, GC.GetGCMemoryInfo().TotalCommittedBytes);
            if (p.Elapsed - lastPrint >= TimeSpan.FromSeconds(10))
            {
                lastPrint = p.Elapsed;
                Console.Error.WriteLine($"  {p.Done:N0} / {p.Total:N0} ({p.Done / p.Elapsed.TotalSeconds:N0}/s)");
            }
        }), CancellationToken.None);
        clock.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        var pause = GC.GetTotalPauseDuration() - pauseBefore;
        var collections = string.Join(" / ", Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - collectionsBefore[g]));
        var dbBytes = new DirectoryInfo(vault.DataDirectory).EnumerateFiles("vault.db*").Sum(f => f.Length);

        Console.WriteLine();
        Console.WriteLine("| residents | community | batch | elapsed (s) | residents/s | peak working set (MB) | peak GC heap (MB) | peak GC committed (MB) | db files (MB) |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {report.Created:N0} | {community} | {batch} | {clock.Elapsed.TotalSeconds:F1} | {report.Created / clock.Elapsed.TotalSeconds:N0} | {process.PeakWorkingSet64 / 1048576.0:F0} | {peakHeap / 1048576.0:F0} | {peakCommitted / 1048576.0:F0} | {dbBytes / 1048576.0:F0} |"));
        Console.WriteLine();
        Console.WriteLine("| CPU µs per resident (all threads) | allocated KB per resident | GC pauses (% of elapsed) | collections gen0 / gen1 / gen2 | GC mode | store stage busy |");
        Console.WriteLine("|---:|---:|---:|---|---|---:|");
        var perResident = Math.Max(1, report.Residents);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {cpu.TotalMicroseconds / perResident:F0} | {allocated / 1024.0 / perResident:F1} | {pause.TotalSeconds:F1} s ({100 * pause / clock.Elapsed:F0} %) | {collections} | {(System.Runtime.GCSettings.IsServerGC ? "Server" : "Workstation")}, {System.Runtime.GCSettings.LatencyMode} | {100 * report.Storing / report.Elapsed:F0} % |"));
        return 0;
    }

    private sealed class Progress(Action<SeedProgress> report) : IProgress<SeedProgress>
    {
        public void Report(SeedProgress value) => report(value);
    }
}
