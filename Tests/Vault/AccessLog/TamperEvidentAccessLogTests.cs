using DataVault.Vault.AccessLog;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>
/// The access log is written durably, in order, with signed tree heads, and any edit, deletion or
/// insertion made behind the vault's back is found and named by verification.
/// </summary>
public sealed class TamperEvidentAccessLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AppendAsync_ConcurrentCallersInTwoDistricts_GetContiguousIndexesAndTheLogVerifies()
    {
        await using var log = new AccessLogFixture();

        var receipts = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            log.Writer.AppendAsync(AccessLogFixture.Entry($"r{i:D4}", district: i % 3 == 0 ? "510108" : "510107"), Ct)));

        foreach (var district in receipts.GroupBy(r => r.LogId))
        {
            Assert.Equal(Enumerable.Range(0, district.Count()).Select(i => (long)i), district.Select(r => r.Index).Order());
        }
        await log.Writer.SignPendingTreeHeadsAsync(Ct);
        var report = await log.Verifier.VerifyAsync(cancellationToken: Ct);
        Assert.True(report.Intact, report.FirstProblem?.Reason);
        Assert.Equal(300, report.EntriesChecked);
        Assert.Equal(2, report.LogsChecked);
    }

    [Fact]
    public async Task InclusionProof_EveryEntry_VerifiesAgainstTheSignedHead()
    {
        await using var log = new AccessLogFixture();
        var receipts = new List<AccessLogReceipt>();
        for (var i = 0; i < 37; i++)
        {
            receipts.Add(await log.Writer.AppendAsync(AccessLogFixture.Entry($"r{i}"), Ct));
        }

        var head = await log.Reader.LatestTreeHeadAsync("510107", Ct);

        Assert.NotNull(head);
        Assert.Equal(37, head.TreeSize);
        Assert.True(TreeHeadSigner.Verify(log.Signer.PublicKey, head.LogId, head.TreeSize, head.SignedAt.ToUnixTimeMilliseconds(), head.RootHash, head.Signature));
        foreach (var receipt in receipts)
        {
            var proof = await log.Reader.InclusionProofAsync("510107", receipt.Index, head.TreeSize, Ct);
            Assert.NotNull(proof);
            Assert.Equal(receipt.LeafHash, proof.LeafHash);
            Assert.True(MerkleProofs.VerifyInclusion(proof.Index, proof.TreeSize, proof.LeafHash, proof.AuditPath, head.RootHash), $"entry {receipt.Index}");
        }
    }

    [Fact]
    public async Task ConsistencyProof_BetweenTwoHeads_Verifies()
    {
        await using var log = new AccessLogFixture();
        for (var i = 0; i < 11; i++)
        {
            await log.Writer.AppendAsync(AccessLogFixture.Entry($"a{i}"), Ct);
        }
        var first = await log.Reader.LatestTreeHeadAsync("510107", Ct);
        for (var i = 0; i < 20; i++)
        {
            await log.Writer.AppendAsync(AccessLogFixture.Entry($"b{i}"), Ct);
        }
        var second = await log.Reader.LatestTreeHeadAsync("510107", Ct);

        var proof = await log.Reader.ConsistencyProofAsync("510107", first!.TreeSize, second!.TreeSize, Ct);

        Assert.Equal((11L, 31L), (first.TreeSize, second.TreeSize));
        Assert.True(MerkleProofs.VerifyConsistency(first.TreeSize, second.TreeSize, proof, first.RootHash, second.RootHash));
    }

    [Fact]
    public async Task AppendAsync_AfterRestart_ContinuesTheSameTree()
    {
        await using var log = new AccessLogFixture();
        for (var i = 0; i < 5; i++)
        {
            await log.Writer.AppendAsync(AccessLogFixture.Entry($"a{i}"), Ct);
        }

        await log.RestartWriterAsync();
        var receipt = await log.Writer.AppendAsync(AccessLogFixture.Entry("after-restart"), Ct);

        Assert.Equal(5, receipt.Index);
        var report = await log.Verifier.VerifyAsync(cancellationToken: Ct);
        Assert.True(report.Intact, report.FirstProblem?.Reason);
        Assert.Equal(6, report.EntriesChecked);
    }

    [Fact]
    public async Task Verify_EditedEntry_NamesIt()
    {
        await using var log = await LogWithEntriesAsync(12);

        await log.ExecuteSqlAsync("UPDATE AccessLog SET Purpose = 'statistics' WHERE LogId = '510107' AND \"Index\" = 7");
        var report = await log.Verifier.VerifyAsync(cancellationToken: Ct);

        Assert.False(report.Intact);
        Assert.Equal(7, report.FirstProblem!.EntryIndex);
        Assert.Equal("entry 7 was altered: its content no longer matches its leaf hash", report.FirstProblem.Reason);
    }

    [Fact]
    public async Task Verify_DeletedEntry_NamesTheGap()
    {
        await using var log = await LogWithEntriesAsync(12);

        await log.ExecuteSqlAsync("DELETE FROM AccessLog WHERE LogId = '510107' AND \"Index\" = 4");
        var report = await log.Verifier.VerifyAsync(cancellationToken: Ct);

        Assert.Equal(4, report.FirstProblem!.EntryIndex);
        Assert.Equal("entry 4 is missing (the next stored entry is 5)", report.FirstProblem.Reason);
    }

    [Fact]
    public async Task Verify_NewestEntriesDeletedWithTheirHashes_IsCaughtByTheSignedHead()
    {
        await using var log = await LogWithEntriesAsync(12);

        await log.ExecuteSqlAsync("DELETE FROM AccessLog WHERE \"Index\" >= 10; DELETE FROM AccessLogNodes WHERE Level = 0 AND \"Index\" >= 10");
        var report = await log.Verifier.VerifyAsync(cancellationToken: Ct);

        Assert.Equal(10, report.FirstProblem!.EntryIndex);
        Assert.Contains("entries from 10 on were removed", report.FirstProblem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EntryAndItsLeafHashRewrittenTogether_IsCaughtByTheSignedHead()
    {
        await using var log = await LogWithEntriesAsync(12);
        await log.ExecuteSqlAsync("UPDATE AccessLog SET ActorRole = 'auditor' WHERE \"Index\" = 3");
        var forged = await ForgedLeafHashAsync(log, index: 3);
        await log.ExecuteSqlAsync($"UPDATE AccessLogNodes SET Hash = X'{Convert.ToHexString(forged)}' WHERE Level = 0 AND \"Index\" = 3");

        var report = await log.Verifier.VerifyAsync(cancellationToken: Ct);

        Assert.False(report.Intact);
        Assert.Contains("no longer match the tree head", report.FirstProblem!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_HeadSignedWithAnotherKey_Fails()
    {
        await using var log = await LogWithEntriesAsync(3);
        var otherSeed = new byte[32];
        otherSeed[0] = 1;
        var other = new TreeHeadSigner(otherSeed);
        var forgedSignature = other.Sign("510107", 3, 0, new byte[32]);
        await log.ExecuteSqlAsync($"UPDATE AccessLogTreeHeads SET Signature = X'{Convert.ToHexString(forgedSignature)}' WHERE TreeSize = 3");

        var report = await log.Verifier.VerifyAsync(cancellationToken: Ct);

        Assert.Equal("the tree head at size 3 does not carry a valid signature of this vault's log key", report.FirstProblem!.Reason);
    }

    [Fact]
    public async Task AppendAsync_StoreCannotWrite_FailsTheCallerAndRecordsNothing()
    {
        await using var log = await LogWithEntriesAsync(2);
        await log.ExecuteSqlAsync("CREATE TRIGGER refuse BEFORE INSERT ON AccessLog BEGIN SELECT RAISE(ABORT, 'disk full'); END;");

        await Assert.ThrowsAsync<AccessLogUnavailableException>(() => log.Writer.AppendAsync(AccessLogFixture.Entry("refused"), Ct));

        await log.ExecuteSqlAsync("DROP TRIGGER refuse");
        var next = await log.Writer.AppendAsync(AccessLogFixture.Entry("after"), Ct);
        Assert.Equal(2, next.Index);
        var report = await log.Verifier.VerifyAsync(cancellationToken: Ct);
        Assert.True(report.Intact, report.FirstProblem?.Reason);
        Assert.Equal(3, report.EntriesChecked);
    }

    private static async Task<AccessLogFixture> LogWithEntriesAsync(int count)
    {
        var log = new AccessLogFixture();
        for (var i = 0; i < count; i++)
        {
            await log.Writer.AppendAsync(AccessLogFixture.Entry($"r{i}"), Ct);
        }
        var report = await log.Verifier.VerifyAsync(cancellationToken: Ct);
        Assert.True(report.Intact, report.FirstProblem?.Reason);
        return log;
    }

    private static async Task<byte[]> ForgedLeafHashAsync(AccessLogFixture log, long index)
    {
        await using var db = await log.DbFactory.CreateDbContextAsync(Ct);
        var row = db.Set<AccessLogRow>().Single(r => r.Index == index);
        return MerkleHash.Leaf(row.CanonicalBytes());
    }
}
