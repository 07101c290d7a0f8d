using System.Diagnostics;
using DataVault.Tests.Identity;
using DataVault.Vault.Grants;
using DataVault.Vault.PolicyStore;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataVault.Tests.Vault.PolicyStore;

/// <summary>
/// Issue 13, item 2: two vault nodes on one PostgreSQL. A version published on one node, and a grant
/// revoked on one node, reach the other through LISTEN/NOTIFY, with its poll turned off (1 hour), so
/// the push is the only path that can have carried them. Skips loudly without DATAVAULT_TEST_POSTGRES;
/// fails under CI=true.
/// </summary>
public sealed class PolicyPushTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublishOnOneNode_IsEnforcedOnTheOther_WithoutItsPoll()
    {
        await using var nodes = await TwoNodes.StartAsync();
        var (a, b) = (nodes.A, nodes.B);
        var store = a.Services.GetRequiredService<PolicyStoreService>();
        var runtimeB = b.Services.GetRequiredService<PolicyRuntime>();
        Assert.True(await nodes.ListeningAsync());
        var before = runtimeB.HighestStoreVersion;

        var v1 = (await store.GetVersionAsync(before, Ct))!;
        var text = v1.PolicyText + "\np, community_worker, *, *, religion, exists, community_service\n";
        var draft = (await store.CreateDraftAsync("po-author", new PolicyDraftRequest(Text: text), Ct)).Value!;
        Assert.Null((await store.SubmitAsync(draft.Id, "po-author", Ct)).Problem);
        Assert.Null((await store.ApproveAsync(draft.Id, "po-reviewer", null, Ct)).Problem);
        var published = Stopwatch.StartNew();
        var version = (await store.PublishAsync(draft.Id, "po-author", Ct)).Value!.Version.Number;

        Assert.True(await Until(() => runtimeB.HighestStoreVersion == version, TimeSpan.FromSeconds(5)),
            $"node B still runs version {runtimeB.HighestStoreVersion} {published.ElapsedMilliseconds} ms after node A published {version}");
        Assert.Equal(before + 1, version);
    }

    [Fact]
    public async Task GrantRevokedOnOneNode_OtherNodesCacheReloads_BeforeItsSecondTurns()
    {
        await using var nodes = await TwoNodes.StartAsync(frozenClockOnB: true);
        var (a, b) = (nodes.A, nodes.B);
        Assert.True(await nodes.ListeningAsync());
        await a.Services.GetRequiredService<DemoGrants>().SeedAsync(Ct);
        var grantsB = b.Services.GetRequiredService<GrantStore>();
        // B loads the set once; its clock never moves, so only a notification can make it reload.
        Assert.True(await InForceOnBAsync(grantsB));

        await a.Services.GetRequiredService<GrantStore>().RevokeAsync("g-demo-onestop-civil", "po@node-a", DateTimeOffset.UtcNow, Ct);

        Assert.True(await Until(async () => !await InForceOnBAsync(grantsB), TimeSpan.FromSeconds(5)),
            "node B still honours the revoked grant");
    }

    private static async Task<bool> InForceOnBAsync(GrantStore store) =>
        (await store.CurrentAsync(Ct)).Find("g-demo-onestop-civil") is { RevokedAt: null };

    private static Task<bool> Until(Func<bool> condition, TimeSpan limit) => Until(() => Task.FromResult(condition()), limit);

    private static async Task<bool> Until(Func<Task<bool>> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(2, Ct);
        }
        return await condition();
    }

    /// <summary>Two vault hosts on one fresh PostgreSQL database and one data directory (one master key), polls off.</summary>
    private sealed class TwoNodes : IAsyncDisposable
    {
        private readonly string _admin;
        private readonly string _database;

        private TwoNodes(string admin, string database, IdentityTestHost a, IdentityTestHost b)
        {
            (_admin, _database, A, B) = (admin, database, a, b);
        }

        public IdentityTestHost A { get; }

        public IdentityTestHost B { get; }

        public static async Task<TwoNodes> StartAsync(bool frozenClockOnB = false)
        {
            var admin = Environment.GetEnvironmentVariable("DATAVAULT_TEST_POSTGRES");
            if (string.IsNullOrWhiteSpace(admin))
            {
                if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Fail("DATAVAULT_TEST_POSTGRES is not set under CI=true: the multi-node tests must run in CI (.ci/run starts PostgreSQL).");
                }
                Assert.Skip("Multi-node lane SKIPPED: set DATAVAULT_TEST_POSTGRES to a superuser connection string to run two nodes on PostgreSQL.");
            }
            var database = "dv_push_" + Guid.NewGuid().ToString("N")[..16];
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync(Ct);
                await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
                await create.ExecuteNonQueryAsync(Ct);
            }
            var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ToString();
            void Configure(IWebHostBuilder builder)
            {
                builder.UseSetting("Storage:Provider", "Postgres");
                builder.UseSetting("Storage:ConnectionString", connectionString);
                builder.UseSetting("PolicyStore:PollInterval", "01:00:00");
            }
            var a = new IdentityTestHost(configure: Configure);
            _ = a.Services; // node A creates the store, the keys and policy version 1 first
            var b = new IdentityTestHost(a.DataDirectory, builder =>
            {
                Configure(builder);
                if (frozenClockOnB)
                {
                    builder.ConfigureServices(s => s.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow)));
                }
            });
            _ = b.Services;
            return new TwoNodes(admin, database, a, b);
        }

        /// <summary>Both listeners hold their connection (LISTEN is issued when the host starts).</summary>
        public async Task<bool> ListeningAsync() =>
            await Until(() => A.Services.GetRequiredService<SharedChanges>().Listening && B.Services.GetRequiredService<SharedChanges>().Listening, TimeSpan.FromSeconds(10));

        public async ValueTask DisposeAsync()
        {
            await B.DisposeAsync();
            await A.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
