using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Storage;

internal static class StorageSetup
{
    public static IServiceCollection AddVaultStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VaultOptions>().Bind(configuration.GetSection(VaultOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .Validate(o => o.Provider != StorageProvider.Postgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Storage:ConnectionString is required when Storage:Provider is Postgres.")
            .ValidateOnStart();

        services.AddSingleton<VaultDbContextFactory>();
        services.AddSingleton<IDbContextFactory<VaultDbContext>>(sp => sp.GetRequiredService<VaultDbContextFactory>());
        services.AddSingleton<SharedChanges>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedChanges>());
        return services;
    }

    /// <summary>Applies the provider's migrations (Storage/Migrations/Sqlite or /Postgres).</summary>
    public static async Task MigrateVaultStorageAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<IDbContextFactory<VaultDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }
}
