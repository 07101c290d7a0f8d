using System.Net;
using System.Security.Cryptography;
using System.Text;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Tests.Vault.Me;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>
/// Each district log's head as a C2SP tlog-checkpoint signed note, public like a CT log's. The
/// verifier here is written from docs/access-log.md ("Checkpoints") and the C2SP specs, not from
/// <see cref="CheckpointNote"/>: it splits the text itself and checks the Ed25519 signature with
/// BouncyCastle directly.
/// </summary>
public sealed class CheckpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Checkpoint_WithoutAToken_VerifiesFromTheDocAlone_AndMatchesTheSignedHead()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var resident = (await host.StoredResidentsAsync())[0];
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, resident.CommunityCode);
        await host.OfficerReadAsync(worker, resident.Id);
        await host.OfficerReadAsync(worker, resident.Id);
        await host.Get<AccessLogWriter>().SignPendingTreeHeadsAsync(Ct);
        using var anonymous = host.CreateClient();

        using var response = await anonymous.GetAsync("/api/v1/access-log/510107/checkpoint", Ct);
        var note = await response.Content.ReadAsStringAsync(Ct);
        using var keyResponse = await anonymous.GetAsync("/api/v1/access-log/510107/checkpoint/key", Ct);
        Assert.True(keyResponse.IsSuccessStatusCode, $"checkpoint {(int)response.StatusCode} {note}; key {(int)keyResponse.StatusCode} {await keyResponse.Content.ReadAsStringAsync(Ct)}");
        var verifierKey = (await keyResponse.Content.ReadAsStringAsync(Ct)).TrimEnd('\n');
        using var keys = await anonymous.GetAsync("/api/v1/access-log/keys", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        var (origin, size, root) = VerifyAsTheDocSays(note, verifierKey);
        Assert.Equal("datavault.example/access-log/510107", origin);
        var head = await ResidentSignIn.ReadAsync<TreeHeadView>(await host.GetAsync("/api/v1/access-log/510107/heads/latest", await host.TokenAsync(UnitRoles.Auditor, "510107"), null));
        Assert.Equal(head.TreeSize, size);
        Assert.Equal(head.RootHash, root);
        Assert.True(size >= 2);
    }

    [Fact]
    public async Task Checkpoint_OfAHeadAlteredInTheDatabase_IsRefused_NotReSigned()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var resident = (await host.StoredResidentsAsync())[0];
        await host.OfficerReadAsync(await host.TokenAsync(UnitRoles.CommunityWorker, resident.CommunityCode), resident.Id);
        await host.Get<AccessLogWriter>().SignPendingTreeHeadsAsync(Ct);
        await using (var db = host.Get<VaultDbContextFactory>().CreateDbContext())
        {
            var newest = await db.Set<TreeHeadRow>().Where(h => h.LogId == "510107").OrderByDescending(h => h.TreeSize).FirstAsync(Ct);
            newest.RootHash = SHA256.HashData("forged"u8);
            await db.SaveChangesAsync(Ct);
        }
        using var anonymous = host.CreateClient();

        using var forged = await anonymous.GetAsync("/api/v1/access-log/510107/checkpoint", Ct);
        using var unknown = await anonymous.GetAsync("/api/v1/access-log/510199/checkpoint", Ct);
        using var notALog = await anonymous.GetAsync("/api/v1/access-log/abc/checkpoint", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, forged.StatusCode);
        Assert.Equal("access_log_unavailable", await ApiTestHost.ProblemCodeAsync(forged));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notALog.StatusCode);
    }

    /// <summary>
    /// docs/access-log.md: body = origin, size, base64 root, each ending in a newline; a blank line;
    /// signature lines "— name base64(keyhash[4] ‖ sig[64])". The verifier key is
    /// "name+hex(keyhash)+base64(0x01 ‖ public key[32])", keyhash = SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[0..4].
    /// </summary>
    private static (string Origin, long Size, byte[] Root) VerifyAsTheDocSays(string note, string verifierKey)
    {
        var parts = verifierKey.Split('+', 3); // base64 may itself hold '+'; the name and hash cannot
        Assert.Equal(3, parts.Length);
        var name = parts[0];
        var typedKey = Convert.FromBase64String(parts[2]);
        Assert.Equal(33, typedKey.Length);
        Assert.Equal(0x01, typedKey[0]);
        var keyHash = SHA256.HashData([.. Encoding.UTF8.GetBytes(name), (byte)'\n', .. typedKey])[..4];
        Assert.Equal(parts[1], Convert.ToHexString(keyHash).ToLowerInvariant());

        var blank = note.IndexOf("\n\n", StringComparison.Ordinal);
        var body = note[..(blank + 1)];
        var lines = body.Split('\n');
        Assert.Equal(4, lines.Length); // three lines and the empty string after the last newline
        var signatureLine = Assert.Single(note[(blank + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("\u2014 " + name + " ", signatureLine, StringComparison.Ordinal);
        var signed = Convert.FromBase64String(signatureLine[("\u2014 " + name + " ").Length..]);
        Assert.Equal(keyHash, signed[..4]);

        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(typedKey, 1));
        var text = Encoding.UTF8.GetBytes(body);
        verifier.BlockUpdate(text, 0, text.Length);
        Assert.True(verifier.VerifySignature(signed[4..]), "the checkpoint's Ed25519 signature does not verify");
        Assert.Equal(name, lines[0]);
        return (lines[0], long.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture), Convert.FromBase64String(lines[2]));
    }
}
