using System.Diagnostics;
using System.Globalization;
using DataVault.Vault.Hosting;
using DataVault.Vault.PolicyStore;
using DataVault.Vault.Seeding;
using DataVault.Vault.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>policy-dry-run [--demo N] [--large N] [--runs R]</c>: the time of a draft's dry run
/// (<c>GET /api/v1/policy/drafts/{id}/impact</c>: one GROUP BY over residents, the identity registries, every
/// unit × resident jurisdiction × purpose × field before and after) on the demo community (10,737 encrypted
/// residents by default), then with N minimal resident rows added by SQL (1,000,000 by default; the dry run
/// reads only the jurisdiction columns, so id, codes and a random blind index are all those rows hold).
/// Targets (issue 6): under 2 s on the demo data, under 60 s for 1,000,000 residents.
/// </summary>
public sealed class PolicyDryRunBench : IBenchCommand
{
    public string Name => "policy-dry-run";

    public string Description => "dry-run impact of a policy draft on the demo data and on 1,000,000 residents";

    public async Task<int> RunAsync(string[] args)
    {
        var demo = Arg(args, "--demo", SeedRequest.DemoResidents);
        var large = Arg(args, "--large", 1_000_000);
        var runs = Arg(args, "--runs", 3);
        var dataDir = Directory.CreateTempSubdirectory("dv-bench-policy-").FullName;
        try
        {
            var builder = VaultHost.CreateBuilder(["--environment=Development", $"--Vault:DataDirectory={dataDir}", "--Seeding:DemoOnFirstRun=false", "--Logging:LogLevel:Default=Warning"]);
            await using var app = VaultHost.Build(builder);
            await VaultHost.PrepareAsync(app);
            var services = app.Services;
            var clock = Stopwatch.StartNew();
            await services.GetRequiredService<ResidentSeeder>().SeedAsync(new SeedRequest(demo), null, CancellationToken.None);
            Console.WriteLine($"seeded {demo:N0} demo residents (encrypted) in {clock.Elapsed.TotalSeconds:F1} s");

            var store = services.GetRequiredService<PolicyStoreService>();
            var v1 = (await store.GetVersionAsync(1, CancellationToken.None))!;
            // A representative change: community workers lose contact data, street officers of one street gain
            // chronic conditions as categories, grid workers gain whether a religion is recorded.
            var text = string.Join('\n', v1.PolicyText.Split('\n').Where(l => !l.StartsWith("p, community_worker, *, *, cat:contact,", StringComparison.Ordinal)))
                + "\np, street_officer, 510107004, *, chronic_condition, category, community_service\np, grid_worker, *, *, religion, exists, grid_patrol\n";
            var draft = (await store.CreateDraftAsync("bench", new PolicyDraftRequest(Text: text), CancellationToken.None)).Value!;

            var rows = new List<string[]>();
            rows.Add(await MeasureAsync(store, draft.Id, runs, $"demo ({demo:N0} encrypted)", TimeSpan.FromSeconds(2)));

            clock.Restart();
            var inserted = await InsertMinimalResidentsAsync(services, large);
            Console.WriteLine($"inserted {inserted:N0} minimal resident rows by SQL in {clock.Elapsed.TotalSeconds:F1} s");
            rows.Add(await MeasureAsync(store, draft.Id, runs, $"demo + {inserted:N0} minimal rows", TimeSpan.FromSeconds(60)));

            Console.WriteLine();
            Console.WriteLine("| data | residents | units | changes | median ms | min ms | target | ok |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
            foreach (var row in rows)
            {
                Console.WriteLine("| " + string.Join(" | ", row) + " |");
            }
            Console.WriteLine();
            Console.WriteLine("The large rows are inserted directly with SQL (id, district/street/community/grid codes, a random blind index, an empty blob):");
            Console.WriteLine("the dry run reads only the jurisdiction columns, so they cost it exactly what real residents would.");
            return 0;
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

    private static async Task<string[]> MeasureAsync(PolicyStoreService store, int draftId, int runs, string label, TimeSpan target)
    {
        var times = new List<double>();
        PolicyImpact? impact = null;
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            var outcome = await store.ImpactAsync(draftId, CancellationToken.None);
            times.Add(clock.Elapsed.TotalMilliseconds);
            impact = outcome.Value ?? throw new InvalidOperationException(outcome.Detail);
        }
        times.Sort();
        var median = times[times.Count / 2];
        return
        [
            label, impact!.Residents.ToString("N0", CultureInfo.InvariantCulture), impact.Units.ToString("N0", CultureInfo.InvariantCulture),
            impact.Changes.Count.ToString(CultureInfo.InvariantCulture), median.ToString("F0", CultureInfo.InvariantCulture),
            times[0].ToString("F0", CultureInfo.InvariantCulture), $"< {target.TotalMilliseconds:F0}", median < target.TotalMilliseconds ? "yes" : "NO",
        ];
    }

    /// <summary>N resident rows spread round-robin over every grid of jurisdictions.csv, in one INSERT … SELECT.</summary>
    private static async Task<int> InsertMinimalResidentsAsync(IServiceProvider services, int count)
    {
        var tree = services.GetRequiredService<DataVault.Vault.Jurisdictions.JurisdictionTree>();
        var grids = tree.Nodes.Where(n => n.Kind == DataVault.Vault.Jurisdictions.JurisdictionKind.Grid).Select(n => n.Code).ToList();
        await using var db = await services.GetRequiredService<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync();
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
        // The temporary table lives on one connection: keep it open across the statements.
        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlRawAsync("CREATE TEMP TABLE bench_grids (n INTEGER PRIMARY KEY, code TEXT NOT NULL)");
        for (var i = 0; i < grids.Count; i++)
        {
            await db.Database.ExecuteSqlRawAsync("INSERT INTO bench_grids (n, code) VALUES ({0}, {1})", i, grids[i]);
        }
        var sql = $"""
            WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {count - 1})
            INSERT INTO residents (id, district_code, street_code, community_code, grid_code, version, created_at, updated_at, id_number_index, phone_index, data)
            SELECT printf('bench%027d', i), substr(g.code, 1, 6), substr(g.code, 1, 9), substr(g.code, 1, 12), g.code, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', randomblob(32), NULL, x''
            FROM seq JOIN bench_grids g ON g.n = seq.i % {grids.Count}
            """;
        return await db.Database.ExecuteSqlRawAsync(sql);
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
