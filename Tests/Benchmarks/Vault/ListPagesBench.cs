using System.Globalization;
using System.Text.Json;
using DataVault.Identity.Management;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.ResidentApi;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>list-pages [--large N] [--small N] [--seconds S] [--clients C] [--warmup S] [--sqlite-only]</c>: issue 13's
/// "pages flat in community size". One store holds a large community (community Y, N residents,
/// default 100,000) and a small one beside it on the same street (default 1,000). For each, C clients
/// (a community worker of that community each) first read random residents by id, then walk
/// <c>GET /api/v1/residents?community=…&amp;limit=20</c> page after page from random starting points,
/// following <c>nextCursor</c>. Every resident served is logged, as in production. Printed: single
/// reads/s, pages/s, pages / single reads (target ≥ 0.3) and large / small pages (target: flat, ≈ 1).
/// Runs on SQLite, then on PostgreSQL when DATAVAULT_BENCH_POSTGRES or DATAVAULT_TEST_POSTGRES is set.
/// </summary>
internal sealed class ListPagesBench : IBenchCommand
{
    private const string SmallClientId = "bench-small-community-worker";
    private const int PageSize = 20;

    public string Name => "list-pages";

    public string Description => "pages of 20 vs single reads in a 100k and a 1k community (SQLite, PostgreSQL): pages/s flat in community size";

    public async Task<int> RunAsync(string[] args)
    {
        var large = ScopedReadHost.Arg(args, "--large", 100_000);
        var small = ScopedReadHost.Arg(args, "--small", 1_000);
        var seconds = ScopedReadHost.Arg(args, "--seconds", 10);
        var clients = ScopedReadHost.Arg(args, "--clients", 32);
        var warmup = ScopedReadHost.Arg(args, "--warmup", 10);
        var admin = Environment.GetEnvironmentVariable("DATAVAULT_BENCH_POSTGRES") ?? Environment.GetEnvironmentVariable("DATAVAULT_TEST_POSTGRES");
        var stores = new List<(string Name, string[] Settings)> { ("SQLite", []) };
        string? database = null;
        if (!args.Contains("--sqlite-only") && !string.IsNullOrWhiteSpace(admin))
        {
            database = "dv_bench_" + Guid.NewGuid().ToString("N")[..12];
            await MultiNodeBench.ExecuteAsync(admin, $"CREATE DATABASE {database}");
            stores.Add(("PostgreSQL", ["--Storage:Provider=Postgres", $"--Storage:ConnectionString={new NpgsqlConnectionStringBuilder(admin) { Database = database }}"]));
        }
        else if (!args.Contains("--sqlite-only"))
        {
            Console.Error.WriteLine("list-pages: PostgreSQL skipped (set DATAVAULT_BENCH_POSTGRES or DATAVAULT_TEST_POSTGRES to a superuser connection string).");
        }

        var rows = new List<string>();
        var flat = true;
        try
        {
            foreach (var (store, settings) in stores)
            {
                await using var host = await ScopedReadHost.StartAsync(large, listen: true, settings, null);
                var tree = host.Services.GetRequiredService<JurisdictionTree>();
                var big = tree.Find(SeedRequest.DemoCommunity)!;
                var neighbour = tree.ChildrenOf(big.Parent!).First(c => c.Kind == JurisdictionKind.Community && c.Code != big.Code);
                await host.Services.GetRequiredService<ResidentSeeder>().SeedAsync(new SeedRequest(small, Seed: 2, Community: neighbour.Code), null, CancellationToken.None);
                await using (var scope = host.Services.CreateAsyncScope())
                {
                    var error = await scope.ServiceProvider.GetRequiredService<ClientRegistry>()
                        .AddApiClientAsync(SmallClientId, ScopedReadHost.Role, neighbour.Code, null, ScopedReadHost.Secret, CancellationToken.None);
                    if (error is not null)
                    {
                        throw new InvalidOperationException(error);
                    }
                }

                // Both communities and both kinds of request are warmed up before anything is measured (the
                // first traffic of a process runs on code the JIT has not yet optimised), then measured in turn.
                var subjects = new List<(Jurisdiction Community, List<string> Ids, List<HttpClient> Clients)>();
                foreach (var (community, clientId) in new[] { (big, ScopedReadHost.ClientId), (neighbour, SmallClientId) })
                {
                    subjects.Add((community, await IdsAsync(host, community.Code), await ScopedReadHttpBench.ClientsAsync(host.Address, clients, clientId)));
                }
                var pagesPerSize = new List<double>();
                try
                {
                    foreach (var (community, ids, https) in subjects)
                    {
                        await ScopedReadHttpBench.RunAsync(https, ids, TimeSpan.FromSeconds(warmup / 2.0));
                        await ScopedReadHttpBench.RunAsync(https, Walk(community, ids), TimeSpan.FromSeconds(warmup / 2.0));
                    }
                    foreach (var (community, ids, https) in subjects)
                    {
                        var single = await ScopedReadHttpBench.RunAsync(https, ids, TimeSpan.FromSeconds(seconds));
                        var pages = await ScopedReadHttpBench.RunAsync(https, Walk(community, ids), TimeSpan.FromSeconds(seconds));
                        var singleRps = single.Ok / single.Elapsed.TotalSeconds;
                        var pagesPs = pages.Ok / pages.Elapsed.TotalSeconds;
                        pagesPerSize.Add(pagesPs);
                        var latencies = pages.Latencies;
                        Array.Sort(latencies);
                        rows.Add(string.Create(CultureInfo.InvariantCulture,
                            $"| {store} | {ids.Count:N0} | {singleRps:N0} | {pagesPs:N0} | {pagesPs * PageSize:N0} | {pagesPs / singleRps:F2} | {ScopedReadHost.Percentile(latencies, 0.5):F1} | {ScopedReadHost.Percentile(latencies, 0.99):F1} | {single.Errors + pages.Errors} |"));
                    }
                }
                finally
                {
                    foreach (var http in subjects.SelectMany(s => s.Clients))
                    {
                        http.Dispose();
                    }
                }
                var ratio = pagesPerSize[0] / pagesPerSize[1];
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {store}: large / small pages/s | | | {ratio:F2} | | | | | |"));
                flat &= ratio > 0.8;
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

        Console.WriteLine($"list-pages on {Environment.ProcessorCount} cores: {clients} clients, {seconds} s windows after {warmup} s warm-up, pages of {PageSize}, every resident served logged");
        Console.WriteLine();
        Console.WriteLine("| store | residents in the community | single reads/s | pages/s | residents/s in pages | pages / single (≥ 0.3) | page p50 (ms) | page p99 (ms) | errors |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }
        Console.WriteLine();
        Console.WriteLine($"flat in community size (large / small pages/s > 0.8): {(flat ? "yes" : "NO")}");
        return flat ? 0 : 1;
    }

    /// <summary>
    /// A client's page walk: it starts after a random resident of the community (a cursor as the list
    /// issues it), follows <c>nextCursor</c>, and starts again at another random point at the end.
    /// </summary>
    private static Func<int, Func<byte[]?, string>> Walk(Jurisdiction community, IReadOnlyList<string> ids) => c =>
    {
        var random = new Random(1000 + c);
        var scope = new ResidentScope(community, new ResidentFilter(community.DistrictCode, [community.Code], null));
        var first = $"/api/v1/residents?community={community.Code}&limit={PageSize}";
        return body =>
        {
            var cursor = (body is null ? null : NextCursor(body)) ?? scope.Cursor(ids[random.Next(ids.Count)]);
            return first + "&cursor=" + Uri.EscapeDataString(cursor);
        };
    };

    /// <summary>
    /// The page's <c>nextCursor</c>, read without parsing the 40 kB of residents before it: the clients
    /// share the cores with the vault, and a client that parsed every page measured its own JSON work.
    /// </summary>
    private static string? NextCursor(byte[] body)
    {
        var at = body.AsSpan().LastIndexOf("\"nextCursor\":"u8);
        if (at < 0)
        {
            return null;
        }
        var reader = new Utf8JsonReader(body.AsSpan(at + "\"nextCursor\":"u8.Length));
        return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
    }

    private static async Task<List<string>> IdsAsync(ScopedReadHost host, string community)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync();
        return await db.Set<ResidentRow>().AsNoTracking().Where(r => r.CommunityCode == community).OrderBy(r => r.Id).Select(r => r.Id).ToListAsync();
    }
}
