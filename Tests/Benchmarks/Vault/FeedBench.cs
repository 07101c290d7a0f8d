using System.Diagnostics;
using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Feed;
using DataVault.Vault.Hosting;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using DataVault.Vault.Views;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>feed [--residents N] [--backlog M] [--seconds S]</c>: the change feed (issue 15, item 2) in
/// process, on SQLite and (with DATAVAULT_BENCH_POSTGRES or DATAVAULT_TEST_POSTGRES) on PostgreSQL.
/// Backlog: M changes written first, then drained by a civil-affairs caseworker's feed, 500 a page,
/// each delivery logged: changes/s served. Under writes: one writer updating residents as fast as it can
/// for S seconds while the consumer polls: writes/s, deliveries/s, and the lag from a change's commit
/// to its delivery (p50, p99, max).
/// </summary>
public sealed class FeedBench : IBenchCommand
{
    public string Name => "feed";

    public string Description => "change feed: backlog drained (changes/s served) and lag under a writer (p50/p99), SQLite and PostgreSQL";

    public async Task<int> RunAsync(string[] args)
    {
        var residents = ScopedReadHost.Arg(args, "--residents", 10_000);
        var backlog = ScopedReadHost.Arg(args, "--backlog", 3_000);
        var seconds = ScopedReadHost.Arg(args, "--seconds", 10);
        var admin = Environment.GetEnvironmentVariable("DATAVAULT_BENCH_POSTGRES") ?? Environment.GetEnvironmentVariable("DATAVAULT_TEST_POSTGRES");
        var stores = new List<(string Name, string[] Settings)> { ("SQLite", []) };
        string? database = null;
        if (!string.IsNullOrWhiteSpace(admin))
        {
            database = "dv_bench_feed_" + Guid.NewGuid().ToString("N")[..12];
            await MultiNodeBench.ExecuteAsync(admin, $"CREATE DATABASE {database}");
            stores.Add(("PostgreSQL", ["--Storage:Provider=Postgres", $"--Storage:ConnectionString={new NpgsqlConnectionStringBuilder(admin) { Database = database }}"]));
        }
        else
        {
            Console.Error.WriteLine("feed: PostgreSQL skipped (set DATAVAULT_BENCH_POSTGRES or DATAVAULT_TEST_POSTGRES to a superuser connection string).");
        }
        Console.WriteLine($"community Y of {residents:N0} residents; backlog {backlog:N0} changes; {seconds} s under one writer; consumer: civil-affairs caseworker, subsidy_eligibility, 500 a page");
        Console.WriteLine();
        Console.WriteLine("| store | backlog drained: changes/s served | under writes: writes/s | deliveries/s | lag p50 ms | lag p99 ms | lag max ms | last versions all delivered |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
        try
        {
            foreach (var (store, settings) in stores)
            {
                Console.WriteLine(await RunStoreAsync(store, settings, residents, backlog, seconds));
            }
        }
        finally
        {
            if (database is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await MultiNodeBench.ExecuteAsync(admin!, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }
        }
        return 0;
    }

    private static async Task<string> RunStoreAsync(string store, string[] settings, int residents, int backlog, int seconds)
    {
        var dataDir = Directory.CreateTempSubdirectory("dv-bench-feed-").FullName;
        try
        {
            var builder = VaultHost.CreateBuilder(["--environment=Development", $"--Vault:DataDirectory={dataDir}", "--Seeding:DemoOnFirstRun=false", "--Logging:LogLevel:Default=Warning", .. settings]);
            await using var app = VaultHost.Build(builder);
            await VaultHost.PrepareAsync(app);
            var services = app.Services;
            var ct = CancellationToken.None;
            await services.GetRequiredService<ResidentSeeder>().SeedAsync(new SeedRequest(residents), null, ct);
            var reader = services.GetRequiredService<ResidentReader>();
            var all = new List<StoredResident>();
            await foreach (var r in reader.ReadAllAsync(ct))
            {
                all.Add(r);
            }
            var writer = services.GetRequiredService<ResidentWriter>();
            var validator = services.GetRequiredService<ResidentValidator>();
            var feed = services.GetRequiredService<ChangeFeed>();
            var purpose = services.GetRequiredService<PurposeCatalog>().Find("subsidy_eligibility")!;
            var caller = new CallerContext("bench-feed", "client", UnitRoles.Caseworker, "510107", "civil_affairs", UnitRoles.UnitName(UnitRoles.Caseworker, "510107", "civil_affairs"));
            var versions = all.ToDictionary(r => r.Id, r => r.Version, StringComparer.Ordinal);
            var n = 0;
            async Task WriteOneAsync()
            {
                var r = all[n % all.Count];
                var fields = r.Values.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal);
                fields["phone"] = $"139{n % 100_000_000:D8}";
                n++;
                var valid = validator.Validate(0, fields).Resident!;
                var written = await writer.UpdateAsync(r.Id, versions[r.Id], valid, ["phone"], new ResidentPlace(r.CommunityCode, r.Values.GetValueOrDefault("grid")), ct);
                versions[r.Id] = written.Version;
            }

            var start = (await feed.ReadAsync(caller, purpose, null, true, 1, ct)).Page!.Cursor;
            for (var i = 0; i < backlog; i++)
            {
                await WriteOneAsync();
            }
            var clock = Stopwatch.StartNew();
            var cursor = start;
            var drained = 0;
            while (true)
            {
                var page = (await feed.ReadAsync(caller, purpose, cursor, false, ChangeFeed.MaxLimit, ct)).Page!;
                drained += page.Changes.Count;
                cursor = page.Cursor;
                if (page.CaughtUp)
                {
                    break;
                }
            }
            var drainRate = drained / clock.Elapsed.TotalSeconds;

            // Under writes: the writer runs flat out while the consumer polls.
            var lags = new List<double>();
            var delivered = new Dictionary<string, int>(StringComparer.Ordinal);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            var writes = 0;
            var writing = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await WriteOneAsync();
                    writes++;
                }
            }, ct);
            var deliveries = 0;
            clock.Restart();
            while (true)
            {
                var finished = writing.IsCompleted;
                var page = (await feed.ReadAsync(caller, purpose, cursor, false, ChangeFeed.MaxLimit, ct)).Page!;
                var now = DateTimeOffset.UtcNow;
                foreach (var change in page.Changes)
                {
                    lags.Add((now - change.At).TotalMilliseconds);
                    delivered[change.ResidentId] = Math.Max(delivered.GetValueOrDefault(change.ResidentId), change.Resident?.Version ?? 0);
                }
                deliveries += page.Changes.Count;
                cursor = page.Cursor;
                if (finished && page.CaughtUp)
                {
                    break;
                }
                if (page.Changes.Count == 0)
                {
                    await Task.Delay(5, ct);
                }
            }
            var elapsed = clock.Elapsed.TotalSeconds;
            await writing;
            lags.Sort();
            var complete = delivered.All(d => d.Value == versions[d.Key]) && delivered.Count > 0;
            return $"| {store} | {drainRate:N0} | {writes / (double)seconds:N0} | {deliveries / elapsed:N0} | {Pct(lags, 0.5):F0} | {Pct(lags, 0.99):F0} | {(lags.Count == 0 ? 0 : lags[^1]):F0} | {(complete ? "yes" : "NO")} |";
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
                // Temp files left behind are harmless.
            }
        }
    }

    private static double Pct(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
