using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Storage;

/// <summary>
/// Creates the provider-specific <see cref="VaultDbContext"/> chosen by <c>Storage:Provider</c>.
/// Options are built once; contexts are cheap and short-lived (one per unit of work).
/// </summary>
internal sealed class VaultDbContextFactory : IDbContextFactory<VaultDbContext>, IDisposable
{
    private readonly Func<VaultDbContext> _create;

    public VaultDbContextFactory(IOptions<StorageOptions> storage, IOptions<VaultOptions> vault)
    {
        Provider = storage.Value.Provider;
        switch (Provider)
        {
            case StorageProvider.Postgres:
                // One data source (one connection pool, one set of prepared statements) for everything this
                // node sends PostgreSQL: EF, the by-id read (ResidentReader.Fast.cs) and change notifications.
                PostgresDataSource = Npgsql.NpgsqlDataSource.Create(TunedForPostgres(storage.Value.ConnectionString
                    ?? throw new InvalidOperationException("Storage:ConnectionString is required when Storage:Provider is Postgres.")));
                var pg = new DbContextOptionsBuilder<PostgresVaultDbContext>().UseNpgsql(PostgresDataSource).Options;
                _create = () => new PostgresVaultDbContext(pg);
                break;
            case StorageProvider.Sqlite:
                var sqlite = ForSqlite(storage.Value.ConnectionString ?? SqliteConnectionStringFor(vault.Value.DataDirectory));
                _create = () => new SqliteVaultDbContext(sqlite);
                break;
            default:
                throw new InvalidOperationException("Unknown storage provider.");
        }
    }

    public StorageProvider Provider { get; }

    /// <summary>The node's PostgreSQL data source; null on SQLite.</summary>
    public Npgsql.NpgsqlDataSource? PostgresDataSource { get; }

    public void Dispose() => PostgresDataSource?.Dispose();

    public VaultDbContext CreateDbContext() => _create();

    public static string SqliteConnectionStringFor(string dataDirectory)
    {
        return new SqliteConnectionStringBuilder { DataSource = DataVault.Identity.Storage.OwnerOnlyFiles.SqliteStore(dataDirectory, "vault.db"), Pooling = true }.ToString();
    }

    public static DbContextOptions<SqliteVaultDbContext> ForSqlite(string connectionString) =>
        new DbContextOptionsBuilder<SqliteVaultDbContext>()
            .UseSqlite(connectionString)
            .AddInterceptors(SqliteDurabilityInterceptor.Instance)
            .Options;

    /// <summary>For tests: an already open connection (e.g. <c>Data Source=:memory:</c>) kept open by the caller.</summary>
    public static DbContextOptions<SqliteVaultDbContext> ForSqlite(DbConnection connection) =>
        new DbContextOptionsBuilder<SqliteVaultDbContext>()
            .UseSqlite(connection)
            .AddInterceptors(SqliteDurabilityInterceptor.Instance)
            .Options;

    public static DbContextOptions<PostgresVaultDbContext> ForPostgres(string connectionString) =>
        new DbContextOptionsBuilder<PostgresVaultDbContext>().UseNpgsql(TunedForPostgres(connectionString)).Options;

    /// <summary>
    /// The operator's PostgreSQL connection string with two defaults the vault's traffic wants, unless the
    /// operator set them (issue 13, item 3): automatic preparation of the statements every request repeats
    /// (the by-id read, the log's inserts and frontier query: parsed and planned once per connection, not per
    /// request), and no session reset when a pooled connection is returned (the vault keeps no session
    /// state: its advisory locks are transaction-scoped and LISTEN has its own unpooled connection), so
    /// the prepared statements survive the return to the pool.
    /// </summary>
    public static string TunedForPostgres(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }
        return builder.ToString();
    }
}

/// <summary>
/// WAL mode with synchronous=FULL on every SQLite connection: a commit that returned is on disk
/// even after power loss (WAL with NORMAL may lose the last transactions). journal_mode is stored
/// in the file; synchronous is per connection, hence on every open.
/// </summary>
internal sealed class SqliteDurabilityInterceptor : DbConnectionInterceptor
{
    public static readonly SqliteDurabilityInterceptor Instance = new();

    private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (IsReadOnly(connection))
        {
            return;
        }
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (IsReadOnly(connection))
        {
            return;
        }
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // EF's "does the database exist" probe opens read-only; the file is created owner-only before the
    // first open (OwnerOnlyFiles), so that probe now meets an existing file and must not try to write.
    private static bool IsReadOnly(DbConnection connection) =>
        connection is SqliteConnection sqlite && new SqliteConnectionStringBuilder(sqlite.ConnectionString).Mode == SqliteOpenMode.ReadOnly;
}

/// <summary>Used by <c>dotnet ef migrations add ... --context SqliteVaultDbContext</c>; never connects.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteVaultDbContext>
{
    public SqliteVaultDbContext CreateDbContext(string[] args) => new(VaultDbContextFactory.ForSqlite("Data Source=design-time.db"));
}

/// <summary>Used by <c>dotnet ef migrations add ... --context PostgresVaultDbContext</c>; never connects.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresVaultDbContext>
{
    public PostgresVaultDbContext CreateDbContext(string[] args) => new(VaultDbContextFactory.ForPostgres("Host=localhost;Database=datavault_design"));
}
