using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Me;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Tests.Vault.Me;

/// <summary>
/// Issue 14, item 4: a resident (or their app) keeps the head they were shown; on the next visit the
/// vault proves the log extends it, and a log cut back or rewritten since is reported, not hidden.
/// </summary>
public sealed class LogContinuityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KeptHead_NextVisitProvesTheExtension_ARollbackIsReported()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700000301");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        await host.OfficerReadAsync(worker, alice.ResidentId);

        var first = await ContinuityAsync(host, alice.Token, null, minimumSize: 1);
        Assert.Equal(ContinuityVerdict.FirstVisit, first.Verdict);
        var kept = first.TreeHead!;

        await host.OfficerReadAsync(worker, alice.ResidentId, "elderly_care");
        await host.OfficerReadAsync(worker, alice.ResidentId);
        var next = await ContinuityAsync(host, alice.Token, kept, minimumSize: kept.TreeSize + 2);

        Assert.Equal(ContinuityVerdict.Consistent, next.Verdict);
        Assert.Equal(kept.TreeSize, next.ShownSize);
        // The proof is there for the resident's own check (RFC 6962 §2.1.2), not only the vault's word.
        Assert.True(MerkleProofs.VerifyConsistency(kept.TreeSize, next.TreeHead!.TreeSize, next.ConsistencyProof, kept.RootHash, next.TreeHead.RootHash));

        // Another history of the same size (a fork), as a rewritten log would show.
        var forked = kept with { RootHash = System.Security.Cryptography.SHA256.HashData("another history"u8) };
        Assert.Equal(ContinuityVerdict.NotConsistent, (await ContinuityAsync(host, alice.Token, forked, 0)).Verdict);

        // The insider deletes everything after the kept head, with its nodes and heads.
        var latest = next.TreeHead;
        await using (var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct))
        {
            var cut = kept.TreeSize - 1;
            var sql =
                $"DELETE FROM \"AccessLog\" WHERE \"LogId\" = '{kept.LogId}' AND \"Index\" >= {cut}; " +
                $"DELETE FROM \"AccessLogNodes\" WHERE \"LogId\" = '{kept.LogId}' AND ((\"Index\" + 1) << \"Level\") > {cut}; " +
                $"DELETE FROM \"AccessLogTreeHeads\" WHERE \"LogId\" = '{kept.LogId}' AND \"TreeSize\" > {cut}";
            await db.Database.ExecuteSqlRawAsync(sql, Ct);
        }
        var rolledBack = await ContinuityAsync(host, alice.Token, latest, 0);

        Assert.Equal(ContinuityVerdict.NotConsistent, rolledBack.Verdict);
        Assert.Contains("entries were removed", rolledBack.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?size=3")]
    [InlineData("?root=AAAA")]
    [InlineData("?size=-1&root=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU")]
    [InlineData("?size=2&root=notbase64!")]
    [InlineData("?size=2&root=AAAA")]
    public async Task BadKeptHead_Is400(string query)
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700000302");

        using var response = await host.GetAsync("/api/v1/me/access-log/continuity" + query, alice.Token, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(response));
    }

    /// <summary>Asks until the newest head covers <paramref name="minimumSize"/> entries (heads are signed within a second).</summary>
    private static async Task<LogContinuity> ContinuityAsync(ApiTestHost host, string token, TreeHeadView? kept, long minimumSize)
    {
        var query = kept is null ? "" : $"?size={kept.TreeSize}&root={Uri.EscapeDataString(Convert.ToBase64String(kept.RootHash))}";
        for (var attempt = 0; ; attempt++)
        {
            using var response = await host.GetAsync("/api/v1/me/access-log/continuity" + query, token, null);
            var answer = await ResidentSignIn.ReadAsync<LogContinuity>(response);
            if ((answer.TreeHead?.TreeSize ?? 0) >= minimumSize || attempt == 50)
            {
                return answer;
            }
            await Task.Delay(100, Ct);
        }
    }
}
