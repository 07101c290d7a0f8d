using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace DataVault.Tests.Vault.Api;

/// <summary>
/// The store an API test runs on: SQLite as the host makes it, or a fresh PostgreSQL database
/// partitioned by district (the production shape). Without <c>DATAVAULT_TEST_POSTGRES</c> the
/// PostgreSQL lane is skipped with a loud reason, and fails under <c>CI=true</c>.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly string? _admin;
    private readonly string? _database;

    private TestStore(string? admin, string? database) => (_admin, _database) = (admin, database);

    public static TheoryData<string> Both => ["sqlite", "postgres"];

    /// <summary><paramref name="what"/> names the tests in the skip and failure messages.</summary>
    public static async Task<TestStore> OpenAsync(string store, string what)
    {
        if (store == "sqlite")
        {
            return new TestStore(null, null);
        }
        var admin = Environment.GetEnvironmentVariable("DATAVAULT_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail($"DATAVAULT_TEST_POSTGRES is not set under CI=true: the {what} PostgreSQL lane must run in CI.");
            }
            Assert.Skip($"PostgreSQL lane SKIPPED: set DATAVAULT_TEST_POSTGRES to a superuser connection string to run the {what} tests on PostgreSQL.");
        }
        var database = "dv_api_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
        await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return new TestStore(admin, database);
    }

    public string ConnectionString => new NpgsqlConnectionStringBuilder(_admin) { Database = _database }.ToString();

    public void Configure(IWebHostBuilder builder)
    {
        if (_admin is null)
        {
            return;
        }
        builder.UseSetting("Storage:Provider", "Postgres");
        builder.UseSetting("Storage:ConnectionString", ConnectionString);
        builder.UseSetting("Storage:PartitionByDistrict", "true");
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is null)
        {
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
