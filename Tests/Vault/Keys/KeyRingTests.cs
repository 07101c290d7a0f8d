using System.Security.Cryptography;
using DataVault.Vault.Encryption;
using DataVault.Vault.Keys;
using DataVault.Vault.Schema;

namespace DataVault.Tests.Vault.Keys;

public sealed class KeyRingTests
{
    private static readonly FieldSlot Phone = new("r-0001", "phone", "510107001007", SensitivityLevel.L3);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Limits(long retireAfter, int block) => new()
    {
        ["Encryption:RetireAfterEncryptions"] = retireAfter.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Encryption:ReservationBlock"] = block.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Seal_FirstValueOfAScope_CreatesVersionOneLazily()
    {
        await using var vault = await KeyRingHarness.CreateAsync();
        Assert.Empty(await vault.StatusAsync());

        _ = vault.Cipher.SealString(Phone, "13800138000");

        var key = Assert.Single(await vault.StatusAsync());
        Assert.Equal("dk-L3-510107-v1", key.KeyId);
        Assert.Equal((KeyPurpose.Data, SensitivityLevel.L3, "510107", 1, KeyState.Active), (key.Purpose, key.Level, key.DistrictCode, key.Version, key.State));
        Assert.Equal(vault.KeyRing.MasterKeyId, key.MasterKeyId);
    }

    [Fact]
    public async Task Seal_DifferentLevelsAndDistricts_UseDifferentKeys()
    {
        await using var vault = await KeyRingHarness.CreateAsync();

        var ids = new[]
        {
            vault.Cipher.SealString(Phone, "a"),
            vault.Cipher.SealString(Phone with { Level = SensitivityLevel.L4 }, "a"),
            vault.Cipher.SealString(Phone with { JurisdictionCode = "510108002001" }, "a"),
            vault.Cipher.SealString(Phone with { JurisdictionCode = "510107002001" }, "a"),
        }.Select(e => FieldCipher.KeyIdOf(e)).ToArray();

        Assert.Equal(["dk-L3-510107-v1", "dk-L4-510107-v1", "dk-L3-510108-v1", "dk-L3-510107-v1"], ids);
    }

    [Fact]
    public async Task Rotate_ValuesSealedBefore_StillOpen_AndNewSealsUseTheNewKey()
    {
        await using var vault = await KeyRingHarness.CreateAsync();
        var before = vault.Cipher.SealString(Phone, "13800138000");

        var rotated = await vault.KeyRing.RotateAsync(level: null, districtCode: null, Ct);
        var after = vault.Cipher.SealString(Phone, "13900139000");

        Assert.Equal("dk-L3-510107-v2", Assert.Single(rotated).KeyId);
        Assert.Equal("dk-L3-510107-v1", FieldCipher.KeyIdOf(before));
        Assert.Equal("dk-L3-510107-v2", FieldCipher.KeyIdOf(after));
        Assert.Equal("13800138000", vault.Cipher.OpenString(Phone, before));
        Assert.Equal("13900139000", vault.Cipher.OpenString(Phone, after));
        var states = (await vault.StatusAsync()).ToDictionary(k => k.KeyId, k => k.State);
        Assert.Equal(KeyState.DecryptOnly, states["dk-L3-510107-v1"]);
        Assert.Equal(KeyState.Active, states["dk-L3-510107-v2"]);
    }

    [Fact]
    public async Task Rotate_WithLevelAndDistrictFilter_RotatesOnlyMatchingScopes()
    {
        await using var vault = await KeyRingHarness.CreateAsync();
        _ = vault.Cipher.SealString(Phone, "a");
        _ = vault.Cipher.SealString(Phone with { Level = SensitivityLevel.L4 }, "a");
        _ = vault.Cipher.SealString(Phone with { JurisdictionCode = "510108002001" }, "a");

        var rotated = await vault.KeyRing.RotateAsync(SensitivityLevel.L3, "510107", Ct);

        Assert.Equal("dk-L3-510107-v2", Assert.Single(rotated).KeyId);
        var active = (await vault.StatusAsync()).Where(k => k.State == KeyState.Active).Select(k => k.KeyId).Order(StringComparer.Ordinal);
        Assert.Equal(["dk-L3-510107-v2", "dk-L3-510108-v1", "dk-L4-510107-v1"], active);
    }

    [Fact]
    public async Task Rotate_ByAnotherNode_TakesEffectHereAtTheNextReservation()
    {
        await using var nodeA = await KeyRingHarness.CreateAsync(Limits(1000, 2));
        await using var nodeB = await nodeA.StartNodeAsync(Limits(1000, 2));
        var first = nodeA.Cipher.SealString(Phone, "1");          // reserves a block of 2 on v1

        await nodeB.KeyRing.RotateAsync(null, null, Ct);

        var second = nodeA.Cipher.SealString(Phone, "2");         // rest of A's block: still v1
        var third = nodeA.Cipher.SealString(Phone, "3");          // next reservation sees v2
        Assert.Equal(["dk-L3-510107-v1", "dk-L3-510107-v1", "dk-L3-510107-v2"], new[] { first, second, third }.Select(e => FieldCipher.KeyIdOf(e)));
        Assert.Equal("1", nodeB.Cipher.OpenString(Phone, first));
        Assert.Equal("3", nodeB.Cipher.OpenString(Phone, third));
    }

    [Fact]
    public async Task Seal_PastTheUsageLimit_RollsOverToANewVersion()
    {
        await using var vault = await KeyRingHarness.CreateAsync(Limits(retireAfter: 3, block: 1));

        var envelopes = Enumerable.Range(0, 7).Select(i => vault.Cipher.SealString(Phone, $"value {i}")).ToArray();

        Assert.Equal(
            ["v1", "v1", "v1", "v2", "v2", "v2", "v3"],
            envelopes.Select(e => FieldCipher.KeyIdOf(e)[^2..]));
        for (var i = 0; i < envelopes.Length; i++)
        {
            Assert.Equal($"value {i}", vault.Cipher.OpenString(Phone, envelopes[i]));
        }
        var keys = await vault.StatusAsync();
        Assert.Equal([(3L, KeyState.DecryptOnly), (3L, KeyState.DecryptOnly), (1L, KeyState.Active)], keys.Select(k => (k.EncryptionsReserved, k.State)));
        Assert.All(keys, k => Assert.Equal(3, k.EncryptionLimit));
        Assert.Contains(vault.Logs.Lines, l => l.Contains("Key dk-L3-510107-v1 reached its usage limit of 3 encryptions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Seal_BlockDoesNotDivideTheLimit_NeverExceedsIt()
    {
        // Blocks of 2 under a limit of 5: the third block would end at 6, so v1 stops at 4.
        await using var vault = await KeyRingHarness.CreateAsync(Limits(retireAfter: 5, block: 2));

        var ids = Enumerable.Range(0, 6).Select(_ => FieldCipher.KeyIdOf(vault.Cipher.SealString(Phone, "x"))[^2..]).ToArray();

        Assert.Equal(["v1", "v1", "v1", "v1", "v2", "v2"], ids);
        Assert.All(await vault.StatusAsync(), k => Assert.True(k.EncryptionsReserved <= 5));
    }

    [Fact]
    public async Task Seal_TwoNodesSharingTheDatabase_NeverExceedTheLimitTogether()
    {
        await using var nodeA = await KeyRingHarness.CreateAsync(Limits(retireAfter: 10, block: 3));
        await using var nodeB = await nodeA.StartNodeAsync(Limits(retireAfter: 10, block: 3));
        var nodes = new[] { nodeA, nodeB };

        var sealedBy = await Task.WhenAll(nodes.Select(node => Task.Run(() =>
            Enumerable.Range(0, 40).Select(i => node.Cipher.SealString(Phone, $"n{i}")).ToList(), Ct)));

        var all = sealedBy.SelectMany(e => e).ToList();
        var perKey = all.GroupBy(e => FieldCipher.KeyIdOf(e)).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perKey, kv => Assert.True(kv.Value <= 10, $"{kv.Key} sealed {kv.Value} values, over the limit of 10"));
        Assert.All(await nodeA.StatusAsync(), k => Assert.True(k.EncryptionsReserved <= 10, $"{k.KeyId} reserved {k.EncryptionsReserved}"));
        Assert.Single(await nodeA.StatusAsync(), k => k.State == KeyState.Active);
        Assert.All(all, e => Assert.StartsWith("n", nodeB.Cipher.OpenString(Phone, e), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retire_ActiveKey_IsRefused()
    {
        await using var vault = await KeyRingHarness.CreateAsync();
        _ = vault.Cipher.SealString(Phone, "x");

        var result = await vault.KeyRing.RetireAsync("dk-L3-510107-v1", valuesStillUsingIt: 0, Ct);

        Assert.Equal(RetireOutcome.StillActive, result.Outcome);
        Assert.Equal("Key 'dk-L3-510107-v1' still encrypts new values; rotate its scope first.", result.Detail);
    }

    [Fact]
    public async Task Retire_WhileValuesStillUseIt_IsRefusedAndTheValuesStillOpen()
    {
        await using var vault = await KeyRingHarness.CreateAsync();
        var envelope = vault.Cipher.SealString(Phone, "13800138000");
        await vault.KeyRing.RotateAsync(null, null, Ct);

        var result = await vault.KeyRing.RetireAsync("dk-L3-510107-v1", valuesStillUsingIt: 1, Ct);

        Assert.Equal(RetireOutcome.StillInUse, result.Outcome);
        Assert.Equal("Key 'dk-L3-510107-v1' still protects 1 values; re-encrypt them first.", result.Detail);
        Assert.Equal("13800138000", vault.Cipher.OpenString(Phone, envelope));
    }

    [Fact]
    public async Task Retire_UnusedDecryptOnlyKey_ErasesItsMaterial()
    {
        await using var vault = await KeyRingHarness.CreateAsync();
        var old = vault.Cipher.SealString(Phone, "13800138000");
        await vault.KeyRing.RotateAsync(null, null, Ct);
        // The store's re-encryption pass: open with the old key, seal with the new one.
        var moved = vault.Cipher.Seal(Phone, vault.Cipher.Open(Phone, old));

        var result = await vault.KeyRing.RetireAsync("dk-L3-510107-v1", valuesStillUsingIt: 0, Ct);

        Assert.Equal(RetireOutcome.Retired, result.Outcome);
        Assert.Equal("13800138000", vault.Cipher.OpenString(Phone, moved));
        var e = Assert.Throws<EnvelopeException>(() => vault.Cipher.Open(Phone, old));
        Assert.Equal(EnvelopeFailure.RetiredKey, e.Reason);
        Assert.Equal(KeyState.Retired, (await vault.StatusAsync()).Single(k => k.KeyId == "dk-L3-510107-v1").State);
        Assert.Equal(RetireOutcome.AlreadyRetired, (await vault.KeyRing.RetireAsync("dk-L3-510107-v1", 0, Ct)).Outcome);
        await using var restarted = await vault.StartNodeAsync();
        Assert.Equal(EnvelopeFailure.RetiredKey, Assert.Throws<EnvelopeException>(() => restarted.Cipher.Open(Phone, old)).Reason);
    }

    [Fact]
    public async Task Retire_UnknownOrBlindIndexKey_IsRefused()
    {
        await using var vault = await KeyRingHarness.CreateAsync();
        _ = vault.BlindIndexer.Compute(BlindIndexKind.Phone, "13800138000");

        Assert.Equal(RetireOutcome.NotFound, (await vault.KeyRing.RetireAsync("dk-L3-999999-v1", 0, Ct)).Outcome);
        Assert.Equal(RetireOutcome.NotADataKey, (await vault.KeyRing.RetireAsync("bi-Phone-v1", 0, Ct)).Outcome);
    }

    [Fact]
    public async Task Rewrap_UnderANewMasterKey_KeepsEveryValueReadable_AndTheOldMasterNoLongerFits()
    {
        var oldMaster = new FixedMasterKeyProvider(RandomNumberGenerator.GetBytes(32));
        var newMaster = new FixedMasterKeyProvider(RandomNumberGenerator.GetBytes(32));
        await using var vault = await KeyRingHarness.CreateAsync(masterKeyProvider: oldMaster);
        var l3 = vault.Cipher.SealString(Phone, "13800138000");
        var l4 = vault.Cipher.SealString(Phone with { Level = SensitivityLevel.L4 }, "secret");
        var index = vault.BlindIndexer.Compute(BlindIndexKind.Phone, "13800138000");
        var oldId = vault.KeyRing.MasterKeyId;

        var count = await vault.KeyRing.RewrapAsync(newMaster.GetMasterKey(), Ct);

        Assert.Equal(3, count);
        Assert.NotEqual(oldId, vault.KeyRing.MasterKeyId);
        Assert.All(await vault.StatusAsync(), k => Assert.Equal(vault.KeyRing.MasterKeyId, k.MasterKeyId));
        await using var withNew = await vault.StartNodeAsync(masterKeyProvider: newMaster);
        Assert.Equal("13800138000", withNew.Cipher.OpenString(Phone, l3));
        Assert.Equal("secret", withNew.Cipher.OpenString(Phone with { Level = SensitivityLevel.L4 }, l4));
        Assert.Equal(index, withNew.BlindIndexer.Compute(BlindIndexKind.Phone, "+86 138 0013 8000"));

        await using var withOld = await vault.StartNodeAsync(masterKeyProvider: oldMaster);
        var e = Assert.Throws<MasterKeyException>(() => withOld.Cipher.Open(Phone, l3));
        Assert.Equal(
            $"Key 'dk-L3-510107-v1' was wrapped by master key {withNew.KeyRing.MasterKeyId}, but test key gives master key {oldId}. Configure the right master key.",
            e.Message);
    }

    [Fact]
    public async Task StoredKeys_HoldOnlyWrappedMaterial()
    {
        var master = new FixedMasterKeyProvider(RandomNumberGenerator.GetBytes(32));
        await using var vault = await KeyRingHarness.CreateAsync(masterKeyProvider: master);
        _ = vault.Cipher.SealString(Phone, "x");

        // Re-derive the data key by unwrapping the stored row, then look for it in the database file.
        var factory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<DataVault.Vault.Storage.VaultDbContext>>(vault.Services);
        await using var db = await factory.CreateDbContextAsync(Ct);
        var row = db.Set<StoredKey>().Single();
        using var unwrapper = new MasterKey(master.Key);
        var dataKey = unwrapper.TryUnwrap(row.KeyId, row.WrappedKey, row.Suite);
        Assert.NotNull(dataKey);
        // nonce 12 + key (32 AES, 16 SM4) + tag 16
        Assert.Equal(row.Suite == DataVault.Vault.Encryption.CryptoSuite.Sm ? 44 : 60, row.WrappedKey.Length);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var files = Directory.GetFiles(vault.DataDirectory, "*", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(dataKey));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(master.Key));
        }
        Assert.Null(unwrapper.TryUnwrap("dk-L3-510107-v2", row.WrappedKey, row.Suite)); // the key id is bound as associated data
    }
}

public sealed class KeyRingWarmUpTests
{
    [Fact]
    public async Task WarmUp_ForABatch_ReservesItUpFront_SoSealsNeedNoDatabaseWrite()
    {
        await using var vault = await KeyRingHarness.CreateAsync(new Dictionary<string, string?>
        {
            ["Encryption:RetireAfterEncryptions"] = "1000",
            ["Encryption:ReservationBlock"] = "10",
        });
        var slot = new FieldSlot("r-1", "phone", "510107001007", SensitivityLevel.L3);

        vault.KeyRing.WarmUp(SensitivityLevel.L3, "510107", encryptions: 250);
        var reserved = (await vault.StatusAsync()).Single().EncryptionsReserved;
        for (var i = 0; i < 250; i++)
        {
            _ = vault.Cipher.SealString(slot, "x");
        }

        Assert.Equal(250, reserved);
        Assert.Equal(250, (await vault.StatusAsync()).Single().EncryptionsReserved);
        _ = vault.Cipher.SealString(slot, "x");
        Assert.Equal(260, (await vault.StatusAsync()).Single().EncryptionsReserved);
    }

    [Fact]
    public async Task WarmUp_MoreThanTheKeyHasLeft_RollsOverFirst()
    {
        await using var vault = await KeyRingHarness.CreateAsync(new Dictionary<string, string?>
        {
            ["Encryption:RetireAfterEncryptions"] = "100",
            ["Encryption:ReservationBlock"] = "10",
        });
        var slot = new FieldSlot("r-1", "phone", "510107001007", SensitivityLevel.L3);
        vault.KeyRing.WarmUp(SensitivityLevel.L3, "510107", encryptions: 60);

        vault.KeyRing.WarmUp(SensitivityLevel.L3, "510107", encryptions: 70);

        Assert.Equal("dk-L3-510107-v2", FieldCipher.KeyIdOf(vault.Cipher.SealString(slot, "x")));
        Assert.Equal([60L, 70L], (await vault.StatusAsync()).Select(k => k.EncryptionsReserved));
    }
}
