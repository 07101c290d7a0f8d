using DataVault.Vault.Encryption;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>The host's store registrations on a fresh temporary data directory (SQLite), for benchmarks.</summary>
internal sealed class BenchVault : IAsyncDisposable
{
    private BenchVault(ServiceProvider services, string dataDirectory)
    {
        Services = services;
        DataDirectory = dataDirectory;
    }

    public ServiceProvider Services { get; }

    public string DataDirectory { get; }

    /// <summary>
    /// A fresh store with the host's storage, encryption and resident registrations, plus whatever
    /// <paramref name="addFeatures"/> registers on top (access log, views, aggregates…).
    /// </summary>
    public static async Task<BenchVault> CreateAsync(Action<IServiceCollection, IConfiguration>? addFeatures = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("dv-bench-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vault:DataDirectory"] = dataDirectory,
            ["Schema:PoliciesDirectory"] = Path.Combine(AppContext.BaseDirectory, "policies"),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddVaultStorage(configuration);
        services.AddFieldEncryption(configuration);
        services.AddResidents(configuration);
        addFeatures?.Invoke(services, configuration);
        var provider = services.BuildServiceProvider();
        await provider.MigrateVaultStorageAsync(CancellationToken.None);
        return new BenchVault(provider, dataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Temp files left behind are harmless.
        }
    }
}
