using DataVault.Identity.Units;
using Npgsql;

namespace DataVault.Tests.Identity;

/// <summary>
/// The identity store on PostgreSQL (schema <c>identity</c>), through the real host. Needs the
/// connection string in DATAVAULT_TEST_POSTGRES (a superuser); skips without it locally and fails
/// without it under CI=true.
/// </summary>
public sealed class IdentityOnPostgresTests : IAsyncLifetime
{
    private string? _adminConnection;
    private string? _database;
    private IdentityTestHost? _host;

    public async ValueTask InitializeAsync()
    {
        _adminConnection = Environment.GetEnvironmentVariable("DATAVAULT_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(_adminConnection))
        {
            return;
        }
        _database = "dv_identity_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(_adminConnection))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connection = new NpgsqlConnectionStringBuilder(_adminConnection) { Database = _database }.ConnectionString;
        _host = new IdentityTestHost(configure: b => b.UseSetting("Storage:Provider", "Postgres").UseSetting("Storage:ConnectionString", connection));
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(_adminConnection);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private IdentityTestHost Host()
    {
        if (_host is null)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail("DATAVAULT_TEST_POSTGRES is not set; under CI=true the PostgreSQL lane must run.");
            }
            Assert.Skip("PostgreSQL not available: set DATAVAULT_TEST_POSTGRES to run the identity store on PostgreSQL.");
        }
        return _host;
    }

    [Fact]
    public async Task ClientCredentials_OnPostgres_TokenWorksAndTablesInIdentitySchema()
    {
        var host = Host();
        var secret = await host.AddApiClientAsync("pg-api", UnitRoles.StreetOfficer, "510107002");

        var token = await host.ClientTokenAsync("pg-api", secret);
        using var response = await host.WhoAmIAsync(token);

        var caller = await IdentityTestHost.JsonAsync(response);
        Assert.Equal("510107002", caller.GetProperty("jurisdiction").GetString());
        var connection = new NpgsqlConnectionStringBuilder(_adminConnection) { Database = _database }.ConnectionString;
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync(TestContext.Current.CancellationToken);
        await using var tables = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'identity' ORDER BY 1", db);
        var names = new List<string>();
        await using (var reader = await tables.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                names.Add(reader.GetString(0));
            }
        }
        Assert.Contains("OpenIddictApplications", names);
        Assert.Contains("AspNetUsers", names);
        Assert.Contains("TokenKeys", names);
        Assert.Contains("__EFMigrationsHistory", names);
    }

    [Fact]
    public async Task RefreshReuse_OnPostgres_RevokesFamily()
    {
        var host = Host();
        await host.EnsureWebClientAsync();
        var password = await host.AddUserAsync("pg-worker", UnitRoles.CommunityWorker, "510107002001");
        var (verifier, challenge) = IdentityTestHost.NewPkce();
        using var browser = host.CreateBrowser();
        using var signedIn = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(challenge), "pg-worker", password);
        var tokens = await IdentityTestHost.JsonAsync(await host.RedeemCodeAsync(IdentityTestHost.CodeFrom(signedIn), verifier));
        var refresh1 = tokens.GetProperty("refresh_token").GetString()!;
        var refresh2 = (await IdentityTestHost.JsonAsync(await host.RefreshAsync(refresh1))).GetProperty("refresh_token").GetString()!;

        await IdentityTestHost.JsonAsync(await host.RefreshAsync(refresh1), System.Net.HttpStatusCode.BadRequest);

        var after = await IdentityTestHost.JsonAsync(await host.RefreshAsync(refresh2), System.Net.HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", after.GetProperty("error").GetString());
    }
}
