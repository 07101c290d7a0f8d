using DataVault.Vault.Residents;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Seeding;

internal static partial class DemoSeeding
{
    /// <summary>
    /// In Development, a first start on an empty store seeds the demo community (issue 2, item 10),
    /// so a newcomer who runs the README's command sees realistic data at once. Never outside
    /// Development: a production vault must not hold synthetic people.
    /// </summary>
    public static async Task SeedDemoOnFirstRunAsync(this IServiceProvider services, IHostEnvironment environment, CancellationToken ct)
    {
        if (!environment.IsDevelopment() || !services.GetRequiredService<IOptions<SeedingOptions>>().Value.DemoOnFirstRun)
        {
            return;
        }
        if (await services.GetRequiredService<ResidentReader>().CountAsync(ct) > 0)
        {
            return;
        }
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("DataVault.Seeding");
        var report = await services.GetRequiredService<ResidentSeeder>().SeedAsync(new SeedRequest(), null, ct);
        DemoSeeded(logger, report.Created, SeedRequest.DemoCommunity, (long)report.Elapsed.TotalMilliseconds);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "First run in Development: seeded {Residents} demo residents in community {Community} in {ElapsedMs} ms")]
    private static partial void DemoSeeded(ILogger logger, int residents, string community, long elapsedMs);
}
