using DataVault.Tests.Vault.Storage;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>
/// Issue 13, item 1: two vault nodes on one PostgreSQL append to the same district's log at once.
/// Before, both read the log's size, both inserted the next index, and one of them lost the
/// (LogId, Index) race and refused its reads. Now neither refuses, and the log verifies.
/// </summary>
public sealed class TwoNodesOneLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoWritersOnOnePostgres_16ClientsEach_NoRefusal_LogIntact()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Postgres);
        var contexts = vault.Get<IDbContextFactory<VaultDbContext>>();
        var signer = new TreeHeadSigner(new byte[32]);
        var options = Options.Create(new AccessLogOptions { TreeHeadInterval = TimeSpan.FromMilliseconds(50), MaxBatchEntries = 64 });
        await using var nodeA = new AccessLogWriter(contexts, signer, TimeProvider.System, options, NullLogger<AccessLogWriter>.Instance);
        await using var nodeB = new AccessLogWriter(contexts, signer, TimeProvider.System, options, NullLogger<AccessLogWriter>.Instance);
        const int Clients = 16, PerClient = 25;

        var failures = 0;
        var receipts = new System.Collections.Concurrent.ConcurrentBag<(string LogId, long Index)>();
        var clients = Enumerable.Range(0, 2 * Clients).Select(c => Task.Run(async () =>
        {
            var writer = c % 2 == 0 ? nodeA : nodeB;
            for (var i = 0; i < PerClient; i++)
            {
                try
                {
                    var receipt = await writer.AppendAsync(AccessLogFixture.Entry($"c{c}-r{i}"), Ct);
                    receipts.Add((receipt.LogId, receipt.Index));
                }
                catch (AccessLogUnavailableException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, Ct)).ToList();
        await Task.WhenAll(clients);
        await nodeA.SignPendingTreeHeadsAsync(Ct);
        await nodeB.SignPendingTreeHeadsAsync(Ct);

        Assert.Equal(0, failures);
        Assert.Equal(2 * Clients * PerClient, receipts.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 2 * Clients * PerClient).Select(i => (long)i), receipts.Select(r => r.Index).Order());
        var report = await new AccessLogVerifier(contexts, signer).VerifyAsync(cancellationToken: Ct);
        Assert.True(report.Intact, report.FirstProblem?.Reason);
        Assert.Equal(2 * Clients * PerClient, report.EntriesChecked);
    }
}
