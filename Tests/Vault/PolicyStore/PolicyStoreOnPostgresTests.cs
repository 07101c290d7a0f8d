using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Views;
using Npgsql;

namespace DataVault.Tests.Vault.PolicyStore;

/// <summary>
/// The policy store on PostgreSQL through the real host: seeding version 1, the dry run's GROUP BY, the
/// publish transaction. Needs DATAVAULT_TEST_POSTGRES (a superuser); skips without it locally and fails
/// without it under CI=true.
/// </summary>
public sealed class PolicyStoreOnPostgresTests
{
    [Fact]
    public async Task Lifecycle_OnPostgres_PublishesAndTheRuntimeFollows()
    {
        var admin = Environment.GetEnvironmentVariable("DATAVAULT_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            Assert.SkipWhen(Environment.GetEnvironmentVariable("CI") != "true", "PostgreSQL not available: set DATAVAULT_TEST_POSTGRES to run the policy store on PostgreSQL.");
            Assert.Fail("DATAVAULT_TEST_POSTGRES is not set; under CI=true the PostgreSQL lane must run.");
        }
        var database = "dv_policy_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(admin, $"CREATE DATABASE \"{database}\"");
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
            await using (var host = await ApiTestHost.StartAsync(perCommunity: 3, b => b.UseSetting("Storage:Provider", "Postgres").UseSetting("Storage:ConnectionString", connection)))
            {
                var author = await host.AuthorTokenAsync();
                var reviewer = await host.ReviewerTokenAsync();
                await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
                var id = (await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created,
                    PolicyOfficers.Line(UnitRoles.CommunityWorker, "chronic_condition", "exists", "community_service"))).GetProperty("id").GetInt32();

                var impact = await host.CallAsync(HttpMethod.Get, $"/api/v1/policy/drafts/{id}/impact", author, HttpStatusCode.OK);
                var version = await host.ReviewAndPublishAsync(id, author, reviewer);

                Assert.Equal(6, impact.GetProperty("residents").GetInt32());
                var change = Assert.Single(impact.GetProperty("changes").EnumerateArray());
                Assert.Equal(("chronic_condition", 2, 1, 6), (change.GetProperty("field").GetString(), change.GetProperty("units").GetInt32(), change.GetProperty("officials").GetInt32(), change.GetProperty("residents").GetInt32()));
                Assert.Equal(2, version);
                Assert.Equal("v2", host.Get<PolicyRuntime>().Current.Version);
                Assert.Equal("conflict", (await host.ProblemAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/publish", reviewer, HttpStatusCode.Conflict)).Code);
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        }
    }

    private static async Task ExecuteAsync(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
