using System.CommandLine;
using DataVault.Identity.Management;
using DataVault.Vault.Seeding;

namespace DataVault.Vault.Cli;

/// <summary><c>seed [--residents N] [--seed S] [--community CODE|all]</c>: synthetic residents (docs/verbs.md).</summary>
internal static class SeedCommand
{
    public static Command Create()
    {
        var residents = new Option<int>("--residents") { Description = "How many residents (default: community Y's 10,737).", DefaultValueFactory = _ => SeedRequest.DemoResidents };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed gives the same people (idempotent).", DefaultValueFactory = _ => 1 };
        var community = new Option<string>("--community") { Description = "Community code, or 'all' to spread households over every community.", DefaultValueFactory = _ => SeedRequest.DemoCommunity };
        var command = new Command("seed", "生成演示居民 / Seed synthetic residents (Bogus, zh_CN).") { residents, seed, community };
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(residents);
            if (count < 1)
            {
                await Console.Error.WriteLineAsync("--residents must be at least 1");
                return 2;
            }
            await using var app = await VaultCommandLine.BuildHostAsync(ct);
            var seeder = app.Services.GetRequiredService<ResidentSeeder>();
            var request = new SeedRequest(count, parse.GetValue(seed), parse.GetValue(community)!);
            var lastReport = TimeSpan.Zero;
            var report = await seeder.SeedAsync(request, new SyncProgress<SeedProgress>(p =>
            {
                if (p.Done == p.Total || p.Elapsed - lastReport >= TimeSpan.FromSeconds(1))
                {
                    lastReport = p.Elapsed;
                    Console.Error.WriteLine($"seed: {p.Done:N0} / {p.Total:N0} ({p.Done / Math.Max(p.Elapsed.TotalSeconds, 0.001):N0}/s)");
                }
            }), ct);
            Console.WriteLine($"seeded {report.Residents:N0} residents in {report.Elapsed.TotalSeconds:N1} s: {report.Created:N0} created, {report.Updated:N0} updated, {report.Unchanged:N0} unchanged");

            // The demo users and API clients that match the demo territory (Development only).
            var identities = await DemoIdentitySeeder.SeedAsync(app.Services, cancellationToken: ct);
            if (identities.Refused)
            {
                Console.WriteLine("demo users and clients: not created (only in Development)");
                return 0;
            }
            Console.WriteLine($"demo users and clients: {identities.UsersAdded} users and {identities.ClientsAdded} clients added (docs/identity.md lists them)");
            Console.WriteLine($"demo resident records: {await DemoResidentRecords.SeedAsync(app.Services, ct)} created for the demo resident accounts (docs/me-api.md)");
            foreach (var problem in identities.Problems)
            {
                await Console.Error.WriteLineAsync($"seed: {problem}");
            }
            return identities.Problems.Count == 0 ? 0 : 1;
        });
        return command;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
