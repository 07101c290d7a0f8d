using DataVault.Vault.Keys;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Seeding;

namespace DataVault.Tests.Vault.Storage;

/// <summary><c>keys rotate</c>: every value stays readable, during, after, and after a crash mid-way.</summary>
public sealed class RotatingKeysTests
{
    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Rotate_AllLevels_ReencryptsEverythingAndRetiresOldKeys(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var ct = TestContext.Current.CancellationToken;
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 120, Seed: 7, BatchSize: 50), null, ct);
        var before = await StoreSnapshot.TakeAsync(vault);
        var oldKeys = (await vault.Get<KeyRing>().ListAsync(ct)).Where(k => k.Purpose == KeyPurpose.Data).Select(k => k.KeyId).ToHashSet();

        var report = await vault.Get<ResidentRotation>().RotateAsync(null, null, 25, null, ct);

        Assert.False(report.Resumed);
        Assert.Equal(oldKeys.Order(), report.OldKeyIds.Order());
        Assert.All(report.Retired, r => Assert.Equal(RetireOutcome.Retired, r.Outcome));
        StoreSnapshot.AssertSame(before, await StoreSnapshot.TakeAsync(vault));
        var usage = await vault.Get<ResidentRotation>().CountValuesByKeyAsync(ct);
        Assert.DoesNotContain(usage.Keys, oldKeys.Contains);
        // Every row was under an old key, so every row was sealed again: one envelope per bucket each.
        Assert.Equal(120, report.RowsResealed);
        Assert.Equal(120 * 4, usage.Values.Sum());
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Rotate_CrashAfterTwoBatches_EveryValueReadableAndNextRunContinues(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var ct = TestContext.Current.CancellationToken;
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 100, Seed: 3, BatchSize: 100), null, ct);
        var before = await StoreSnapshot.TakeAsync(vault);
        var rotation = vault.Get<ResidentRotation>();

        // The "crash": the pass is cancelled right after its second batch committed.
        using var crash = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rotation.RotateAsync(SensitivityLevel.L3, null, 10,
            p => { if (p.Batches == 2) { crash.Cancel(); } }, crash.Token));

        // Mid-rotation: old and new L3 versions both hold values, and everything opens.
        var mid = await rotation.CountValuesByKeyAsync(ct);
        Assert.True(mid.GetValueOrDefault("dk-L3-510107-v1") > 0);
        Assert.True(mid.GetValueOrDefault("dk-L3-510107-v2") > 0);
        StoreSnapshot.AssertSame(before, await StoreSnapshot.TakeAsync(vault));

        var resumed = await rotation.RotateAsync(SensitivityLevel.L3, null, 10, null, ct);

        Assert.True(resumed.Resumed);
        Assert.Empty(resumed.NewKeyIds);
        Assert.Equal(["dk-L3-510107-v1"], resumed.OldKeyIds);
        Assert.Equal(RetireOutcome.Retired, Assert.Single(resumed.Retired).Outcome);
        var after = await rotation.CountValuesByKeyAsync(ct);
        Assert.False(after.ContainsKey("dk-L3-510107-v1"));
        Assert.Equal(mid["dk-L3-510107-v1"] + mid["dk-L3-510107-v2"], after["dk-L3-510107-v2"]);
        StoreSnapshot.AssertSame(before, await StoreSnapshot.TakeAsync(vault));
    }
}
