using System.Runtime.Versioning;
using System.Security.Cryptography;
using DataVault.Vault.Encryption;
using DataVault.Vault.Keys;
using DataVault.Vault.Schema;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DataVault.Tests.Vault.Keys;

// The Unix-mode tests skip on Windows at run time (RequireUnix); this tells the analyzer so.
[UnsupportedOSPlatform("windows")]
public sealed class MasterKeyProviderTests
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static void RequireUnix()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only: on Windows the key file is protected by ACLs, which this provider does not check.");
        }
    }

    private static string TempKeyPath() => Path.Combine(Directory.CreateTempSubdirectory("dv-mk-").FullName, "keys", "master.key");

    [Fact]
    public void GetMasterKey_FirstRun_CreatesAnOwnerOnlyKeyFileAndReturnsTheSameKeyAfterwards()
    {
        RequireUnix();
        var path = TempKeyPath();
        var provider = new FileMasterKeyProvider(path, NullLogger<FileMasterKeyProvider>.Instance);

        var first = provider.GetMasterKey();
        var second = new FileMasterKeyProvider(path, NullLogger<FileMasterKeyProvider>.Instance).GetMasterKey();

        Assert.Equal(32, first.Length);
        Assert.Equal(first, second);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(Path.GetDirectoryName(path)!) & GroupOrOthers);
        Assert.Equal(Convert.ToBase64String(first) + "\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left behind
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "0640")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite, "0602")]
    public void GetMasterKey_FileAccessibleByGroupOrOthers_RefusesWithAClearMessage(UnixFileMode mode, string octal)
    {
        RequireUnix();
        var path = TempKeyPath();
        var key = new FileMasterKeyProvider(path, NullLogger<FileMasterKeyProvider>.Instance).GetMasterKey();
        File.SetUnixFileMode(path, mode);

        var e = Assert.Throws<MasterKeyException>(() => new FileMasterKeyProvider(path, NullLogger<FileMasterKeyProvider>.Instance).GetMasterKey());

        Assert.Equal(
            $"Refusing to start: the master key file {path} is accessible by group or others (mode {octal}). Restrict it to its owner (chmod 600 {path}) and start again.",
            e.Message);
        Assert.DoesNotContain(Convert.ToBase64String(key), e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void GetMasterKey_FileWithoutAKey_SaysWhatIsWrong()
    {
        RequireUnix();
        var path = TempKeyPath();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "not base64 at all\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var e = Assert.Throws<MasterKeyException>(() => new FileMasterKeyProvider(path, NullLogger<FileMasterKeyProvider>.Instance).GetMasterKey());

        Assert.Equal($"The master key file {path} does not hold a base64-encoded 256-bit key.", e.Message);
    }

    [Fact]
    public async Task Host_WithA0644KeyFile_RefusesToStart()
    {
        RequireUnix();
        var dataDir = Directory.CreateTempSubdirectory("dv-host-").FullName;
        var path = Path.Combine(dataDir, "keys", "master.key");
        _ = new FileMasterKeyProvider(path, NullLogger<FileMasterKeyProvider>.Instance).GetMasterKey();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Vault:DataDirectory", dataDir));

        var e = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        var refusal = Assert.IsType<MasterKeyException>(e.GetBaseException());
        Assert.StartsWith($"Refusing to start: the master key file {path} is accessible by group or others (mode 0644).", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_OnAFreshDataDirectory_CreatesTheKeyFileAtStart()
    {
        RequireUnix();
        var dataDir = Directory.CreateTempSubdirectory("dv-host-").FullName;
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Vault:DataDirectory", dataDir));

        using var client = factory.CreateClient();

        var path = Path.Combine(dataDir, "keys", "master.key");
        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Environment_ValidBase64Key_IsReturned()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var provider = new EnvironmentMasterKeyProvider("DATAVAULT_MASTER_KEY", name => name == "DATAVAULT_MASTER_KEY" ? Convert.ToBase64String(key) : null);

        Assert.Equal(key, provider.GetMasterKey());
    }

    [Fact]
    public void Environment_Missing_SaysWhichVariable()
    {
        var provider = new EnvironmentMasterKeyProvider("DATAVAULT_MASTER_KEY", _ => null);

        var e = Assert.Throws<MasterKeyException>(provider.GetMasterKey);

        Assert.Equal("The master key environment variable DATAVAULT_MASTER_KEY is not set (Encryption:MasterKeyProvider is Environment).", e.Message);
    }

    [Theory]
    [InlineData("c2hvcnQ=")]                                            // base64, but 5 bytes
    [InlineData("this is definitely not base64 ###")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIj")]   // 36 bytes
    public void Environment_NotA256BitKey_IsRefusedWithoutEchoingTheValue(string value)
    {
        var provider = new EnvironmentMasterKeyProvider("DATAVAULT_MASTER_KEY", _ => value);

        var e = Assert.Throws<MasterKeyException>(provider.GetMasterKey);

        Assert.Equal("The environment variable DATAVAULT_MASTER_KEY does not hold a base64-encoded 256-bit key.", e.Message);
        Assert.DoesNotContain(value, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_EnvironmentProvider_IsUsedForTheKeyRing()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var variable = "DATAVAULT_TEST_MK_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, Convert.ToBase64String(key));
        try
        {
            await using var vault = await KeyRingHarness.CreateAsync(new Dictionary<string, string?>
            {
                ["Encryption:MasterKeyProvider"] = "Environment",
                ["Encryption:EnvironmentVariable"] = variable,
            });

            Assert.Equal(new MasterKey(key).Id, vault.KeyRing.MasterKeyId);
            Assert.False(File.Exists(Path.Combine(vault.DataDirectory, "keys", "master.key")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("Encryption:RetireAfterEncryptions", "4294967296")]   // 2^32: the NIST limit itself is not allowed
    [InlineData("Encryption:RetireAfterEncryptions", "0")]
    [InlineData("Encryption:ReservationBlock", "0")]
    [InlineData("Encryption:EnvironmentVariable", "not a name")]
    public async Task Options_OutOfRange_FailValidation(string key, string value)
    {
        await using var vault = await KeyRingHarness.CreateAsync(new Dictionary<string, string?> { [key] = value });

        Assert.Throws<OptionsValidationException>(() => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<IOptions<EncryptionOptions>>(vault.Services).Value);
    }

    [Fact]
    public async Task Options_BlockLargerThanTheLimit_FailValidation()
    {
        await using var vault = await KeyRingHarness.CreateAsync(new Dictionary<string, string?>
        {
            ["Encryption:RetireAfterEncryptions"] = "10",
            ["Encryption:ReservationBlock"] = "11",
        });

        var e = Assert.Throws<OptionsValidationException>(() => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<IOptions<EncryptionOptions>>(vault.Services).Value);
        Assert.Contains("Encryption:ReservationBlock must not exceed Encryption:RetireAfterEncryptions.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Defaults_RetireWellBeforeTheNistLimit()
    {
        var options = new EncryptionOptions();

        Assert.Equal(1L << 30, options.RetireAfterEncryptions);
        Assert.True(options.RetireAfterEncryptions < EncryptionOptions.NistInvocationLimit / 2);
        Assert.Equal(MasterKeyProviderKind.File, options.MasterKeyProvider);
        Assert.Equal(SensitivityLevel.L5, Enum.GetValues<SensitivityLevel>().Max());
    }
}
