using System.Security.Cryptography;
using DataVault.Identity.Keys;
using Microsoft.Data.Sqlite;

namespace DataVault.Tests.Identity;

public sealed class SigningKeyProtectionTests
{
    [Fact]
    public void Unprotect_SameKeyId_RoundTrips()
    {
        using var protector = new AesGcmSigningKeyProtector(RandomNumberGenerator.GetBytes(32));
        var secret = RandomNumberGenerator.GetBytes(100);

        var protectedBytes = protector.Protect("k1", secret);

        Assert.Equal(secret, protector.Unprotect("k1", protectedBytes));
        Assert.Equal(1 + 12 + 16 + secret.Length, protectedBytes.Length);
    }

    [Fact]
    public void Unprotect_OtherKeyId_Fails()
    {
        using var protector = new AesGcmSigningKeyProtector(RandomNumberGenerator.GetBytes(32));
        var protectedBytes = protector.Protect("k1", RandomNumberGenerator.GetBytes(32));

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect("k2", protectedBytes));
    }

    [Fact]
    public void Unprotect_TamperedCiphertext_Fails()
    {
        using var protector = new AesGcmSigningKeyProtector(RandomNumberGenerator.GetBytes(32));
        var protectedBytes = protector.Protect("k1", RandomNumberGenerator.GetBytes(32));
        protectedBytes[^1] ^= 0x80;

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect("k1", protectedBytes));
    }

    [Fact]
    public void Unprotect_OtherKek_Fails()
    {
        using var protector = new AesGcmSigningKeyProtector(RandomNumberGenerator.GetBytes(32));
        using var other = new AesGcmSigningKeyProtector(RandomNumberGenerator.GetBytes(32));

        Assert.ThrowsAny<CryptographicException>(() => other.Unprotect("k1", protector.Protect("k1", new byte[32])));
    }

    [Fact]
    public void LoadOrCreateKeyEncryptionKey_SecondCall_SameKeyOwnerOnlyFile()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("dv-kek-").FullName, "keys", "kek");

        var first = AesGcmSigningKeyProtector.LoadOrCreateKeyEncryptionKey(null, path);
        var second = AesGcmSigningKeyProtector.LoadOrCreateKeyEncryptionKey(null, path);

        Assert.Equal(first, second);
        Assert.Equal(32, first.Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task LoadOrCreateKeyEncryptionKey_ManyStartingAtOnce_AllReadOneCompleteKey()
    {
        // Two vault nodes started together on one data directory raced here: one read the file
        // while the other was still writing it and got fewer than 32 bytes.
        for (var round = 0; round < 300; round++)
        {
            var path = Path.Combine(Directory.CreateTempSubdirectory("dv-kek-race-").FullName, "keys", "kek");
            using var start = new Barrier(8);
            var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                return AesGcmSigningKeyProtector.LoadOrCreateKeyEncryptionKey(null, path);
            })));

            Assert.All(keys, key => Assert.Equal(keys[0], key));
            Assert.Equal(32, keys[0].Length);
            Assert.Equal(keys[0], File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
    }

    [Fact]
    public async Task TokenKeys_AcrossRestart_SameKeyAndStoredEncrypted()
    {
        var dataDir = Directory.CreateTempSubdirectory("dv-identity-restart-").FullName;
        string kid1;
        string token;
        await using (var first = new IdentityTestHost(dataDir))
        {
            var secret = await first.AddApiClientAsync("restart-api", "street_officer", "510107001");
            token = await first.ClientTokenAsync("restart-api", secret);
            kid1 = IdentityTestHost.JwtPart(token, 0).GetProperty("kid").GetString()!;
        }

        await using (var second = new IdentityTestHost(dataDir))
        {
            // A token issued before the restart is still accepted: the key persisted.
            using var response = await second.WhoAmIAsync(token);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        // At rest: each stored key is a protector envelope (version 1), not a PKCS#8 or raw key.
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "identity.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id, ProtectedKey FROM TokenKeys";
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = 0;
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows++;
            var blob = (byte[])reader["ProtectedKey"];
            Assert.Equal(1, blob[0]);
            using var rsa = RSA.Create();
            Assert.ThrowsAny<CryptographicException>(() => rsa.ImportPkcs8PrivateKey(blob.AsSpan(29), out _));
        }
        Assert.Equal(2, rows); // one signing key, one encryption key
        Assert.NotNull(kid1);
    }
}
