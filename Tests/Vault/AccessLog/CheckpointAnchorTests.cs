using DataVault.Vault.AccessLog;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>
/// Issue 14, item 4: whoever writes the database can delete the newest entries together with their
/// hashes and heads, and the log alone still verifies. A checkpoint kept outside the database
/// (by a witness, an auditor) is what catches it: <c>audit verify --checkpoint</c>.
/// </summary>
public sealed class CheckpointAnchorTests
{
    private const string Origin = "datavault.example/access-log";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RolledBackLog_VerifiesAlone_ButFailsAgainstACheckpointKeptOutside()
    {
        await using var log = await LogWithEntriesAsync(12);
        var kept = await CheckpointAsync(log);

        await log.ExecuteSqlAsync("DELETE FROM AccessLog WHERE \"Index\" >= 9; DELETE FROM AccessLogNodes WHERE Level = 0 AND \"Index\" >= 9; DELETE FROM AccessLogTreeHeads WHERE TreeSize > 9");
        var alone = await log.Verifier.VerifyAsync(cancellationToken: Ct);
        var anchored = await log.Verifier.VerifyAsync([Open(log, kept)], cancellationToken: Ct);

        Assert.True(alone.Intact, "the rollback is invisible from inside the database: that is the attack");
        Assert.False(anchored.Intact);
        Assert.Contains("has 12 entries but only 9 are stored: the log was rolled back", anchored.FirstProblem!.Reason, StringComparison.Ordinal);
        Assert.Equal(1, anchored.CheckpointsChecked);
    }

    [Fact]
    public async Task LogDeletedOutright_FailsAgainstItsCheckpoint()
    {
        await using var log = await LogWithEntriesAsync(5);
        var kept = await CheckpointAsync(log);

        await log.ExecuteSqlAsync("DELETE FROM AccessLog; DELETE FROM AccessLogNodes; DELETE FROM AccessLogTreeHeads");
        var anchored = await log.Verifier.VerifyAsync([Open(log, kept)], cancellationToken: Ct);

        Assert.Contains("the log was rolled back", anchored.FirstProblem!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtendedLog_IsAConsistentExtension_OfAnEarlierCheckpoint()
    {
        await using var log = await LogWithEntriesAsync(6);
        var kept = await CheckpointAsync(log);
        for (var i = 0; i < 5; i++)
        {
            await log.Writer.AppendAsync(AccessLogFixture.Entry($"later{i}"), Ct);
        }

        var report = await log.Verifier.VerifyAsync([Open(log, kept)], cancellationToken: Ct);

        Assert.True(report.Intact, report.FirstProblem?.Reason);
    }

    [Fact]
    public async Task HistoryRewrittenBelowACheckpoint_IsNotAConsistentExtension()
    {
        await using var log = await LogWithEntriesAsync(6);
        var head = (await log.Reader.LatestTreeHeadAsync("510107", Ct))!;
        // A checkpoint of a different history of the same size, as a fork would show a witness.
        var forked = Note(log, head.TreeSize, System.Security.Cryptography.SHA256.HashData("another history"u8));

        var report = await log.Verifier.VerifyAsync([Open(log, forked)], cancellationToken: Ct);

        Assert.Contains("not a consistent extension", report.FirstProblem!.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a note")]
    [InlineData("datavault.example/access-log/510107\n5\nAAAA\n\n— datavault.example/access-log/510107 AAAAAAAA\n")]
    public void Checkpoint_ThatIsNotOne_IsRefusedWithAReason(string text)
    {
        var anchor = CheckpointNote.TryOpen(text, "kept.txt", Origin, new byte[32], out var error);

        Assert.Null(anchor);
        Assert.Contains("kept.txt", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_SignedByAnotherKey_OrForAnotherOrigin_IsRefused()
    {
        await using var log = await LogWithEntriesAsync(2);
        var note = await CheckpointAsync(log);
        var stranger = new TreeHeadSigner(new byte[32]);

        Assert.Null(CheckpointNote.TryOpen(note, "kept.txt", Origin, stranger.PublicKey, out var wrongKey));
        Assert.Contains("no valid signature", wrongKey, StringComparison.Ordinal);
        Assert.Null(CheckpointNote.TryOpen(note, "kept.txt", "other.example/log", log.Signer.PublicKey, out var wrongOrigin));
        Assert.Contains("not a district log of this vault", wrongOrigin, StringComparison.Ordinal);
    }

    private static async Task<string> CheckpointAsync(AccessLogFixture log)
    {
        var head = (await log.Reader.LatestTreeHeadAsync("510107", Ct))!;
        return Note(log, head.TreeSize, head.RootHash);
    }

    private static string Note(AccessLogFixture log, long size, byte[] root)
    {
        var origin = CheckpointNote.Origin(Origin, "510107");
        var body = CheckpointNote.Body(origin, size, root);
        return body + "\n" + CheckpointNote.SignatureLine(origin, log.Signer.PublicKey, log.Signer.SignNote(body));
    }

    private static LogAnchor Open(AccessLogFixture log, string note) =>
        CheckpointNote.TryOpen(note, "kept.txt", Origin, log.Signer.PublicKey, out var error) ?? throw new InvalidOperationException(error);

    private static async Task<AccessLogFixture> LogWithEntriesAsync(int count)
    {
        var log = new AccessLogFixture();
        for (var i = 0; i < count; i++)
        {
            await log.Writer.AppendAsync(AccessLogFixture.Entry($"r{i}"), Ct);
        }
        return log;
    }
}
