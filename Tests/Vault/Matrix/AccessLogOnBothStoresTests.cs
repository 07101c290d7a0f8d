using DataVault.Tests.Vault.Storage;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DataVault.Tests.Vault.Matrix;

/// <summary>
/// The access log's plain batch inserts (AccessLogWriter.InsertAsync) on both providers: concurrent
/// appends come back with distinct receipts, every row is stored, and the whole log verifies.
/// </summary>
public sealed class AccessLogOnBothStoresTests
{
    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task ConcurrentAppends_AllStored_LogVerifies(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var factory = vault.Get<IDbContextFactory<VaultDbContext>>();
        var signer = new TreeHeadSigner(new byte[32]);
        await using var writer = new AccessLogWriter(factory, signer, TimeProvider.System,
            Options.Create(new AccessLogOptions { TreeHeadInterval = TimeSpan.Zero, MaxBatchEntries = 16 }), NullLogger<AccessLogWriter>.Instance);

        var receipts = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => writer.AppendAsync(new AccessLogEntry(
            $"resident-{i}", i % 3 == 0 ? "510108" : "510107", AccessAction.Read, "client-1", "community_worker@510107004003", "community_worker", "client-1",
            [new ServedField("name", "masked"), new ServedField("phone", "clear")], "community_service", "PIPL art. 13(1)3", [], "shipped-test", "allow"), TestContext.Current.CancellationToken)));
        await writer.SignPendingTreeHeadsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(60, receipts.Select(r => (r.LogId, r.Index)).Distinct().Count());
        await using var db = await factory.CreateDbContextAsync(TestContext.Current.CancellationToken);
        Assert.Equal(60, await db.Set<AccessLogRow>().CountAsync(TestContext.Current.CancellationToken));
        var report = await new AccessLogVerifier(factory, signer).VerifyAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(report.Intact, report.FirstProblem?.ToString());
        Assert.Equal(60, report.EntriesChecked);
    }
}
