using System.Diagnostics;
using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Forms;
using DataVault.Vault.Hosting;
using DataVault.Vault.Seeding;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>forms [--residents N] [--runs R]</c>: how long each shipped form takes to fill for one community
/// of N residents (default 10,000: issue 15 asks for a 10k-resident community), as XLSX and as CSV, in
/// process as the API calls it: every resident read and decided, the listed ones logged (one entry
/// each), the file made. Median of R runs.
/// </summary>
public sealed class FormsBench : IBenchCommand
{
    public string Name => "forms";

    public string Description => "fill every shipped form for one community of 10,000 residents, xlsx and csv (issue 15: form fill time)";

    public async Task<int> RunAsync(string[] args)
    {
        var residents = ScopedReadHost.Arg(args, "--residents", 10_000);
        var runs = ScopedReadHost.Arg(args, "--runs", 3);
        var dataDir = Directory.CreateTempSubdirectory("dv-bench-forms-").FullName;
        try
        {
            var builder = VaultHost.CreateBuilder(["--environment=Development", $"--Vault:DataDirectory={dataDir}", "--Seeding:DemoOnFirstRun=false", "--Logging:LogLevel:Default=Warning"]);
            await using var app = VaultHost.Build(builder);
            await VaultHost.PrepareAsync(app);
            var services = app.Services;
            var ct = CancellationToken.None;
            var community = SeedRequest.DemoCommunity;
            await services.GetRequiredService<ResidentSeeder>().SeedAsync(new SeedRequest(residents, Community: community), null, ct);
            var forms = services.GetRequiredService<FormService>();
            var templates = services.GetRequiredService<FormTemplates>().All;

            Console.WriteLine($"one community ({community}) of {residents:N0} residents; median of {runs} runs per form and format; SQLite, in process");
            Console.WriteLine();
            Console.WriteLine("| form | filled by | rows | format | bytes | ms | residents read/s |");
            Console.WriteLine("|---|---|---:|---|---:|---:|---:|");
            foreach (var form in templates)
            {
                var (role, jurisdiction) = form.FilledBy.Role == UnitRoles.CommunityWorker ? (form.FilledBy.Role, community) : (form.FilledBy.Role, community[..6]);
                var caller = new CallerContext("bench", "client", role, jurisdiction, form.FilledBy.Department, UnitRoles.UnitName(role, jurisdiction, form.FilledBy.Department));
                foreach (var format in new[] { FormFormats.Xlsx, FormFormats.Csv })
                {
                    var times = new List<double>();
                    FormFill? last = null;
                    for (var i = 0; i < runs; i++)
                    {
                        var clock = Stopwatch.StartNew();
                        var outcome = await forms.FillAsync(caller, form.Code, community, format, null, ct);
                        times.Add(clock.Elapsed.TotalMilliseconds);
                        last = outcome.Value ?? throw new InvalidOperationException($"{form.Code}: {outcome.Refusal} {outcome.Detail}");
                    }
                    times.Sort();
                    var ms = times[times.Count / 2];
                    Console.WriteLine($"| {form.Code} | {caller.Unit} | {last!.Rows:N0} | {format} | {last.Content.Length:N0} | {ms:F0} | {residents / (ms / 1000):N0} |");
                }
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
