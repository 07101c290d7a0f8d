using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Tests.Vault.Me;
using DataVault.Vault.AccessLog;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>
/// Issue 14: an outside verifier written from docs/access-log.md ("Byte formats, for an outside
/// verifier") and RFC 9162 alone. It reads the resident's log as raw JSON, recomputes every leaf
/// from the documented entry encoding, walks the audit path, and checks the head's Ed25519 signature
/// over the documented payload with a key from the public key list. It uses no vault code: if the
/// vault's formats drift from the document, this test fails.
/// </summary>
public sealed class DocumentedFormatsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ResidentsLog_VerifiesWithNothingButTheDocument()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700004101");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        for (var i = 0; i < 5; i++)
        {
            await host.OfficerReadAsync(worker, alice.ResidentId);
        }
        await host.Get<AccessLogWriter>().SignPendingTreeHeadsAsync(Ct);

        using var keysResponse = await host.GetAsync("/api/v1/access-log/keys", null, null);
        var keys = (await ApiTestHost.JsonAsync(keysResponse, HttpStatusCode.OK)).EnumerateArray()
            .ToDictionary(k => k.GetProperty("keyId").GetString()!, k => Convert.FromBase64String(k.GetProperty("publicKey").GetString()!));
        using var logResponse = await host.GetAsync("/api/v1/me/access-log?limit=50", alice.Token, null);
        var entries = (await ApiTestHost.JsonAsync(logResponse, HttpStatusCode.OK)).GetProperty("entries").EnumerateArray().ToList();

        Assert.True(entries.Count >= 5);
        foreach (var item in entries)
        {
            var entry = item.GetProperty("entry");
            var proof = item.GetProperty("proof");
            var head = item.GetProperty("treeHead");
            var leaf = Sha256([0x00, .. EntryData(entry)]);
            Assert.Equal(Convert.ToBase64String(leaf), proof.GetProperty("leafHash").GetString());

            var root = RootFromPath(entry.GetProperty("index").GetInt64(), proof.GetProperty("treeSize").GetInt64(), leaf,
                [.. proof.GetProperty("auditPath").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!))]);
            Assert.NotNull(root);
            Assert.Equal(Convert.ToBase64String(root), head.GetProperty("rootHash").GetString());

            var keyId = head.GetProperty("keyId").GetString()!;
            var publicKey = keys[keyId];
            Assert.Equal(keyId, Convert.ToHexString(SHA256.HashData(publicKey), 0, 8).ToLowerInvariant());
            Assert.True(VerifyHead(publicKey, head), $"head of size {head.GetProperty("treeSize").GetInt64()} does not verify");
        }

        // The same verifier refuses an entry with one column changed, and a head with another root.
        var first = entries[0];
        var edited = Sha256([0x00, .. EntryData(first.GetProperty("entry"), purposeOverride: "statistics")]);
        Assert.NotEqual(Convert.ToBase64String(edited), first.GetProperty("proof").GetProperty("leafHash").GetString());
    }

    /// <summary>docs/access-log.md: data = 0x02 ‖ index ‖ recordedAtUnixMs ‖ 14 columns (present ‖ length ‖ UTF-8).</summary>
    private static byte[] EntryData(JsonElement e, string? purposeOverride = null)
    {
        string? Text(string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();
        var fields = string.Join(';', e.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("key").GetString() + "=" + f.GetProperty("fidelity").GetString()));
        var chain = string.Join('>', e.GetProperty("grantChain").EnumerateArray().Select(g => g.GetString()));
        string?[] columns =
        [
            Text("logId"), Text("subject"), e.GetProperty("action").GetProperty("code").GetString(), Text("actorUserId"), Text("unit"),
            e.GetProperty("role").GetProperty("code").GetString(), Text("client"), fields, purposeOverride ?? e.GetProperty("purpose").GetProperty("code").GetString(),
            Text("legalBasis"), chain, Text("policyVersion"), Text("decision"), Text("reason"),
        ];
        using var data = new MemoryStream();
        data.WriteByte(0x02);
        Int64(data, e.GetProperty("index").GetInt64());
        Int64(data, e.GetProperty("recordedAtUnixMs").GetInt64());
        Span<byte> length = stackalloc byte[4];
        foreach (var column in columns)
        {
            var bytes = column is null ? [] : Encoding.UTF8.GetBytes(column);
            data.WriteByte(column is null ? (byte)0 : (byte)1);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            data.Write(length);
            data.Write(bytes);
        }
        return data.ToArray();
    }

    /// <summary>RFC 9162 §2.1.3.2: the root an audit path leads to, or null when the path does not fit the tree.</summary>
    private static byte[]? RootFromPath(long index, long treeSize, byte[] leaf, IReadOnlyList<byte[]> path)
    {
        if (index >= treeSize)
        {
            return null;
        }
        long fn = index, sn = treeSize - 1;
        var r = leaf;
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return null;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = Sha256([0x01, .. p, .. r]);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Sha256([0x01, .. r, .. p]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 ? r : null;
    }

    /// <summary>docs/access-log.md: Ed25519 over "DataVault tree head v1" ‖ len(logId) ‖ logId ‖ size ‖ signedAtUnixMs ‖ root.</summary>
    private static bool VerifyHead(byte[] publicKey, JsonElement head)
    {
        using var payload = new MemoryStream();
        payload.Write(Encoding.ASCII.GetBytes("DataVault tree head v1"));
        var logId = Encoding.UTF8.GetBytes(head.GetProperty("logId").GetString()!);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, logId.Length);
        payload.Write(length);
        payload.Write(logId);
        Int64(payload, head.GetProperty("treeSize").GetInt64());
        Int64(payload, head.GetProperty("signedAtUnixMs").GetInt64());
        payload.Write(Convert.FromBase64String(head.GetProperty("rootHash").GetString()!));
        var message = payload.ToArray();
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey));
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(Convert.FromBase64String(head.GetProperty("signature").GetString()!));
    }

    private static void Int64(Stream stream, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static byte[] Sha256(byte[] data) => SHA256.HashData(data);
}
