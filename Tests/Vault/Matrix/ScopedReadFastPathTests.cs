using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Tests.Vault.Matrix;

/// <summary>
/// The by-id read path without EF (ResidentReader.Fast.cs): it returns exactly what the store holds, and
/// its held-open read-only connections never reach a writer, however many readers run at once.
/// </summary>
public sealed class ScopedReadFastPathTests
{
    [Fact]
    public async Task FindAsync_EveryResident_SameRecordAsThroughEf()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 15);
        var reader = host.Get<ResidentReader>();
        var ct = TestContext.Current.CancellationToken;
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(ct);
        var rows = await db.Set<ResidentRow>().AsNoTracking().ToListAsync(ct);
        Assert.NotEmpty(rows);

        foreach (var row in rows)
        {
            var record = await reader.FindRecordAsync(row.Id, ct);
            Assert.NotNull(record);
            Assert.Equal((row.Id, row.CommunityCode, row.GridCode, row.Version), (record.Id, record.CommunityCode, record.GridCode, record.Version));
            Assert.Equal(row.Data, record.Data);
        }
        Assert.Null(await reader.FindRecordAsync("aaaaaaaaaaaaaaaaaaaaaaaaaa", ct));
    }

    [Fact]
    public async Task ManyConcurrentReads_ThenWrites_TheLogAndTheStoreStillWrite()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 10);
        var residents = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).ToList();
        var reader = host.Get<ResidentReader>();
        var ct = TestContext.Current.CancellationToken;

        // More concurrent readers than the fast path keeps idle: the extra connections are closed, and
        // none of them (they are query_only) may be handed to the access log's writer through a pool.
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            for (var k = 0; k < 5; k++)
            {
                Assert.NotNull(await reader.FindAsync(residents[(i + k) % residents.Count].Id, ct));
            }
        }, ct)));
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var reads = residents.Take(20).Select(async r =>
        {
            using var response = await host.GetAsync($"/api/v1/residents/{r.Id}", token, "community_service");
            return response.StatusCode;
        });

        Assert.All(await Task.WhenAll(reads), status => Assert.Equal(HttpStatusCode.OK, status));
    }
}

/// <summary>The access log's batch inserts bypass EF change tracking only where the EF model maps plainly.</summary>
public sealed class AccessLogInsertPlanTests
{
    [Fact]
    public async Task EntryAndNodeRows_HaveAPlainInsert_WithEveryMappedColumn()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);

        var entries = DataVault.Vault.AccessLog.AccessLogWriter.InsertSqlFor(db.Model, typeof(DataVault.Vault.AccessLog.AccessLogRow));
        var nodes = DataVault.Vault.AccessLog.AccessLogWriter.InsertSqlFor(db.Model, typeof(DataVault.Vault.AccessLog.MerkleNodeRow));

        Assert.NotNull(entries);
        Assert.NotNull(nodes);
        var entityColumns = db.Model.FindEntityType(typeof(DataVault.Vault.AccessLog.AccessLogRow))!.GetProperties().Count();
        Assert.Equal(entityColumns, entries.Split("@p").Length - 1);
        Assert.StartsWith("INSERT INTO \"AccessLogNodes\" (", nodes, StringComparison.Ordinal);
    }
}
