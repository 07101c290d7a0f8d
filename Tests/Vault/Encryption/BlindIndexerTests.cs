using DataVault.Tests.Vault.Keys;
using DataVault.Vault.Encryption;
using DataVault.Vault.Schema;

namespace DataVault.Tests.Vault.Encryption;

public sealed class BlindIndexerTests : IAsyncLifetime
{
    private KeyRingHarness _vault = null!;

    public async ValueTask InitializeAsync() => _vault = await KeyRingHarness.CreateAsync();

    public async ValueTask DisposeAsync() => await _vault.DisposeAsync();

    [Theory]
    [InlineData("11010519491231002X", "11010519491231002X")]
    [InlineData("11010519491231002x", "11010519491231002X")]                  // trailing lowercase x
    [InlineData("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X")]     // full-width digits and letter
    [InlineData("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X")]     // full-width lowercase x
    [InlineData(" 110105 19491231 002X ", "11010519491231002X")]              // spaces
    [InlineData("110105\u300019491231\u3000002X", "11010519491231002X")]      // ideographic spaces
    [InlineData("110105-19491231-002X", "11010519491231002X")]                // hyphens
    [InlineData("110105－19491231—002x", "11010519491231002X")]               // full-width hyphen, em dash
    [InlineData("\t110105194912310021\r\n", "110105194912310021")]
    public void Normalise_IdNumber_GivesCanonicalForm(string raw, string expected) =>
        Assert.Equal(expected, BlindIndexer.Normalise(BlindIndexKind.IdNumber, raw));

    [Theory]
    [InlineData("13800138000", "13800138000")]
    [InlineData("138 0013 8000", "13800138000")]
    [InlineData("138-0013-8000", "13800138000")]
    [InlineData("１３８００１３８０００", "13800138000")]
    [InlineData("+86 138 0013 8000", "13800138000")]
    [InlineData("+86-13800138000", "13800138000")]
    [InlineData("＋８６　１３８００１３８０００", "13800138000")]                  // full-width plus, digits, space
    [InlineData("0086 13800138000", "13800138000")]
    [InlineData("008613800138000", "13800138000")]
    [InlineData("028-8765 4321", "02887654321")]                              // a landline keeps its area code
    [InlineData("86 13800138000", "8613800138000")]                           // no + or 00: not a country prefix
    public void Normalise_Phone_GivesCanonicalForm(string raw, string expected) =>
        Assert.Equal(expected, BlindIndexer.Normalise(BlindIndexKind.Phone, raw));

    [Fact]
    public void Compute_DifferentSpellingsOfOneIdNumber_GiveOneIndex()
    {
        var plain = _vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, "11010519491231002X");
        var typed = _vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, "１１０１０５ １９４９１２３１ ００２ｘ");

        Assert.Equal(BlindIndexer.Size, plain.Length);
        Assert.Equal(plain, typed);
    }

    [Fact]
    public void Compute_DifferentValues_GiveDifferentIndexes()
    {
        Assert.NotEqual(
            _vault.BlindIndexer.Compute(BlindIndexKind.Phone, "13800138000"),
            _vault.BlindIndexer.Compute(BlindIndexKind.Phone, "13800138001"));
    }

    [Fact]
    public void Compute_SameTextAsIdNumberAndAsPhone_UsesSeparateKeys()
    {
        Assert.NotEqual(
            _vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, "13800138000"),
            _vault.BlindIndexer.Compute(BlindIndexKind.Phone, "13800138000"));
    }

    [Fact]
    public void Compute_IsKeyed_NotAPlainHash()
    {
        var index = _vault.BlindIndexer.Compute(BlindIndexKind.Phone, "13800138000");

        Assert.NotEqual(System.Security.Cryptography.SHA256.HashData("13800138000"u8), index);
    }

    [Fact]
    public async Task Compute_AfterRestart_IsStable_ButAnotherVaultDiffers()
    {
        var before = _vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, "11010519491231002X");
        await using var restarted = await _vault.StartNodeAsync();
        await using var otherVault = await KeyRingHarness.CreateAsync();

        Assert.Equal(before, restarted.BlindIndexer.Compute(BlindIndexKind.IdNumber, "11010519491231002X"));
        Assert.NotEqual(before, otherVault.BlindIndexer.Compute(BlindIndexKind.IdNumber, "11010519491231002X"));
    }

    [Fact]
    public async Task Compute_BlindIndexKeys_AreStoredSeparatelyFromDataKeys()
    {
        _ = _vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, "11010519491231002X");
        _ = _vault.BlindIndexer.Compute(BlindIndexKind.Phone, "13800138000");

        var keys = await _vault.StatusAsync();

        Assert.Equal(["bi-IdNumber-v1", "bi-Phone-v1"], keys.Select(k => k.KeyId).Order(StringComparer.Ordinal));
        Assert.All(keys, k => Assert.Equal(DataVault.Vault.Keys.KeyPurpose.BlindIndex, k.Purpose));
    }

    [Theory]
    [InlineData(SensitivityLevel.L3)]
    [InlineData(SensitivityLevel.L4)]
    public void Compute_ForL3OrL4Field_IsAllowed(SensitivityLevel level) =>
        Assert.Equal(
            _vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, "11010519491231002X"),
            _vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, level, "11010519491231002X"));

    [Fact]
    public void Compute_ForL5Field_IsRefused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => _vault.BlindIndexer.Compute(BlindIndexKind.IdNumber, SensitivityLevel.L5, "11010519491231002X"));

        Assert.Equal("Blind indexes are never kept for L5 fields.", e.Message);
    }
}
