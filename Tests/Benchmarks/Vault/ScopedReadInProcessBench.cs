using System.Diagnostics;
using System.Globalization;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using DataVault.Vault.Views;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>scoped-read-inprocess [--reads N] [--rounds R] [--residents N] [--concurrency C]</c>: issue 5's ratio
/// target, measured in one run on one store. For the same sequence of random resident ids:
/// <list type="number">
/// <item>raw: the row's stored bytes straight from SQLite (Microsoft.Data.Sqlite, <c>SELECT data FROM
/// residents WHERE id=$id</c>, one prepared command on one open connection, the reuse the vault's read
/// path has too);</item>
/// <item>scoped read without the log: <see cref="ResidentViews.PrepareReadAsync"/> (fetch, decide under the
/// running policy, open the fields served) and the projection;</item>
/// <item>scoped read with the log: <see cref="ResidentViews.ReadAsync"/>, the API's path, awaiting the
/// durable append; sequentially (one fsync per read) and with C concurrent readers (group commit).</item>
/// </list>
/// Rounds alternate the variants so a noisy neighbour slows all of them alike; the table gives the median
/// round. Target: scoped read ≤ 3× raw.
/// </summary>
internal sealed class ScopedReadInProcessBench : IBenchCommand
{
    public string Name => "scoped-read-inprocess";

    public string Description => "in-process scoped read vs the row's bytes straight from SQLite (ratio, one run)";

    public async Task<int> RunAsync(string[] args)
    {
        var reads = ScopedReadHost.Arg(args, "--reads", 20_000);
        var rounds = ScopedReadHost.Arg(args, "--rounds", 5);
        var residents = ScopedReadHost.Arg(args, "--residents", SeedRequest.DemoResidents);
        var concurrency = ScopedReadHost.Arg(args, "--concurrency", 32);
        var logged = ScopedReadHost.Arg(args, "--logged-reads", 2_000);

        await using var host = await ScopedReadHost.StartAsync(residents, listen: false);
        var views = host.Services.GetRequiredService<ResidentViews>();
        var purpose = host.Services.GetRequiredService<PurposeCatalog>().Find(ScopedReadHost.Purpose)!;
        var caller = ScopedReadHost.Caller;
        var random = new Random(7);
        var ids = Enumerable.Range(0, reads).Select(_ => host.Ids[random.Next(host.Ids.Count)]).ToArray();

        await using var raw = new SqliteConnection(ScopedReadHost.ConnectionString(host.Services));
        await raw.OpenAsync();
        await using var select = raw.CreateCommand();
        select.CommandText = "SELECT data FROM residents WHERE id = $id";
        var idParameter = select.Parameters.Add("$id", SqliteType.Text);
        select.Prepare();
        long rawBytes = 0;

        // No receipt for the un-logged variant: a stand-in so the projection does its whole work.
        var receipt = new AccessLogReceipt(SeedRequest.DemoCommunity[..6], 0, new byte[32], DateTimeOffset.UnixEpoch);

        double Raw()
        {
            var start = Stopwatch.GetTimestamp();
            foreach (var id in ids)
            {
                idParameter.Value = id;
                using var reader = select.ExecuteReader();
                reader.Read();
                rawBytes += ((byte[])reader.GetValue(0)).Length;
            }
            return Stopwatch.GetElapsedTime(start).TotalMicroseconds / ids.Length;
        }

        async Task<double> ScopedAsync()
        {
            var start = Stopwatch.GetTimestamp();
            foreach (var id in ids)
            {
                var read = await views.PrepareReadAsync(caller, purpose, id, CancellationToken.None) ?? throw new InvalidOperationException("a resident of Y is outside the worker's view");
                if (ResidentViews.Project(read, receipt).Fields.Count == 0)
                {
                    throw new InvalidOperationException("empty view");
                }
            }
            return Stopwatch.GetElapsedTime(start).TotalMicroseconds / ids.Length;
        }

        // The stages of a scoped read, each timed cumulatively over the same ids: where the time over raw goes.
        var reader = host.Services.GetRequiredService<ResidentReader>();
        var resolver = host.Services.GetRequiredService<AccessResolver>();
        async Task<(double Fetch, double Resolve, double Open)> StagesAsync()
        {
            double fetch = 0, resolve = 0, open = 0;
            foreach (var id in ids)
            {
                var t0 = Stopwatch.GetTimestamp();
                var record = (await reader.FindRecordAsync(id, CancellationToken.None))!;
                var t1 = Stopwatch.GetTimestamp();
                var access = await resolver.ResolveAsync(caller, purpose, new ResidentLocation(record.Id, record.CommunityCode, record.GridCode), CancellationToken.None);
                var t2 = Stopwatch.GetTimestamp();
                var list = (FieldAccessList)access.Fields;
                _ = reader.Open(record, list.NeedsValue, list.PresenceOnly);
                var t3 = Stopwatch.GetTimestamp();
                fetch += Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds;
                resolve += Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds;
                open += Stopwatch.GetElapsedTime(t2, t3).TotalMicroseconds;
            }
            return (fetch / ids.Length, resolve / ids.Length, open / ids.Length);
        }

        async Task<double> LoggedAsync(int count, int parallel)
        {
            var next = -1;
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, parallel).Select(worker => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    _ = await views.ReadAsync(caller, purpose, ids[i % ids.Length], CancellationToken.None) ?? throw new InvalidOperationException("not served");
                }
            })));
            return Stopwatch.GetElapsedTime(start).TotalMicroseconds / count;
        }

        // Warm-up: JIT, the policy decision cache, SQLite's page cache.
        Raw();
        await ScopedAsync();
        await LoggedAsync(500, concurrency);

        var rawTimes = new List<double>();
        var scopedTimes = new List<double>();
        var loggedSequential = new List<double>();
        var loggedConcurrent = new List<double>();
        var stages = new List<(double Fetch, double Resolve, double Open)>();
        for (var r = 0; r < rounds; r++)
        {
            stages.Add(await StagesAsync());
            rawTimes.Add(Raw());
            scopedTimes.Add(await ScopedAsync());
            loggedSequential.Add(await LoggedAsync(Math.Max(50, logged / 10), 1));
            loggedConcurrent.Add(await LoggedAsync(logged * 5, concurrency));
        }

        var rawMedian = Median(rawTimes);
        var scopedMedian = Median(scopedTimes);
        var sequentialMedian = Median(loggedSequential);
        var concurrentMedian = Median(loggedConcurrent);
        Console.WriteLine($"scoped-read-inprocess on {Environment.ProcessorCount} cores: {reads:N0} random reads of {host.Ids.Count:N0} residents per round, {rounds} rounds (median round), SQLite {await host.DurabilityAsync()}");
        Console.WriteLine($"raw rows average {rawBytes / (double)(reads * (rounds + 1)):F0} bytes; view: community worker of Y, purpose {ScopedReadHost.Purpose}");
        Console.WriteLine();
        Console.WriteLine("| variant | µs per read | × raw |");
        Console.WriteLine("|---|---:|---:|");
        Row("raw: SELECT data … WHERE id=$id (prepared, open connection)", rawMedian, rawMedian);
        Row("scoped read: fetch + decide + open + project, no log", scopedMedian, rawMedian);
        Row("  of which: fetch the row (ResidentReader fast path)", Median([.. stages.Select(x => x.Fetch)]), rawMedian);
        Row("  of which: decide the view (policy, grants, break-glass)", Median([.. stages.Select(x => x.Resolve)]), rawMedian);
        Row("  of which: open the served envelopes", Median([.. stages.Select(x => x.Open)]), rawMedian);
        Row("scoped read with durable log append, 1 reader (fsync per read)", sequentialMedian, rawMedian);
        Row($"scoped read with durable log append, {concurrency} readers (group commit), per read", concurrentMedian, rawMedian);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio scoped/raw = {scopedMedian / rawMedian:F2} (target ≤ 3): {(scopedMedian / rawMedian <= 3 ? "met" : "not met")}"));
        return 0;
    }

    private static void Row(string name, double micros, double raw) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {micros:F1} | {micros / raw:F2} |"));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
