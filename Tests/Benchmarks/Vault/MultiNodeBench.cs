using System.Diagnostics;
using System.Globalization;
using DataVault.Vault.AccessLog;
using DataVault.Vault.PolicyStore;
using DataVault.Vault.Seeding;
using DataVault.Vault.Views;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>multi-node [--seconds S] [--clients C] [--residents N] [--warmup S] [--publishes P] [--pages-large N] [--pages-small N] [--no-pages]</c>: issue 13's
/// production shape, measured side by side in one run on real PostgreSQL (from DATAVAULT_BENCH_POSTGRES,
/// else DATAVAULT_TEST_POSTGRES: a superuser connection string; a fresh database is created and dropped).
/// <list type="number">
/// <item>SQLite, one node, C clients: the embedded baseline.</item>
/// <item>PostgreSQL, one node, C clients.</item>
/// <item>PostgreSQL, two nodes (same database, same data directory: one master key, one identity store),
/// C clients on each at once, every read logged durably before it answers: reads/s per node and in
/// total, 503 refusals, p99; then <c>audit verify</c> over the whole log, and log entries = reads.</item>
/// <item>Publish → enforced: P policy versions published on node A (draft, submit, approve, publish);
/// the time until node B's running version is the new one, with B's poll set to an hour so only the
/// LISTEN/NOTIFY push can carry it.</item>
/// <item>Pages of 20 in a community of <c>--pages-large</c> (100,000) and one of <c>--pages-small</c> (1,000)
/// residents, on SQLite and PostgreSQL: the <c>list-pages</c> bench, run here too unless <c>--no-pages</c>.</item>
/// </list>
/// The nodes are in this process and share its 2 cores with the client loops, as issue 13 asks.
/// </summary>
internal sealed class MultiNodeBench : IBenchCommand
{
    public string Name => "multi-node";

    public string Description => "SQLite vs PostgreSQL one node vs two nodes on one PostgreSQL: reads/s, refused, p99, audit verify, publish→enforced";

    public async Task<int> RunAsync(string[] args)
    {
        var seconds = ScopedReadHost.Arg(args, "--seconds", 15);
        var clients = ScopedReadHost.Arg(args, "--clients", 16);
        var residents = ScopedReadHost.Arg(args, "--residents", SeedRequest.DemoResidents);
        var warmup = ScopedReadHost.Arg(args, "--warmup", 15);
        var publishes = ScopedReadHost.Arg(args, "--publishes", 30);
        var admin = Environment.GetEnvironmentVariable("DATAVAULT_BENCH_POSTGRES") ?? Environment.GetEnvironmentVariable("DATAVAULT_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            Console.Error.WriteLine("multi-node needs PostgreSQL: set DATAVAULT_BENCH_POSTGRES (or DATAVAULT_TEST_POSTGRES) to a superuser connection string.");
            return 2;
        }

        var rows = new List<string>();
        var ok = true;

        // 1. The embedded baseline.
        double sqliteRps;
        await using (var sqlite = await ScopedReadHost.StartAsync(residents, listen: true))
        {
            var (_, window) = await MeasureAsync([sqlite], clients, warmup, seconds);
            sqliteRps = window[0].Ok / window[0].Elapsed.TotalSeconds;
            rows.Add(Row("SQLite, one node", clients, window, sqliteRps));
        }

        var database = "dv_bench_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(admin, $"CREATE DATABASE {database}");
        try
        {
            string[] postgres =
            [
                "--Storage:Provider=Postgres",
                $"--Storage:ConnectionString={new NpgsqlConnectionStringBuilder(admin) { Database = database }}",
                "--PolicyStore:PollInterval=01:00:00",
            ];
            await using var a = await ScopedReadHost.StartAsync(residents, listen: true, postgres, null);

            // 2. PostgreSQL, one node.
            var (_, one) = await MeasureAsync([a], clients, warmup, seconds);
            var oneRps = one[0].Ok / one[0].Elapsed.TotalSeconds;
            rows.Add(Row("PostgreSQL, one node", clients, one, sqliteRps));

            // 3. Two nodes on the one database, the same district's log.
            await using var b = await ScopedReadHost.StartAsync(residents, listen: true, postgres, a);
            var before = await a.AccessLogEntriesAsync();
            var (warmServed, two) = await MeasureAsync([a, b], clients, warmup: Math.Max(5, warmup / 3), seconds);
            var written = await a.AccessLogEntriesAsync() - before;
            rows.Add(Row("PostgreSQL, node A of two", clients, [two[0]], sqliteRps));
            rows.Add(Row("PostgreSQL, node B of two", clients, [two[1]], sqliteRps));
            rows.Add(Row("PostgreSQL, two nodes total", 2 * clients, two, sqliteRps));
            var twoRps = two.Sum(w => w.Ok / w.Elapsed.TotalSeconds);
            await a.Services.GetRequiredService<AccessLogWriter>().SignPendingTreeHeadsAsync(CancellationToken.None);
            await b.Services.GetRequiredService<AccessLogWriter>().SignPendingTreeHeadsAsync(CancellationToken.None);
            var audit = await a.Services.GetRequiredService<AccessLogVerifier>().VerifyAsync(cancellationToken: CancellationToken.None);
            var served = two.Sum(w => w.Ok) + warmServed;
            var refused = two.Sum(w => w.Refused);

            // 4. Publish on A → enforced on B.
            var latencies = await PublishLatenciesAsync(a, b, publishes);

            Console.WriteLine($"multi-node on {Environment.ProcessorCount} cores: {residents:N0} residents of one community (one district log), {seconds} s windows, nodes and clients in one process");
            Console.WriteLine();
            Console.WriteLine("| setup | clients | requests | reads/s | × SQLite | p50 (ms) | p99 (ms) | refused (503) | other errors |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in rows)
            {
                Console.WriteLine(row);
            }
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"two nodes / one node (PostgreSQL): {twoRps / oneRps:F2}× (target ≥ 0.8); PostgreSQL / SQLite, one node: {oneRps / sqliteRps:F2}× (target ≥ 0.8)"));
            Console.WriteLine($"refused with two nodes: {refused} (target 0); log entries written {written:N0} = reads served {served:N0}: {(written == served ? "yes" : "NO")}");
            Console.WriteLine($"audit verify after the two-node run: {(audit.Intact ? "intact" : "BROKEN: " + audit.FirstProblem?.Reason)} ({audit.EntriesChecked:N0} entries)");
            Array.Sort(latencies);
            Console.WriteLine();
            Console.WriteLine("| publish on A → enforced on B | versions | p50 (ms) | p99 (ms) | max (ms) |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| LISTEN/NOTIFY, B's poll 1 h | {latencies.Length} | {ScopedReadHost.Percentile(latencies, 0.5):F1} | {ScopedReadHost.Percentile(latencies, 0.99):F1} | {latencies[^1]:F1} |"));
            Console.WriteLine();
            Console.WriteLine($"target p99 < 100 ms: {(ScopedReadHost.Percentile(latencies, 0.99) < 100 ? "met" : "not met")}");
            ok = refused == 0 && audit.Intact && written == served;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
        if (args.Contains("--no-pages"))
        {
            return ok ? 0 : 1;
        }
        // 5. Pages of 20 at two community sizes, on both stores (the list-pages bench, same run).
        Console.WriteLine();
        var pages = await new ListPagesBench().RunAsync([
            "--large", ScopedReadHost.Arg(args, "--pages-large", 100_000).ToString(CultureInfo.InvariantCulture),
            "--small", ScopedReadHost.Arg(args, "--pages-small", 1_000).ToString(CultureInfo.InvariantCulture),
            "--seconds", seconds.ToString(CultureInfo.InvariantCulture),
            "--warmup", warmup.ToString(CultureInfo.InvariantCulture),
            "--clients", (2 * clients).ToString(CultureInfo.InvariantCulture)]);
        return ok && pages == 0 ? 0 : 1;
    }

    /// <summary>A warm-up, then one window in which every node gets <paramref name="clients"/> clients at once; also the reads the warm-up served (they are logged too).</summary>
    private static async Task<(long WarmupServed, ScopedReadHttpBench.Window[] Windows)> MeasureAsync(IReadOnlyList<ScopedReadHost> nodes, int clients, int warmup, int seconds)
    {
        var perNode = new List<List<HttpClient>>();
        foreach (var node in nodes)
        {
            perNode.Add(await ScopedReadHttpBench.ClientsAsync(node.Address, clients));
        }
        try
        {
            var warm = await Task.WhenAll(nodes.Select((n, i) => ScopedReadHttpBench.RunAsync(perNode[i], n.Ids, TimeSpan.FromSeconds(warmup))));
            return (warm.Sum(w => (long)w.Ok), await Task.WhenAll(nodes.Select((n, i) => ScopedReadHttpBench.RunAsync(perNode[i], n.Ids, TimeSpan.FromSeconds(seconds)))));
        }
        finally
        {
            foreach (var http in perNode.SelectMany(p => p))
            {
                http.Dispose();
            }
        }
    }

    private static string Row(string setup, int clients, IReadOnlyList<ScopedReadHttpBench.Window> windows, double sqliteRps)
    {
        var latencies = windows.SelectMany(w => w.Latencies).ToArray();
        Array.Sort(latencies);
        var rps = windows.Sum(w => w.Ok / w.Elapsed.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {setup} | {clients} | {windows.Sum(w => w.Ok + w.Errors):N0} | {rps:N0} | {rps / sqliteRps:F2} | {ScopedReadHost.Percentile(latencies, 0.5):F2} | {ScopedReadHost.Percentile(latencies, 0.99):F2} | {windows.Sum(w => w.Refused)} | {windows.Sum(w => w.Errors - w.Refused)} |");
    }

    /// <summary>Publishes <paramref name="count"/> versions on <paramref name="a"/>; for each, ms until <paramref name="b"/> runs it.</summary>
    private static async Task<double[]> PublishLatenciesAsync(ScopedReadHost a, ScopedReadHost b, int count)
    {
        var store = a.Services.GetRequiredService<PolicyStoreService>();
        var runtimeB = b.Services.GetRequiredService<PolicyRuntime>();
        var latencies = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var current = (await store.GetVersionAsync(runtimeB.HighestStoreVersion, CancellationToken.None))!;
            // Alternate a harmless grid-worker line in and out, so every version differs from the last.
            const string Line = "p, grid_worker, *, *, religion, exists, grid_patrol";
            var text = current.PolicyText.Contains(Line, StringComparison.Ordinal)
                ? current.PolicyText.Replace(Line, "", StringComparison.Ordinal)
                : current.PolicyText + "\n" + Line + "\n";
            var draft = (await store.CreateDraftAsync("bench-author", new PolicyDraftRequest(Text: text), CancellationToken.None)).Value
                ?? throw new InvalidOperationException("the bench draft does not validate");
            await store.SubmitAsync(draft.Id, "bench-author", CancellationToken.None);
            await store.ApproveAsync(draft.Id, "bench-reviewer", null, CancellationToken.None);
            var clock = Stopwatch.StartNew();
            var published = await store.PublishAsync(draft.Id, "bench-author", CancellationToken.None);
            var version = published.Value?.Version.Number ?? throw new InvalidOperationException("publish failed: " + published.Detail);
            while (runtimeB.HighestStoreVersion < version)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException($"node B never ran version {version}");
                }
                await Task.Delay(1);
            }
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        return [.. latencies];
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
