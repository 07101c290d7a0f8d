using DataVault.Identity.Management;
using DataVault.Vault.Residents;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Seeding;

/// <summary>
/// In Development, a first start on an empty store seeds the demo community (issue 2, item 10),
/// so a newcomer who runs the README's command sees realistic data at once. Never outside
/// Development: a production vault must not hold synthetic people.
/// </summary>
/// <remarks>
/// A hosted service rather than a step of <c>VaultHost.PrepareAsync</c>: it starts after the
/// master-key check (registered earlier), so a refused key file still stops the host with that
/// check's error, and before the server accepts requests. Verbs build the host without starting
/// it, so <c>seed</c> or <c>import</c> never trigger the demo data.
/// </remarks>
internal sealed partial class DemoSeedingOnFirstRun(
    IHostEnvironment environment,
    IOptions<SeedingOptions> options,
    ResidentReader reader,
    ResidentSeeder seeder,
    IServiceProvider services,
    ILogger<DemoSeedingOnFirstRun> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment() || !options.Value.DemoOnFirstRun)
        {
            return;
        }
        if (await reader.CountAsync(cancellationToken) > 0)
        {
            return;
        }
        var report = await seeder.SeedAsync(new SeedRequest(), null, cancellationToken);
        DemoSeeded(logger, report.Created, SeedRequest.DemoCommunity, (long)report.Elapsed.TotalMilliseconds);
        // The demo officers, residents and API clients of the same territory, so the README's
        // credentials work at once (docs/identity.md lists them).
        var identities = await DemoIdentitySeeder.SeedAsync(services, cancellationToken: cancellationToken);
        DemoIdentitiesSeeded(logger, identities.UsersAdded, identities.ClientsAdded);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "First run in Development: seeded {Residents} demo residents in community {Community} in {ElapsedMs} ms")]
    private static partial void DemoSeeded(ILogger logger, int residents, string community, long elapsedMs);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "First run in Development: created {Users} demo users and {Clients} demo clients")]
    private static partial void DemoIdentitiesSeeded(ILogger logger, int users, int clients);
}
