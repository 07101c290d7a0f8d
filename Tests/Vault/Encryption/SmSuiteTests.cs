using System.Text;
using DataVault.Tests.Vault.Keys;
using DataVault.Tests.Vault.Storage;
using DataVault.Vault.Encryption;
using DataVault.Vault.Encryption.Gm;
using DataVault.Vault.Keys;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Seeding;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Tests.Vault.Encryption;

/// <summary>
/// <c>Encryption:Suite = Sm</c> (issue 17, item 1): SM4-GCM envelopes and key wrapping, HMAC-SM3 blind
/// indexes, the suite recorded on every key, and an AES store moved to SM online by <c>keys rotate</c>.
/// The envelope is checked against the primitive itself (GmPrimitives, proven by the GB/T vectors), not
/// against the code that wrote it.
/// </summary>
public sealed class SmSuiteTests
{
    private static readonly Dictionary<string, string?> Sm = new() { ["Encryption:Suite"] = "Sm" };
    // Named, not left to the default: the whole suite may run with Encryption__Suite=Sm.
    private static readonly Dictionary<string, string?> Aes = new() { ["Encryption:Suite"] = "Aes" };
    private static readonly FieldSlot IdSlot = new("r-0001", "id_number", "510107004003", SensitivityLevel.L4);
    private const string IdNumber = "51010719900307451X";

    [Fact]
    public async Task Seal_UnderSm_IsSm4GcmWithTheEnvelopesAssociatedData_UnderAnSm4KeyWrappedBySm4()
    {
        await using var vault = await KeyRingHarness.CreateAsync(Sm);
        var ct = TestContext.Current.CancellationToken;

        var envelope = vault.Cipher.SealString(IdSlot, IdNumber);

        Assert.Equal((byte)EnvelopeAlgorithm.Sm4Gcm, envelope[1]);
        Assert.Equal(IdNumber, vault.Cipher.OpenString(IdSlot, envelope));
        var row = await StoredKeyAsync(vault, FieldCipher.KeyIdOf(envelope), ct);
        Assert.Equal(CryptoSuite.Sm, row.Suite);
        Assert.Equal(12 + 16 + 16, row.WrappedKey.Length);

        // Independently: unwrap the 16-byte key, rebuild the documented associated data, open with SM4-GCM.
        using var master = new MasterKey(Convert.FromBase64String(await File.ReadAllTextAsync(Path.Combine(vault.DataDirectory, "keys", "master.key"), ct)));
        Assert.Null(master.TryUnwrap(row.KeyId, row.WrappedKey, CryptoSuite.Aes));
        var key = master.TryUnwrap(row.KeyId, row.WrappedKey, CryptoSuite.Sm)!;
        Assert.Equal(16, key.Length);
        var headerLength = 3 + envelope[2];
        var aad = new byte[EnvelopeFormat.MaxAssociatedDataSize(IdSlot, headerLength)];
        var aadLength = EnvelopeFormat.WriteAssociatedData(IdSlot, envelope.AsSpan(0, headerLength), aad);
        var opened = GmPrimitives.Sm4GcmOpen(key, envelope.AsSpan(headerLength, 12), aad.AsSpan(0, aadLength), envelope.AsSpan(headerLength + 12));
        Assert.Equal(IdNumber, Encoding.UTF8.GetString(opened));
    }

    [Fact]
    public async Task Open_AlgorithmByteSwapped_IsRefusedAsTampered()
    {
        await using var vault = await KeyRingHarness.CreateAsync(Sm);
        var envelope = vault.Cipher.SealString(IdSlot, IdNumber);
        envelope[1] = (byte)EnvelopeAlgorithm.Aes256Gcm;

        var e = Assert.Throws<EnvelopeException>(() => vault.Cipher.Open(IdSlot, envelope));

        Assert.Equal(EnvelopeFailure.AuthenticationFailed, e.Reason);
        Assert.DoesNotContain(IdNumber, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlindIndex_UnderSm_IsHmacSm3OfTheNormalisedValue()
    {
        await using var vault = await KeyRingHarness.CreateAsync(Sm);
        await using var aes = await KeyRingHarness.CreateAsync(Aes);

        var index = vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, "510107 19900307 451x");

        var key = vault.KeyRing.BlindIndexKey(BlindIndexKind.IdNumber);
        Assert.Equal(CryptoSuite.Sm, key.Suite);
        Assert.Equal(GmPrimitives.HmacSm3(key.Material, Encoding.UTF8.GetBytes(IdNumber)), index);
        var aesKey = aes.KeyRing.BlindIndexKey(BlindIndexKind.IdNumber);
        Assert.Equal(CryptoSuite.Aes, aesKey.Suite);
        Assert.Equal(System.Security.Cryptography.HMACSHA256.HashData(aesKey.Material, Encoding.UTF8.GetBytes(IdNumber)), aes.BlindIndexer.Compute(BlindIndexKind.IdNumber, IdNumber));
    }

    [Fact]
    public async Task SuiteChanged_KeysKeepTheirSuite_UntilRotationMovesTheScope()
    {
        await using var aes = await KeyRingHarness.CreateAsync(Aes);
        var ct = TestContext.Current.CancellationToken;
        var old = aes.Cipher.SealString(IdSlot, IdNumber);

        await using var sm = await aes.StartNodeAsync(Sm);

        Assert.Equal(IdNumber, sm.Cipher.OpenString(IdSlot, old));
        Assert.Equal((byte)EnvelopeAlgorithm.Aes256Gcm, sm.Cipher.SealString(IdSlot, IdNumber)[1]);
        Assert.True(await sm.KeyRing.AnyActiveKeyOutsideSuiteAsync(ct));

        var rotated = Assert.Single(await sm.KeyRing.RotateAsync(SensitivityLevel.L4, null, ct));

        Assert.Equal(CryptoSuite.Sm, rotated.Suite);
        Assert.Equal((byte)EnvelopeAlgorithm.Sm4Gcm, sm.Cipher.SealString(IdSlot, IdNumber)[1]);
        Assert.False(await sm.KeyRing.AnyActiveKeyOutsideSuiteAsync(ct));
        Assert.Equal(IdNumber, sm.Cipher.OpenString(IdSlot, old));
    }

    /// <summary>The whole store, online: the rotation pass re-seals every resident under SM keys, retires the AES ones, and every value and lookup stays.</summary>
    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    public async Task AesStore_RotatedUnderSm_EveryValueSealedBySm4AndStillReadable(StorageLane lane)
    {
        await using var aes = await TestVault.CreateAsync(lane, Aes);
        var ct = TestContext.Current.CancellationToken;
        await aes.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 60, Seed: 11, BatchSize: 25), null, ct);
        var before = await StoreSnapshot.TakeAsync(aes);
        var someone = before.First(r => r.Value.ContainsKey("id_number"));

        await using var vault = await aes.RestartAsync(Sm);
        var report = await vault.Get<ResidentRotation>().RotateAsync(null, null, 20, null, ct);

        Assert.All(report.Retired, r => Assert.Equal(RetireOutcome.Retired, r.Outcome));
        Assert.Equal(60, report.RowsResealed);
        StoreSnapshot.AssertSame(before, await StoreSnapshot.TakeAsync(vault));
        var keys = (await vault.Get<KeyRing>().ListAsync(ct)).ToDictionary(k => k.KeyId);
        var usage = await vault.Get<ResidentRotation>().CountValuesByKeyAsync(ct);
        Assert.Equal(60 * 4, usage.Values.Sum());
        Assert.All(usage.Keys, id => Assert.Equal(CryptoSuite.Sm, keys[id].Suite));
        Assert.False(await vault.Get<KeyRing>().AnyActiveKeyOutsideSuiteAsync(ct));
        // The blind indexes keep their (AES-suite) keys: the lookup still finds the resident.
        Assert.Equal(someone.Key, (await vault.Get<ResidentReader>().FindByIdNumberAsync(someone.Value["id_number"], ct))?.Id);
    }

    private static async Task<StoredKey> StoredKeyAsync(KeyRingHarness vault, string keyId, CancellationToken ct)
    {
        await using var db = await vault.Services.GetRequiredService<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(ct);
        return await db.Set<StoredKey>().AsNoTracking().SingleAsync(k => k.KeyId == keyId, ct);
    }
}
