using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DataVault.Identity.Storage;

/// <summary>
/// Where the identity store lives. Read from the same keys as the vault's storage
/// (<c>Vault:DataDirectory</c>, <c>Storage:Provider</c>, <c>Storage:ConnectionString</c>) so one
/// configuration drives both, without Identity depending on Vault.
/// </summary>
internal sealed class IdentityStoreOptions
{
    public string DataDirectory { get; set; } = "data";

    public bool UsePostgres { get; set; }

    public string? PostgresConnectionString { get; set; }

    /// <summary>Optional override for SQLite (default: <c>identity.db</c> in the data directory).</summary>
    public string? SqliteConnectionString { get; set; }
}

internal static class IdentityStoreSetup
{
    public static IServiceCollection AddIdentityStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdentityStoreOptions>()
            .Configure(o =>
            {
                o.DataDirectory = configuration["Vault:DataDirectory"] is { Length: > 0 } dir ? dir : "data";
                o.UsePostgres = string.Equals(configuration["Storage:Provider"], "Postgres", StringComparison.OrdinalIgnoreCase);
                o.PostgresConnectionString = configuration["Storage:ConnectionString"];
                o.SqliteConnectionString = configuration["Identity:SqliteConnectionString"];
            })
            .Validate(o => !o.UsePostgres || !string.IsNullOrWhiteSpace(o.PostgresConnectionString), "Storage:ConnectionString is required when Storage:Provider is Postgres.")
            .ValidateOnStart();

        services.AddDbContext<SqliteIdentityStoreDbContext>((sp, options) =>
        {
            var store = sp.GetRequiredService<IOptions<IdentityStoreOptions>>().Value;
            options.UseSqlite(store.SqliteConnectionString ?? $"Data Source={OwnerOnlyFiles.SqliteStore(store.DataDirectory, "identity.db")}");
            options.UseOpenIddict();
        });
        services.AddDbContext<PostgresIdentityStoreDbContext>((sp, options) =>
        {
            var store = sp.GetRequiredService<IOptions<IdentityStoreOptions>>().Value;
            options.UseNpgsql(store.PostgresConnectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", PostgresIdentityStoreDbContext.Schema));
            options.UseOpenIddict();
        });
        services.AddScoped<IdentityStoreDbContext>(sp => sp.GetRequiredService<IOptions<IdentityStoreOptions>>().Value.UsePostgres
            ? sp.GetRequiredService<PostgresIdentityStoreDbContext>()
            : sp.GetRequiredService<SqliteIdentityStoreDbContext>());

        services.AddSingleton<IdentityStoreMigrator>();
        services.AddHostedService(sp => sp.GetRequiredService<IdentityStoreMigrator>());
        return services;
    }
}

/// <summary>
/// Applies the identity store's migrations once per process: at host start (serving, and the test
/// host) and from <c>PrepareIdentityStoreAsync</c> (verbs, which build the host without starting it).
/// </summary>
internal sealed class IdentityStoreMigrator(IServiceScopeFactory scopes) : IHostedService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _done;

    public async Task EnsureMigratedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_done)
            {
                return;
            }
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<IdentityStoreDbContext>();
            await db.Database.MigrateAsync(cancellationToken);
            _done = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => EnsureMigratedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
