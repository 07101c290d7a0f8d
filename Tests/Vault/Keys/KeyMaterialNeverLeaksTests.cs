using System.Security.Cryptography;
using DataVault.Vault.Encryption;
using DataVault.Vault.Keys;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Tests.Vault.Keys;

/// <summary>
/// Drives the whole key life cycle with every log line captured (trace level included) and every
/// exception kept, then looks for the master key and the data keys in any encoding a careless
/// log or message would use.
/// </summary>
public sealed class KeyMaterialNeverLeaksTests
{
    private static readonly FieldSlot IdSlot = new("r-0001", "id_number", "510107001007", SensitivityLevel.L4);
    private const string IdNumber = "51010719800101001X";

    [Fact]
    public async Task FullKeyLifeCycle_LogsAndExceptionTexts_HoldNoKeyMaterialAndNoValues()
    {
        var ct = TestContext.Current.CancellationToken;
        var texts = new List<string>();
        var limits = new Dictionary<string, string?> { ["Encryption:RetireAfterEncryptions"] = "2", ["Encryption:ReservationBlock"] = "1" };
        await using var vault = await KeyRingHarness.CreateAsync(limits);   // File provider: creates keys/master.key

        var first = vault.Cipher.SealString(IdSlot, IdNumber);
        for (var i = 0; i < 3; i++)
        {
            _ = vault.Cipher.SealString(IdSlot, IdNumber);                   // rolls over at the usage limit
        }
        _ = vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, IdNumber);
        await vault.KeyRing.RotateAsync(null, null, ct);
        texts.Add((await vault.KeyRing.RetireAsync("dk-L4-510107-v2", 1, ct)).Detail);
        texts.Add((await vault.KeyRing.RetireAsync("dk-L4-510107-v1", 5, ct)).Detail);
        for (var i = 0; i < first.Length; i++)
        {
            var tampered = (byte[])first.Clone();
            tampered[i] ^= 0x5A;
            texts.Add(Catch(() => vault.Cipher.Open(IdSlot, tampered)));
        }
        texts.Add(Catch(() => vault.Cipher.Open(IdSlot with { RecordId = "r-0002" }, first)));

        var masterPath = Path.Combine(vault.DataDirectory, "keys", "master.key");
        var master = Convert.FromBase64String(File.ReadAllText(masterPath).Trim());
        var dataKeys = await UnwrapAllAsync(vault, master, ct);

        // A vault node with the wrong master key, and a key file others can read.
        await using (var wrong = await vault.StartNodeAsync(masterKeyProvider: new FixedMasterKeyProvider(RandomNumberGenerator.GetBytes(32))))
        {
            texts.Add(Catch(() => wrong.Cipher.Open(IdSlot, first)));
        }
        var newMaster = RandomNumberGenerator.GetBytes(32);
        await vault.KeyRing.RewrapAsync(newMaster, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(masterPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            await using var exposed = await vault.StartNodeAsync();
            texts.Add(Catch(() => exposed.KeyRing.EnsureMasterKey()));
        }

        texts.AddRange(vault.Logs.Lines);
        Assert.Contains(texts, t => t.Contains("Refusing to start", StringComparison.Ordinal) || OperatingSystem.IsWindows());
        Assert.Contains(texts, t => t.Contains("was wrapped by master key", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("reached its usage limit", StringComparison.Ordinal));
        Assert.True(dataKeys.Count >= 4, $"expected at least 4 data and index keys, found {dataKeys.Count}");
        var all = string.Join("\n", texts);
        foreach (var secret in dataKeys.Append(master).Append(newMaster))
        {
            foreach (var form in Encodings(secret))
            {
                Assert.DoesNotContain(form, all, StringComparison.OrdinalIgnoreCase);
            }
        }
        Assert.DoesNotContain(IdNumber, all, StringComparison.OrdinalIgnoreCase);
    }

    private static string Catch(Action action)
    {
        var e = Record.Exception(action);
        Assert.NotNull(e);
        return e.ToString();
    }

    private static IEnumerable<string> Encodings(byte[] secret) =>
    [
        Convert.ToBase64String(secret),
        // Prefixes too (an SM4 key is 16 bytes, an AES key 32).
        Convert.ToBase64String(secret).TrimEnd('=')[..(secret.Length * 5 / 4)],
        Convert.ToHexString(secret),
        Convert.ToHexString(secret)[..secret.Length],
        BitConverter.ToString(secret),
        string.Join(", ", secret),
    ];

    private static async Task<List<byte[]>> UnwrapAllAsync(KeyRingHarness vault, byte[] master, CancellationToken ct)
    {
        var factory = vault.Services.GetRequiredService<IDbContextFactory<VaultDbContext>>();
        await using var db = await factory.CreateDbContextAsync(ct);
        using var unwrapper = new MasterKey(master);
        var rows = await db.Set<StoredKey>().AsNoTracking().ToListAsync(ct);
        return [.. rows.Select(r => unwrapper.TryUnwrap(r.KeyId, r.WrappedKey, r.Suite)).OfType<byte[]>()];
    }
}
