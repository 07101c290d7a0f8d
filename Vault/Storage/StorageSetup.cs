using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Storage;

internal static class StorageSetup
{
    public static IServiceCollection AddVaultStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VaultOptions>().Bind(configuration.GetSection(VaultOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .Validate(o => o.Provider != StorageProvider.Postgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Storage:ConnectionString is required when Storage:Provider is Postgres.")
            .Validate(o => !o.PartitionByDistrict || o.Provider == StorageProvider.Postgres,
                "Storage:PartitionByDistrict needs Storage:Provider=Postgres (SQLite is one node with one file: there is nothing to partition).")
            .Validate(o => o.DistrictPartitions is >= 1 and <= 1024, "Storage:DistrictPartitions must be 1..1024.")
            .ValidateOnStart();

        services.AddSingleton<VaultDbContextFactory>();
        services.AddSingleton<IDbContextFactory<VaultDbContext>>(sp => sp.GetRequiredService<VaultDbContextFactory>());
        services.AddSingleton<SharedChanges>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedChanges>());
        return services;
    }

    /// <summary>
    /// Applies the provider's migrations (Storage/Migrations/Sqlite or /Postgres), then, with
    /// <c>Storage:PartitionByDistrict</c>, partitions what is not yet partitioned.
    /// </summary>
    public static async Task MigrateVaultStorageAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<IDbContextFactory<VaultDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        var options = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        if (options.PartitionByDistrict)
        {
            var converted = await DistrictPartitioning.ApplyAsync(db, options.DistrictPartitions, cancellationToken);
            if (converted.Count > 0)
            {
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DistrictPartitioning))
                    .LogInformation(3501, "Partitioned by district ({Partitions} hash partitions each): {Tables}", options.DistrictPartitions, string.Join(", ", converted));
            }
        }
    }
}
