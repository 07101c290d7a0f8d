using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Tests.Vault.Me;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>
/// End to end through the real host: reads served by the API are in the log, tampering with the
/// stored log behind the vault's back is found by <c>audit verify</c> and by the resident's own
/// check, and a log that cannot record a read refuses the read.
/// </summary>
public sealed class ServedReadsAreLoggedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task ExecuteSqlAsync(ApiTestHost host, string sql)
    {
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        await db.Database.ExecuteSqlRawAsync(sql, Ct);
    }

    private static async Task<(LogVerificationReport Report, string Printed, int ExitCode)> AuditVerifyAsync(ApiTestHost host)
    {
        var report = await host.Get<AccessLogVerifier>().VerifyAsync(cancellationToken: Ct);
        using var output = new StringWriter();
        var exit = AuditCommand.Print(report, output);
        return (report, output.ToString(), exit);
    }

    [Theory]
    [InlineData("edit")]
    [InlineData("delete")]
    public async Task AfterApiReads_ARowEditedOrDeletedInSqlite_AuditVerifyFailsAndNamesTheEntry(string tamper)
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700002101");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var reads = new List<(string LogId, long Index)>();
        for (var i = 0; i < 5; i++)
        {
            reads.Add(await host.OfficerReadAsync(worker, alice.ResidentId));
        }
        await host.Get<AccessLogWriter>().SignPendingTreeHeadsAsync(Ct);
        var before = await AuditVerifyAsync(host);
        Assert.True(before.Report.Intact, before.Printed);
        Assert.Equal(0, before.ExitCode);
        var (logId, index) = reads[2];

        await ExecuteSqlAsync(host, tamper == "edit"
            ? $"UPDATE AccessLog SET Purpose = 'statistics' WHERE LogId = '{logId}' AND \"Index\" = {index}"
            : $"DELETE FROM AccessLog WHERE LogId = '{logId}' AND \"Index\" = {index}");
        var after = await AuditVerifyAsync(host);

        Assert.False(after.Report.Intact);
        Assert.Equal(1, after.ExitCode);
        Assert.Equal((logId, (long?)index), (after.Report.FirstProblem!.LogId, after.Report.FirstProblem.EntryIndex));
        Assert.Contains($"district {logId}, entry {index}", after.Printed, StringComparison.Ordinal);
        Assert.Contains(tamper == "edit" ? "was altered" : "is missing", after.Printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEditedRow_NoLongerVerifiesInTheResidentsOwnLog()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700002201");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var (logId, index) = await host.OfficerReadAsync(worker, alice.ResidentId, "elderly_care");
        var keys = await host.LogKeysAsync(alice.Token);
        Assert.All(await host.MyLogAsync(alice.Token), e => Assert.True(EntryVerifier.Verify(e.Entry, e.Proof, e.TreeHead, keys).Verified));

        // Someone with database access makes the read look like a routine one.
        await ExecuteSqlAsync(host, $"UPDATE AccessLog SET Purpose = 'community_service' WHERE LogId = '{logId}' AND \"Index\" = {index}");

        var edited = (await host.MyLogAsync(alice.Token)).Single(e => (e.Entry.LogId, e.Entry.Index) == (logId, index));
        var verdict = EntryVerifier.Verify(edited.Entry, edited.Proof, edited.TreeHead, keys);
        Assert.False(verdict.Verified);
        Assert.Contains("content was changed", verdict.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingLogWrite_FailsTheRead_With503AndNoFieldValue()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700002301");
        var stored = (await host.Get<ResidentReader>().FindAsync(alice.ResidentId, Ct))!;
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var entriesBefore = await CountEntriesAsync(host);

        await ExecuteSqlAsync(host, "CREATE TRIGGER refuse_log BEFORE INSERT ON AccessLog BEGIN SELECT RAISE(ABORT, 'access log disk failure'); END;");
        using var officerRead = await host.GetAsync($"/api/v1/residents/{alice.ResidentId}", worker, "community_service");
        using var ownRead = await host.GetAsync("/api/v1/me", alice.Token, null);

        foreach (var response in new[] { officerRead, ownRead })
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, body);
            Assert.Equal("access_log_unavailable", await ApiTestHost.ProblemCodeAsync(response));
            foreach (var key in new[] { "name", "id_number", "phone", "address", "birth_date", "employer" })
            {
                Assert.DoesNotContain(stored.Values[key], body, StringComparison.Ordinal);
            }
            Assert.DoesNotContain("access log disk failure", body, StringComparison.Ordinal);
        }
        Assert.Equal(entriesBefore, await CountEntriesAsync(host));

        // Once the log works again, so do reads, and the log is whole.
        await ExecuteSqlAsync(host, "DROP TRIGGER refuse_log;");
        await host.OfficerReadAsync(worker, alice.ResidentId);
        await host.Get<AccessLogWriter>().SignPendingTreeHeadsAsync(Ct);
        Assert.True((await AuditVerifyAsync(host)).Report.Intact);
    }

    private static async Task<int> CountEntriesAsync(ApiTestHost host)
    {
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        return await db.Set<AccessLogRow>().CountAsync(Ct);
    }
}
