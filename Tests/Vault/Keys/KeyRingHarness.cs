using System.Collections.Concurrent;
using DataVault.Tests.Vault.Encryption;
using DataVault.Vault.Encryption;
using DataVault.Vault.Keys;
using DataVault.Vault.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataVault.Tests.Vault.Keys;

/// <summary>
/// The encryption feature as the host composes it (AddVaultStorage + AddFieldEncryption), on a
/// SQLite file in a temporary data directory, with every log line captured. Two harnesses can
/// share one data directory to act as two vault nodes.
/// </summary>
internal sealed class KeyRingHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly bool _ownsDirectory;

    private KeyRingHarness(string dataDirectory, bool ownsDirectory, IReadOnlyDictionary<string, string?> settings, IMasterKeyProvider? masterKeyProvider, CapturedLogs logs)
    {
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
        Logs = logs;
        var values = new Dictionary<string, string?>
        {
            ["Vault:DataDirectory"] = dataDirectory,
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(dataDirectory, "vault.db")};Default Timeout=30",
        };
        TestSuite.ApplyFromEnvironment(values);
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        if (masterKeyProvider is not null)
        {
            services.AddSingleton(masterKeyProvider);
        }
        services.AddVaultStorage(configuration);
        services.AddFieldEncryption(configuration);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public string DataDirectory { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _services;

    public FieldCipher Cipher => _services.GetRequiredService<FieldCipher>();

    public KeyRing KeyRing => _services.GetRequiredService<KeyRing>();

    public BlindIndexer BlindIndexer => _services.GetRequiredService<BlindIndexer>();

    /// <summary>A fresh vault in its own temporary directory.</summary>
    public static Task<KeyRingHarness> CreateAsync(IReadOnlyDictionary<string, string?>? settings = null, IMasterKeyProvider? masterKeyProvider = null) =>
        StartAsync(Directory.CreateTempSubdirectory("dv-keys-").FullName, ownsDirectory: true, settings, masterKeyProvider, new CapturedLogs());

    /// <summary>Another node (or a restart) on the same data directory and database.</summary>
    public Task<KeyRingHarness> StartNodeAsync(IReadOnlyDictionary<string, string?>? settings = null, IMasterKeyProvider? masterKeyProvider = null) =>
        StartAsync(DataDirectory, ownsDirectory: false, settings, masterKeyProvider, Logs);

    private static async Task<KeyRingHarness> StartAsync(string dataDirectory, bool ownsDirectory, IReadOnlyDictionary<string, string?>? settings, IMasterKeyProvider? masterKeyProvider, CapturedLogs logs)
    {
        var harness = new KeyRingHarness(dataDirectory, ownsDirectory, settings ?? new Dictionary<string, string?>(), masterKeyProvider, logs);
        var factory = harness._services.GetRequiredService<IDbContextFactory<VaultDbContext>>();
        await using var db = await factory.CreateDbContextAsync(TestContext.Current.CancellationToken);
        await db.Database.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return harness;
    }

    public async Task<List<KeyStatus>> StatusAsync() => [.. await KeyRing.ListAsync(TestContext.Current.CancellationToken)];

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A node still running on it: the OS temp cleaner will take it.
            }
        }
    }
}

/// <summary>Every log line and exception text written through ILogger, formatted as a sink would write it.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Sink(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Sink(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner._lines.Enqueue($"{logLevel} {category} [{eventId.Id}] {formatter(state, exception)} {structured} {exception}");
        }
    }
}

/// <summary>A master key held in memory, for tests that need to know (or change) it.</summary>
internal sealed class FixedMasterKeyProvider(byte[] key) : IMasterKeyProvider
{
    public byte[] Key { get; } = key;

    public string Source => "test key";

    public byte[] GetMasterKey() => (byte[])Key.Clone();
}
