using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Storage;

internal static class StorageSetup
{
    public static IServiceCollection AddVaultStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VaultOptions>().Bind(configuration.GetSection(VaultOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();

        services.AddDbContextFactory<VaultDbContext>((sp, options) =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var vault = sp.GetRequiredService<IOptions<VaultOptions>>().Value;
            switch (storage.Provider)
            {
                case StorageProvider.Postgres:
                    options.UseNpgsql(storage.ConnectionString ?? throw new InvalidOperationException("Storage:ConnectionString is required when Storage:Provider is Postgres."));
                    break;
                case StorageProvider.Sqlite:
                    Directory.CreateDirectory(vault.DataDirectory);
                    options.UseSqlite(storage.ConnectionString ?? $"Data Source={Path.Combine(vault.DataDirectory, "vault.db")}");
                    break;
            }
        });
        return services;
    }

    public static async Task MigrateVaultStorageAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<IDbContextFactory<VaultDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.EnsureCreatedAsync(cancellationToken);
    }
}
