using DataVault.Vault.Keys;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataVault.Tests.Vault.Keys;

/// <summary>Nodes starting together on an empty data directory agree on one master key.</summary>
public sealed class MasterKeyFileRaceTests
{
    [Fact]
    public async Task GetMasterKey_ManyProvidersAtOnceOnAFreshDirectory_AllGetTheSameKey()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("the race is about Unix rename semantics");
        }
        for (var round = 0; round < 20; round++)
        {
            var path = Path.Combine(Directory.CreateTempSubdirectory("dv-race-").FullName, "keys", "master.key");
            using var start = new Barrier(8);

            var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                return Convert.ToHexString(new FileMasterKeyProvider(path, NullLogger<FileMasterKeyProvider>.Instance).GetMasterKey());
            }, TestContext.Current.CancellationToken)));

            Assert.Single(keys.Distinct());
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
    }
}
