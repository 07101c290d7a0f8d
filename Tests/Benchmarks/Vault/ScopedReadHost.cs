using System.Globalization;
using DataVault.Identity.Management;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Hosting;
using DataVault.Vault.Seeding;
using DataVault.Vault.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// The real vault host (every feature, as <c>vault serve</c> composes it) on a fresh temporary data
/// directory: SQLite in WAL mode with synchronous=FULL, community Y seeded (10,737 residents), and an
/// API client for a community worker of Y. The scoped-read benchmarks share it.
/// </summary>
internal sealed class ScopedReadHost : IAsyncDisposable
{
    public const string ClientId = "bench-community-worker";
    public const string Secret = "bench-secret-bench-secret-bench-secret-0123456789";
    public const string Role = "community_worker";
    public const string Purpose = "community_service";

    private readonly bool _started;
    private bool _ownsDataDirectory = true;

    private ScopedReadHost(WebApplication app, string dataDirectory, IReadOnlyList<string> ids, bool started)
    {
        _started = started;
        App = app;
        DataDirectory = dataDirectory;
        Ids = ids;
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    /// <summary>Every seeded resident id (all in community Y, so all within the worker's reach).</summary>
    public IReadOnlyList<string> Ids { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>The API client's caller as the API would build it: a community worker of Y.</summary>
    public static CallerContext Caller { get; } = new(ClientId, "client", Role, SeedRequest.DemoCommunity, null, $"{Role}@{SeedRequest.DemoCommunity}") { ClientId = ClientId };

    public static Task<ScopedReadHost> StartAsync(int residents, bool listen) => StartAsync(residents, listen, [], null);

    /// <summary>
    /// A vault host with <paramref name="settings"/> added to the command line (e.g. PostgreSQL). With
    /// <paramref name="sharedDataDirectory"/> it is a second node of an existing one: the same data
    /// directory (master key, identity store, API client), nothing seeded, the first node's ids.
    /// </summary>
    public static async Task<ScopedReadHost> StartAsync(int residents, bool listen, IReadOnlyList<string> settings, ScopedReadHost? sharedDataDirectory)
    {
        var dataDirectory = sharedDataDirectory?.DataDirectory ?? Directory.CreateTempSubdirectory("dv-bench-scoped-").FullName;
        var builder = VaultHost.CreateBuilder([
            "--environment=Development",
            $"--Vault:DataDirectory={dataDirectory}",
            "--Seeding:DemoOnFirstRun=false",
            "--urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            .. settings,
        ]);
        var app = VaultHost.Build(builder);
        await VaultHost.PrepareAsync(app);
        if (sharedDataDirectory is not null)
        {
            if (listen)
            {
                await app.StartAsync();
            }
            return new ScopedReadHost(app, dataDirectory, sharedDataDirectory.Ids, listen) { _ownsDataDirectory = false };
        }
        await app.Services.GetRequiredService<ResidentSeeder>().SeedAsync(new SeedRequest(residents, 1, SeedRequest.DemoCommunity), null, CancellationToken.None);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var error = await scope.ServiceProvider.GetRequiredService<ClientRegistry>()
                .AddApiClientAsync(ClientId, Role, SeedRequest.DemoCommunity, null, Secret, CancellationToken.None);
            if (error is not null)
            {
                throw new InvalidOperationException(error);
            }
        }
        if (listen)
        {
            await app.StartAsync();
        }
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync();
        var ids = await db.Set<DataVault.Vault.Residents.ResidentRow>().AsNoTracking().OrderBy(r => r.Id).Select(r => r.Id).ToListAsync();
        return new ScopedReadHost(app, dataDirectory, ids, listen);
    }

    /// <summary>The address Kestrel listens on (a started host).</summary>
    public Uri Address => new(Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
        .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());

    /// <summary>The connection string the vault's own contexts use (the same file, the same options).</summary>
    public static string ConnectionString(IServiceProvider services)
    {
        using var db = services.GetRequiredService<IDbContextFactory<VaultDbContext>>().CreateDbContext();
        return db.Database.GetConnectionString() ?? throw new InvalidOperationException("no connection string");
    }

    public async Task<long> AccessLogEntriesAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync();
        return await db.Set<AccessLogRow>().LongCountAsync();
    }

    /// <summary>What the store's connections actually run with: journal mode and synchronous level, as SQLite reports them.</summary>
    public async Task<string> DurabilityAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        var journal = (string?)await command.ExecuteScalarAsync();
        command.CommandText = "PRAGMA synchronous";
        var synchronous = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        return $"journal_mode={journal}, synchronous={(synchronous == 2 ? "FULL" : synchronous.ToString(CultureInfo.InvariantCulture))}";
    }

    public static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await App.StopAsync();
        }
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (!_ownsDataDirectory)
        {
            return;
        }
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
