using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DataVault.Vault.AccessLog;
using DataVault.Vault.ResidentApi;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>list-page-phases [--pages N] [--rounds R] [--residents N] [--concurrency C] [--limit L]</c>: where the time
/// of a list page goes, in process, on community Y. For pages of L residents from random cursors: the
/// fetch of the sealed rows, deciding and opening each resident's view, the projection, the JSON the
/// API writes, and the durable log append of the page's L entries (C pages at once, as under load: group
/// commit). Beside it the same stages of a single read, so the per-page cost reads against it.
/// </summary>
internal sealed class ListPagePhasesBench : IBenchCommand
{
    public string Name => "list-page-phases";

    public string Description => "the stages of a list page (fetch, decide+open, project, JSON, log) against a single read, in process";

    public async Task<int> RunAsync(string[] args)
    {
        var pages = ScopedReadHost.Arg(args, "--pages", 2_000);
        var rounds = ScopedReadHost.Arg(args, "--rounds", 5);
        var residents = ScopedReadHost.Arg(args, "--residents", SeedRequest.DemoResidents);
        var concurrency = ScopedReadHost.Arg(args, "--concurrency", 32);
        var limit = ScopedReadHost.Arg(args, "--limit", 20);

        await using var host = await ScopedReadHost.StartAsync(residents, listen: false);
        var services = host.Services;
        var views = services.GetRequiredService<ResidentViews>();
        var reader = services.GetRequiredService<ResidentReader>();
        var log = services.GetRequiredService<AccessLogWriter>();
        var json = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var purpose = services.GetRequiredService<PurposeCatalog>().Find(ScopedReadHost.Purpose)!;
        var caller = ScopedReadHost.Caller;
        var filter = new ResidentFilter(SeedRequest.DemoCommunity[..6], [SeedRequest.DemoCommunity], null);
        var random = new Random(3);
        var cursors = Enumerable.Range(0, pages).Select(_ => host.Ids[random.Next(host.Ids.Count)]).ToArray();

        async Task<Dictionary<string, double>> StagesAsync()
        {
            var total = new Dictionary<string, double> { ["fetch"] = 0, ["decide+open"] = 0, ["project"] = 0, ["json"] = 0 };
            var receipt = new AccessLogReceipt(filter.DistrictCode!, 0, new byte[32], DateTimeOffset.UnixEpoch);
            long bytes = 0;
            foreach (var after in cursors)
            {
                var t0 = Stopwatch.GetTimestamp();
                var records = await reader.PageRecordsAsync(filter, after, limit, CancellationToken.None);
                var t1 = Stopwatch.GetTimestamp();
                var prepared = new List<ResidentViews.PreparedRead>(records.Count);
                foreach (var record in records)
                {
                    prepared.Add(await views.PrepareAsync(caller, purpose, record, CancellationToken.None) ?? throw new InvalidOperationException("outside the view"));
                }
                var t2 = Stopwatch.GetTimestamp();
                var page = new ResidentPage([.. prepared.Select(p => ResidentViews.Project(p, receipt))], "cursor", []);
                var t3 = Stopwatch.GetTimestamp();
                bytes += JsonSerializer.SerializeToUtf8Bytes(page, json).Length;
                var t4 = Stopwatch.GetTimestamp();
                total["fetch"] += Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds;
                total["decide+open"] += Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds;
                total["project"] += Stopwatch.GetElapsedTime(t2, t3).TotalMicroseconds;
                total["json"] += Stopwatch.GetElapsedTime(t3, t4).TotalMicroseconds;
            }
            total["bytes"] = bytes;
            return total.ToDictionary(k => k.Key, k => k.Value / cursors.Length);
        }

        // The log alone: the entries of whole pages, C pages appended at once (group commit), per page.
        var entries = new List<AccessLogEntry>();
        foreach (var record in await reader.PageRecordsAsync(filter, null, limit, CancellationToken.None))
        {
            var read = (await views.PrepareAsync(caller, purpose, record, CancellationToken.None))!;
            entries.Add(ResidentViews.LogEntry(read.Access, AccessAction.List, read.Access.Fields is FieldAccessList l ? l.Served : []));
        }
        async Task<double> LogAsync(int count)
        {
            var next = -1;
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) < count)
                {
                    await log.AppendAsync(entries, CancellationToken.None);
                }
            })));
            return Stopwatch.GetElapsedTime(start).TotalMicroseconds / count;
        }

        await StagesAsync();
        await LogAsync(200);
        var stageRounds = new List<Dictionary<string, double>>();
        var logRounds = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            stageRounds.Add(await StagesAsync());
            logRounds.Add(await LogAsync(Math.Max(100, pages / 4)));
        }

        Console.WriteLine($"list-page-phases on {Environment.ProcessorCount} cores: pages of {limit} from {pages:N0} random cursors in community Y ({host.Ids.Count:N0} residents), {rounds} rounds (median), log: {concurrency} pages appended at once");
        Console.WriteLine();
        Console.WriteLine("| stage | µs per page | µs per resident |");
        Console.WriteLine("|---|---:|---:|");
        var total = 0.0;
        foreach (var stage in new[] { "fetch", "decide+open", "project", "json" })
        {
            var micros = Median([.. stageRounds.Select(s => s[stage])]);
            total += micros;
            Row(stage, micros, limit);
        }
        var logMicros = Median(logRounds);
        total += logMicros;
        Row($"log append of {limit} entries (group commit)", logMicros, limit);
        Row("total", total, limit);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"JSON per page: {Median([.. stageRounds.Select(s => s["bytes"])]):N0} bytes"));
        if (args.Contains("--show-json"))
        {
            var sample = (await reader.PageRecordsAsync(filter, null, 1, CancellationToken.None))[0];
            var view = ResidentViews.Project((await views.PrepareAsync(caller, purpose, sample, CancellationToken.None))!, new AccessLogReceipt(filter.DistrictCode!, 0, new byte[32], DateTimeOffset.UnixEpoch));
            Console.WriteLine(JsonSerializer.Serialize(view, json));
        }
        return 0;
    }

    private static void Row(string name, double micros, int limit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {micros:F1} | {micros / limit:F1} |"));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
