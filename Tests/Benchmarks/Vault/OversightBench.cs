using System.Diagnostics;
using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Grants;
using DataVault.Vault.Hosting;
using DataVault.Vault.Oversight;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Seeding;
using DataVault.Vault.Views;
using DataVault.Vault.Web;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>oversight [--demo N] [--runs R]</c>: how long the console's oversight questions take over the
/// shipped policy and the demo data with the demo grants (issue 16, item 3: target &lt; 200 ms). Each
/// question is timed cold (right after a publish, so no decision is cached: the first question a
/// privacy officer asks after a change) and warm (median of R runs). In process, as the console calls them.
/// </summary>
public sealed class OversightBench : IBenchCommand
{
    public string Name => "oversight";

    public string Description => "explain, who-can-see and what-can over the shipped policy and the demo data, cold and warm (target < 200 ms)";

    public async Task<int> RunAsync(string[] args)
    {
        var demo = ScopedReadHost.Arg(args, "--demo", SeedRequest.DemoResidents);
        var runs = ScopedReadHost.Arg(args, "--runs", 20);
        var dataDir = Directory.CreateTempSubdirectory("dv-bench-oversight-").FullName;
        try
        {
            var builder = VaultHost.CreateBuilder(["--environment=Development", $"--Vault:DataDirectory={dataDir}", "--Seeding:DemoOnFirstRun=false", "--Logging:LogLevel:Default=Warning"]);
            await using var app = VaultHost.Build(builder);
            await VaultHost.PrepareAsync(app);
            var services = app.Services;
            var ct = CancellationToken.None;
            await services.GetRequiredService<ResidentSeeder>().SeedAsync(new SeedRequest(demo), null, ct);
            await services.GetRequiredService<DemoGrants>().SeedAsync(ct);
            var reader = services.GetRequiredService<ResidentReader>();
            StoredResident? resident = null;
            await foreach (var r in reader.ReadAllAsync(ct))
            {
                resident = r;
                break;
            }
            var location = ResidentViews.LocationOf(resident!);
            var schema = services.GetRequiredService<ResidentSchema>();
            var reverse = services.GetRequiredService<ReverseQueries>();
            var explainer = services.GetRequiredService<DecisionExplainer>();
            var portal = services.GetRequiredService<WhoMaySee>();
            var purpose = services.GetRequiredService<PurposeCatalog>().Find("elderly_care")!;
            var runtime = services.GetRequiredService<PolicyRuntime>();
            var district = location.DistrictCode;
            CallerContext Unit(string role, string jurisdiction, string? department = null) =>
                new("", "user", role, jurisdiction, department, UnitRoles.UnitName(role, jurisdiction, department));

            var questions = new List<(string Name, Func<Task> Ask)>
            {
                ("explain: community worker, id_number, one resident", () => explainer.ExplainAsync(Unit(UnitRoles.CommunityWorker, location.CommunityCode), purpose, location, schema["id_number"], ct)),
                ("who-can-see: dibao of one resident", () => reverse.WhoCanSeeAsync(schema["dibao"], [location.Jurisdiction], location, location.Jurisdiction, ct)),
                ("who-can-see: dibao of a community", () => reverse.WhoCanSeeAsync(schema["dibao"], reverse.ResidencesWithin(location.CommunityCode), null, location.CommunityCode, ct)),
                ("who-can-see: dibao of the district", () => reverse.WhoCanSeeAsync(schema["dibao"], reverse.ResidencesWithin(district), null, district, ct)),
                ("what-can: community worker", () => reverse.WhatCanAsync(Unit(UnitRoles.CommunityWorker, location.CommunityCode), ct)),
                ("what-can: street officer", () => reverse.WhatCanAsync(Unit(UnitRoles.StreetOfficer, location.CommunityCode[..9]), ct)),
                ("what-can: district analyst", () => reverse.WhatCanAsync(Unit(UnitRoles.DistrictAnalyst, district), ct)),
                ("what-can: civil-affairs caseworker", () => reverse.WhatCanAsync(Unit(UnitRoles.Caseworker, district, "civil_affairs"), ct)),
                ("portal: who may see, every field of one resident", () => portal.ForAsync(resident!, ct)),
            };

            Console.WriteLine($"seeded {demo:N0} demo residents with the demo grants; {runs} warm runs per question");
            Console.WriteLine();
            Console.WriteLine("| question | cold ms | warm median ms | warm max ms | target | ok |");
            Console.WriteLine("|---|---:|---:|---:|---:|---|");
            foreach (var (name, ask) in questions)
            {
                // Cold: the same version published again, so its decision cache starts empty.
                var current = runtime.Current;
                runtime.Publish(current.Version, current.ModelText, current.PolicyText, DateTimeOffset.UtcNow);
                var clock = Stopwatch.StartNew();
                await ask();
                var cold = clock.Elapsed.TotalMilliseconds;
                var warm = new List<double>();
                for (var i = 0; i < runs; i++)
                {
                    clock.Restart();
                    await ask();
                    warm.Add(clock.Elapsed.TotalMilliseconds);
                }
                warm.Sort();
                var median = warm[warm.Count / 2];
                Console.WriteLine($"| {name} | {cold:F1} | {median:F1} | {warm[^1]:F1} | 200 | {(Math.Max(cold, warm[^1]) < 200 ? "yes" : "no")} |");
            }
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
}
