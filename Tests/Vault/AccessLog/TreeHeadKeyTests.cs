using System.Security.Cryptography;
using DataVault.Tests.Vault.Keys;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Keys;

namespace DataVault.Tests.Vault.AccessLog;

/// <summary>The tree-head signing key lives in the key ring: stable across restarts and master-key re-wraps, never stored in the clear.</summary>
public sealed class TreeHeadKeyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LogSigningSeed_AfterRestartAndMasterRewrap_SignsWithTheSameKey()
    {
        var oldMaster = new FixedMasterKeyProvider(RandomNumberGenerator.GetBytes(32));
        var newMaster = new FixedMasterKeyProvider(RandomNumberGenerator.GetBytes(32));
        await using var vault = await KeyRingHarness.CreateAsync(masterKeyProvider: oldMaster);
        var signer = new TreeHeadSigner(vault.KeyRing.LogSigningSeed());
        var root = SHA256.HashData("root"u8);
        var signature = signer.Sign("510107", 42, 1_000, root);

        await vault.KeyRing.RewrapAsync(newMaster.GetMasterKey(), Ct);
        await using var restarted = await vault.StartNodeAsync(masterKeyProvider: newMaster);
        var again = new TreeHeadSigner(restarted.KeyRing.LogSigningSeed());

        Assert.Equal(signer.KeyId, again.KeyId);
        Assert.True(TreeHeadSigner.Verify(again.PublicKey, "510107", 42, 1_000, root, signature));
        Assert.False(TreeHeadSigner.Verify(again.PublicKey, "510107", 43, 1_000, root, signature));
        var stored = Assert.Single(await restarted.StatusAsync(), k => k.Purpose == KeyPurpose.LogSigning);
        Assert.Equal("ls-tree-heads-v1", stored.KeyId);
    }

    [Fact]
    public async Task LogSigningSeed_IsNotInTheDatabaseInTheClear()
    {
        await using var vault = await KeyRingHarness.CreateAsync();
        var seed = vault.KeyRing.LogSigningSeed().ToArray();

        var bytes = await File.ReadAllBytesAsync(Path.Combine(vault.DataDirectory, "vault.db"), Ct);
        var wal = Path.Combine(vault.DataDirectory, "vault.db-wal");
        var walBytes = File.Exists(wal) ? await File.ReadAllBytesAsync(wal, Ct) : [];

        Assert.Equal(-1, bytes.AsSpan().IndexOf(seed));
        Assert.Equal(-1, walBytes.AsSpan().IndexOf(seed));
    }
}
