using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DataVault.Tests.Vault.AccessLog;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Witness;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace DataVault.Tests.Vault.Witness;

/// <summary>
/// Issue 14, item 4: a witness (C2SP tlog-witness) remembers the last checkpoint it cosigned and
/// cosigns only a consistent extension, so a truncated or rolled-back district log gets no
/// cosignature; the vault serves the cosignatures it got. Cosignatures are checked here by a
/// verifier written from docs/access-log.md ("Witnesses"), not by the vault's code.
/// </summary>
public sealed class WitnessTests : IAsyncDisposable
{
    private const string LogId = "510107";
    private const string WitnessName = "witness.jinjiang.example/w1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly AccessLogFixture _log = new();
    private readonly string _state = Path.Combine(Directory.CreateTempSubdirectory("dv-witness-").FullName, "state");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    public async ValueTask DisposeAsync() => await _log.DisposeAsync();

    [Fact]
    public async Task FirstCheckpoint_IsCosigned_AndTheCosignatureVerifiesByTheDoc()
    {
        await AppendAsync(5);
        var witness = NewWitness();
        var checkpoint = await IssueAsync();

        var answer = await witness.AddCheckpointAsync("old 0\n\n" + checkpoint.SignedNote, Ct);

        Assert.Equal(200, answer.Status);
        Assert.True(DocVerifier.CosignatureValid(answer.Body, WitnessName, witness.VerifierKey, checkpoint.Body, _time.GetUtcNow().ToUnixTimeSeconds()));
        // What the witness keeps is the checkpoint with both signatures, readable by `audit verify --checkpoint`.
        var kept = witness.Latest(checkpoint.Origin)!;
        Assert.NotNull(CheckpointNote.TryOpen(kept, "witness", _log.Options.CheckpointOrigin, _log.Signer.PublicKey, out var error));
        Assert.Null(error);
    }

    [Fact]
    public async Task ConsistentExtension_IsCosigned_StaleOldSizeIs409WithTheKnownSize()
    {
        await AppendAsync(6);
        var witness = NewWitness();
        Assert.Equal(200, (await witness.AddCheckpointAsync("old 0\n\n" + (await IssueAsync()).SignedNote, Ct)).Status);
        await AppendAsync(7);
        var next = await IssueAsync();

        var stale = await witness.AddCheckpointAsync("old 0\n\n" + next.SignedNote, Ct);
        var extended = await witness.AddCheckpointAsync(await RequestAsync(6, next), Ct);

        Assert.Equal(409, stale.Status);
        Assert.Equal("text/x.tlog.size", stale.ContentType);
        Assert.Equal("6\n", stale.Body);
        Assert.Equal(200, extended.Status);
        // A witness restarted over the same state directory remembers.
        Assert.Equal("13\n", (await NewWitness().AddCheckpointAsync("old 0\n\n" + next.SignedNote, Ct)).Body);
    }

    [Fact]
    public async Task RolledBackLog_GetsNoCosignature()
    {
        await AppendAsync(12);
        var witness = NewWitness();
        Assert.Equal(200, (await witness.AddCheckpointAsync("old 0\n\n" + (await IssueAsync()).SignedNote, Ct)).Status);

        // The insider deletes the 3 newest entries with every node and head that covers them; new reads are logged after them.
        await _log.ExecuteSqlAsync("DELETE FROM AccessLog WHERE \"Index\" >= 9; DELETE FROM AccessLogNodes WHERE (\"Index\" + 1) << Level > 9; DELETE FROM AccessLogTreeHeads WHERE TreeSize > 9");
        await _log.RestartWriterAsync();
        await AppendAsync(5, "after");
        var rewritten = await IssueAsync();
        Assert.Equal(14, rewritten.Head.TreeSize);
        Assert.True((await _log.Verifier.VerifyAsync(cancellationToken: Ct)).Intact, "alone, the rewritten log verifies: that is the attack");

        var answer = await witness.AddCheckpointAsync(await RequestAsync(12, rewritten), Ct);

        Assert.Equal(422, answer.Status);
        Assert.Contains("not a consistent extension", answer.Body, StringComparison.Ordinal);
        // The witness's record still holds size 12, and `audit verify --checkpoint` with it fails.
        var kept = CheckpointNote.TryOpen(witness.Latest(rewritten.Origin)!, "witness", _log.Options.CheckpointOrigin, _log.Signer.PublicKey, out _)!;
        Assert.Equal(12, kept.TreeSize);
        Assert.False((await _log.Verifier.VerifyAsync([kept], cancellationToken: Ct)).Intact);
    }

    [Fact]
    public async Task BadRequests_GetTheSpecsStatusCodes_AndCosignNothing()
    {
        await AppendAsync(4);
        var witness = NewWitness();
        var checkpoint = await IssueAsync();
        var stranger = new TreeHeadSigner(new byte[32]);
        var forged = checkpoint.Body + "\n" + CheckpointNote.SignatureLine(checkpoint.Origin, stranger.PublicKey, stranger.SignNote(checkpoint.Body));
        var otherOrigin = CheckpointNote.Body("other.example/log", 4, checkpoint.Head.RootHash);
        var tampered = checkpoint.SignedNote.Replace("\n4\n", "\n5\n", StringComparison.Ordinal);

        Assert.Equal(400, (await witness.AddCheckpointAsync("nonsense", Ct)).Status);
        Assert.Equal(400, (await witness.AddCheckpointAsync("old 5\n\n" + checkpoint.SignedNote, Ct)).Status);
        Assert.Equal(400, (await witness.AddCheckpointAsync("old 01\n\n" + checkpoint.SignedNote, Ct)).Status);
        Assert.Equal(403, (await witness.AddCheckpointAsync("old 0\n\n" + forged, Ct)).Status);
        Assert.Equal(403, (await witness.AddCheckpointAsync("old 0\n\n" + tampered, Ct)).Status);
        Assert.Equal(404, (await witness.AddCheckpointAsync("old 0\n\n" + otherOrigin + "\n" + CheckpointNote.SignatureLine("other.example/log", stranger.PublicKey, stranger.SignNote(otherOrigin)), Ct)).Status);
        Assert.Equal(422, (await witness.AddCheckpointAsync("old 0\n" + Convert.ToBase64String(new byte[32]) + "\n\n" + checkpoint.SignedNote, Ct)).Status);
        Assert.Null(witness.Latest(checkpoint.Origin));
    }

    [Fact]
    public async Task Vault_SubmitsToAWitnessOverHttp_ServesItsCosignature_AndReportsARollback()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_state)!);
        WitnessHost.Init(_state, WitnessName);
        var witness = WitnessHost.Load(_state, [WitnessHost.ParseLog(CheckpointNote.VerifierKey(Origin(), _log.Signer.PublicKey))], _time);
        await using var server = WitnessHost.Build(witness, "http://127.0.0.1:0");
        await server.StartAsync(Ct);
        var options = new AccessLogOptions { Witnesses = [new WitnessEndpoint { Url = server.Urls.First(), VerifierKey = witness.VerifierKey }] };
        var cosigned = new CosignedCheckpoints();
        var issuer = new CheckpointIssuer(_log.Reader, _log.Signer, Options.Create(options));
        var submitter = new WitnessSubmitter(Options.Create(options), _log.DbFactory, issuer, _log.Reader, cosigned, new PlainHttpClients(), NullLogger<WitnessSubmitter>.Instance);

        await AppendAsync(8);
        var first = Assert.Single(await submitter.SubmitAllAsync(Ct));
        await AppendAsync(3, "more");
        var second = Assert.Single(await submitter.SubmitAllAsync(Ct));
        var served = (await issuer.IssueAsync(LogId, Ct)).Checkpoint!;
        var lines = cosigned.For(LogId, served.Body).ToList();

        Assert.True(first.Cosigned, first.Detail);
        Assert.True(second.Cosigned, second.Detail);
        Assert.True(DocVerifier.CosignatureValid(Assert.Single(lines), WitnessName, witness.VerifierKey, served.Body, _time.GetUtcNow().ToUnixTimeSeconds()));

        await _log.ExecuteSqlAsync("DELETE FROM AccessLog WHERE \"Index\" >= 5; DELETE FROM AccessLogNodes WHERE (\"Index\" + 1) << Level > 5; DELETE FROM AccessLogTreeHeads WHERE TreeSize > 5");
        await _log.RestartWriterAsync();
        await AppendAsync(7, "rewritten");
        var refused = Assert.Single(await submitter.SubmitAllAsync(Ct));
        var newest = (await issuer.IssueAsync(LogId, Ct)).Checkpoint!;

        Assert.False(refused.Cosigned);
        Assert.StartsWith("422", refused.Detail, StringComparison.Ordinal);
        Assert.Empty(cosigned.For(LogId, newest.Body));
        await server.StopAsync(Ct);
    }

    private string Origin() => CheckpointNote.Origin(_log.Options.CheckpointOrigin, LogId);

    private DataVault.Vault.Witness.Witness NewWitness()
    {
        if (!File.Exists(Path.Combine(_state, WitnessHost.KeyFile)))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_state)!);
            WitnessHost.Init(_state, WitnessName);
        }
        return WitnessHost.Load(_state, [new WitnessedLog(Origin(), _log.Signer.PublicKey)], _time);
    }

    private async Task AppendAsync(int count, string prefix = "r")
    {
        for (var i = 0; i < count; i++)
        {
            await _log.Writer.AppendAsync(AccessLogFixture.Entry($"{prefix}{i}"), Ct);
        }
    }

    private async Task<IssuedCheckpoint> IssueAsync() =>
        (await new CheckpointIssuer(_log.Reader, _log.Signer, Options.Create(_log.Options)).IssueAsync(LogId, Ct)).Checkpoint!;

    private async Task<string> RequestAsync(long old, IssuedCheckpoint checkpoint)
    {
        var proof = await _log.Reader.ConsistencyProofAsync(LogId, old, checkpoint.Head.TreeSize, Ct);
        return $"old {old}\n" + string.Concat(proof.Select(h => Convert.ToBase64String(h) + "\n")) + "\n" + checkpoint.SignedNote;
    }

    private sealed class PlainHttpClients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }

    /// <summary>A cosignature check written from docs/access-log.md ("Witnesses") alone.</summary>
    private static class DocVerifier
    {
        public static bool CosignatureValid(string line, string name, string verifierKey, string body, long expectedTime)
        {
            // vkey = name "+" hex(keyhash) "+" base64(0x04 ‖ 32-byte key)
            var parts = verifierKey.Split('+', 3);
            var typed = Convert.FromBase64String(parts[2]);
            if (parts[0] != name || typed.Length != 33 || typed[0] != 0x04)
            {
                return false;
            }
            var key = typed[1..];
            var keyHash = SHA256.HashData([.. Encoding.UTF8.GetBytes(name), (byte)'\n', 0x04, .. key])[..4];
            // line = "— " name " " base64(keyhash ‖ u64 timestamp ‖ signature) "\n"
            var prefix = "— " + name + " ";
            if (!line.StartsWith(prefix, StringComparison.Ordinal) || !line.EndsWith('\n'))
            {
                return false;
            }
            var bytes = Convert.FromBase64String(line[prefix.Length..^1]);
            if (bytes.Length != 4 + 8 + 64 || !bytes.AsSpan(0, 4).SequenceEqual(keyHash))
            {
                return false;
            }
            var time = (long)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(4));
            var message = Encoding.UTF8.GetBytes($"cosignature/v1\ntime {time}\n{body}");
            var verifier = new Ed25519Signer();
            verifier.Init(false, new Ed25519PublicKeyParameters(key));
            verifier.BlockUpdate(message, 0, message.Length);
            return time == expectedTime && verifier.VerifySignature(bytes[12..]);
        }
    }
}
