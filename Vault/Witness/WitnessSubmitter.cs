using System.Globalization;
using System.Net;
using System.Text;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Witness;

/// <summary>What one submission of a district checkpoint to one witness came to.</summary>
public sealed record WitnessSubmission(string Witness, string LogId, long TreeSize, bool Cosigned, string Detail);

/// <summary>
/// The log side of C2SP tlog-witness: every <see cref="AccessLogOptions.WitnessInterval"/> the newest
/// checkpoint of every district log goes to every configured witness with a consistency proof from
/// the size that witness last cosigned (learnt from its 409 answer when unknown); verified
/// cosignatures are kept in <see cref="CosignedCheckpoints"/> and served with the checkpoint. A
/// witness that refuses (the log is not a consistent extension of what it saw) is logged as an error:
/// that refusal is what a truncated or rolled-back log looks like from outside.
/// </summary>
internal sealed partial class WitnessSubmitter(
    IOptions<AccessLogOptions> options,
    IDbContextFactory<VaultDbContext> contexts,
    CheckpointIssuer issuer,
    AccessLogReader reader,
    CosignedCheckpoints cosigned,
    IHttpClientFactory http,
    ILogger<WitnessSubmitter> logger) : BackgroundService
{
    public const string HttpClientName = "witness";

    // The size each witness last cosigned, per log: the old size of the next request.
    private readonly Dictionary<(string Witness, string LogId), long> _known = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Witnesses.Count == 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.Value.WitnessInterval);
        do
        {
            try
            {
                await SubmitAllAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                SubmissionFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One round: the newest checkpoint of every district log to every witness.</summary>
    public async Task<IReadOnlyList<WitnessSubmission>> SubmitAllAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            List<string> logIds;
            await using (var db = await contexts.CreateDbContextAsync(ct))
            {
                logIds = await db.Set<TreeHeadRow>().Select(h => h.LogId).Distinct().OrderBy(id => id).ToListAsync(ct);
            }
            var results = new List<WitnessSubmission>();
            foreach (var logId in logIds)
            {
                var (_, checkpoint) = await issuer.IssueAsync(logId, ct);
                if (checkpoint is null)
                {
                    continue;
                }
                foreach (var witness in options.Value.Witnesses)
                {
                    var result = await SubmitAsync(witness, checkpoint, ct);
                    if (!result.Cosigned)
                    {
                        Refused(logger, result.Witness, logId, result.TreeSize, result.Detail);
                    }
                    results.Add(result);
                }
            }
            return results;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<WitnessSubmission> SubmitAsync(WitnessEndpoint endpoint, IssuedCheckpoint checkpoint, CancellationToken ct)
    {
        var logId = checkpoint.Head.LogId;
        var size = checkpoint.Head.TreeSize;
        if (CheckpointNote.ParseVerifierKey(endpoint.VerifierKey, Cosignature.Ed25519CosignatureType) is not { } witnessKey)
        {
            return new WitnessSubmission(endpoint.Url, logId, size, false, "AccessLog:Witnesses: the verifier key is not an Ed25519 cosigner key (name+keyhash+base64(0x04‖key))");
        }
        var name = witnessKey.Name;
        // Two tries: the second with the old size the witness told us in its 409.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var old = _known.GetValueOrDefault((name, logId));
            if (old > size)
            {
                return new WitnessSubmission(name, logId, size, false,
                    $"the witness cosigned size {old} but the log's newest head has {size} entries: the log was rolled back");
            }
            var proof = old == 0 || old == size ? [] : await reader.ConsistencyProofAsync(logId, old, size, ct);
            var body = new StringBuilder("old ").Append(old.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (var hash in proof)
            {
                body.Append(Convert.ToBase64String(hash)).Append('\n');
            }
            body.Append('\n').Append(checkpoint.SignedNote);

            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url.TrimEnd('/') + "/add-checkpoint")
            {
                Content = new StringContent(body.ToString(), Encoding.UTF8, "text/plain"),
            };
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.Conflict
                && long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var witnessSize))
            {
                _known[(name, logId)] = witnessSize;
                continue;
            }
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new WitnessSubmission(name, logId, size, false, $"{(int)response.StatusCode}: {text.Trim()}");
            }
            // The witness's lines are checked as a client must: appended to the checkpoint, verified with its key.
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l + "\n").ToList();
            var line = lines.FirstOrDefault(l => CheckpointNote.TryParse(checkpoint.Body + "\n" + l) is { } parsed
                && Cosignature.Verify(name, witnessKey.PublicKey, checkpoint.Body, parsed.Signatures) is not null);
            if (line is null)
            {
                return new WitnessSubmission(name, logId, size, false, "the witness answered 200 without a valid cosignature of its key");
            }
            _known[(name, logId)] = size;
            cosigned.Add(logId, checkpoint.Body, name, line);
            return new WitnessSubmission(name, logId, size, true, "cosigned");
        }
        return new WitnessSubmission(name, logId, size, false, "the witness kept answering 409");
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Error, Message = "Witness {Witness} refused to cosign log {LogId} at size {TreeSize}: {Detail}")]
    private static partial void Refused(ILogger logger, string witness, string logId, long treeSize, string detail);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "Witness submission round failed; the next round tries again")]
    private static partial void SubmissionFailed(ILogger logger, Exception exception);
}
