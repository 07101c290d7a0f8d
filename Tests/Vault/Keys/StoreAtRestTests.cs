using DataVault.Tests.Identity;
using DataVault.Vault.Keys;
using DataVault.Vault.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Tests.Vault.Keys;

/// <summary>
/// Issue 14, item 9: what lies in the data directory is for the vault's account only, and the Data
/// Protection key ring (sign-in cookies, antiforgery) is stored encrypted under the key ring.
/// </summary>
public sealed class StoreAtRestTests
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task FreshDataDirectory_Is0700_AndEveryStoreFileIs0600()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only");
        var parent = Directory.CreateTempSubdirectory("dv-modes-").FullName;
        var data = Path.Combine(parent, "data");

        await using (var host = new IdentityTestHost(data))
        {
            await ServeOnceAsync(host);
        }

        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(data));
        var files = Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("vault.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("identity.db", StringComparison.Ordinal));
        Assert.All(files, f => Assert.True((File.GetUnixFileMode(f) & GroupOrOthers) == 0, $"{Path.GetRelativePath(data, f)} is {File.GetUnixFileMode(f)}"));
        Assert.All(Directory.EnumerateDirectories(data, "*", SearchOption.AllDirectories),
            d => Assert.True((File.GetUnixFileMode(d) & GroupOrOthers) == 0, $"{Path.GetRelativePath(data, d)} is {File.GetUnixFileMode(d)}"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task StoreMadeWorldReadable_IsTightenedOnTheNextStart()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only");
        var data = Directory.CreateTempSubdirectory("dv-modes-").FullName;
        await using (var first = new IdentityTestHost(data))
        {
            await ServeOnceAsync(first);
        }
        const UnixFileMode WorldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(data, OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(Path.Combine(data, "vault.db"), WorldReadable);
        File.SetUnixFileMode(Path.Combine(data, "identity.db"), WorldReadable);

        await using (var second = new IdentityTestHost(data))
        {
            await ServeOnceAsync(second);
        }

        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(data));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "vault.db")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "identity.db")));
    }

    [Fact]
    public async Task DataProtectionKeys_AreStoredEncrypted_AndReadByTheNextStart()
    {
        var data = Directory.CreateTempSubdirectory("dv-dp-").FullName;
        string protectedText;
        await using (var first = new IdentityTestHost(data))
        {
            await ServeOnceAsync(first);
            protectedText = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("a cookie's payload");
            Assert.DoesNotContain(first.Logs.Entries, e => e.Contains("No XML encryptor configured", StringComparison.Ordinal));

            await using var db = first.Services.GetRequiredService<VaultDbContextFactory>().CreateDbContext();
            var rows = await db.Set<DataProtectionKeyRow>().ToListAsync(TestContext.Current.CancellationToken);
            var row = Assert.Single(rows);
            // Data Protection's own element holds the key in <masterKey><value>; encrypted, only ours remains.
            Assert.Contains("<encryptedSecret", row.Xml, StringComparison.Ordinal);
            Assert.Contains(KeyRingXmlEncryptor.ElementName, row.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", row.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", row.Xml, StringComparison.Ordinal);
            Assert.Contains(Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories), f => f.EndsWith("vault.db", StringComparison.Ordinal));
            Assert.DoesNotContain(Directory.EnumerateFiles(data, "*.xml", SearchOption.AllDirectories), _ => true);
        }

        await using var second = new IdentityTestHost(data);
        Assert.Equal("a cookie's payload", second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedText));
    }

    [Fact]
    public async Task DataProtectionKeys_UnderAnotherMasterKey_DoNotDecrypt()
    {
        var data = Directory.CreateTempSubdirectory("dv-dp-").FullName;
        await using (var first = new IdentityTestHost(data))
        {
            await ServeOnceAsync(first);
            _ = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("x");
        }
        await using var firstAgain = new IdentityTestHost(data);
        await using var db = firstAgain.Services.GetRequiredService<VaultDbContextFactory>().CreateDbContext();
        var element = System.Xml.Linq.XElement.Parse((await db.Set<DataProtectionKeyRow>().SingleAsync(TestContext.Current.CancellationToken)).Xml)
            .Descendants(KeyRingXmlEncryptor.ElementName).Single();
        var bytes = Convert.FromBase64String(element.Value);
        bytes[^1] ^= 1;
        element.Value = Convert.ToBase64String(bytes);

        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => new KeyRingXmlDecryptor(firstAgain.Services).Decrypt(element));
    }

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static async Task ServeOnceAsync(IdentityTestHost host)
    {
        using var client = host.CreateApiClient();
        using var response = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
