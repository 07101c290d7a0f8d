using System.Text;
using DataVault.Vault.Import;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.Data.Sqlite;

namespace DataVault.Tests.Vault.Storage;

/// <summary>
/// DESIGN.md, "Encryption and keys": no plaintext of L3+ anywhere at rest. Canary residents go in
/// through import; then every byte of every file in the data directory is searched for each of
/// their L3+ values, in UTF-8 and in GB18030.
/// </summary>
public sealed class NoPlaintextAtRestTests
{
    [Fact]
    public async Task Import_CanaryResidents_NoL3PlusValueInAnyFileOfTheDataDirectory()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
        var ct = TestContext.Current.CancellationToken;
        var canaries = new[]
        {
            new Dictionary<string, string>
            {
                ["name"] = "金丝雀甲乙丙", ["id_number"] = Canaries.IdNumber("19770419", 357), ["phone"] = "13577710293",
                ["community"] = Canaries.Community, ["birth_date"] = "1977-04-19", ["address"] = "四川省成都市武侯区金丝雀巷七号暗记QX",
                ["employer"] = "金丝雀验证有限公司", ["health_notes"] = "金丝雀健康备注Z9", ["dv_victim_address"] = "金丝雀庇护地址K7号",
                ["emergency_contact_phone"] = "15977710294",
            },
            new Dictionary<string, string>
            {
                ["name"] = "雀鸟丁戊己", ["id_number"] = Canaries.IdNumber("19580923", 998, "511302"), ["phone"] = "18677710295",
                ["community"] = Canaries.Community, ["birth_date"] = "1958-09-23", ["address"] = "四川省成都市武侯区雀鸟街九号暗记WY",
                ["employer"] = "雀鸟试验工作室", ["health_notes"] = "雀鸟健康备注M4", ["dv_victim_address"] = "雀鸟庇护地址P2号",
                ["emergency_contact_phone"] = "13377710296",
            },
        };
        // Our own unpooled connection keeps the WAL file in place while we look (other tests clear
        // the shared SQLite pool, and the last connection to close deletes the WAL).
        var keepOpen = new SqliteConnection($"Data Source={Path.Combine(vault.DataDirectory, "vault.db")};Pooling=False");
        await keepOpen.OpenAsync(ct);
        var keys = canaries[0].Keys.ToArray();
        var csv = new StringBuilder(string.Join(',', keys)).Append('\n');
        foreach (var c in canaries)
        {
            csv.Append(string.Join(',', keys.Select(k => c[k]))).Append('\n');
        }
        var input = Path.Combine(Path.GetTempPath(), $"canaries-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(input, csv.ToString(), ct);
        try
        {
            var report = await vault.Get<ResidentImporter>().ImportAsync(input, new ImportRequest(), ct);
            Assert.True(report.Imported, string.Join("; ", report.Errors));
        }
        finally
        {
            File.Delete(input);
        }
        var schema = vault.Get<ResidentSchema>();
        var secrets = canaries.SelectMany(c => c.Where(kv => schema[kv.Key].Level >= SensitivityLevel.L3).Select(kv => (kv.Key, kv.Value))).ToList();
        Assert.Equal(18, secrets.Count);

        // While open (the WAL and -shm exist), then after closing every connection.
        AssertNoSecrets(vault.DataDirectory, secrets, expectWal: true);
        await keepOpen.DisposeAsync();
        await vault.CloseAsync();
        AssertNoSecrets(vault.DataDirectory, secrets, expectWal: false);
    }

    private static void AssertNoSecrets(string directory, List<(string Key, string Value)> secrets, bool expectWal)
    {
        var files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("vault.db", StringComparison.Ordinal));
        if (expectWal)
        {
            Assert.Contains(files, f => f.EndsWith("vault.db-wal", StringComparison.Ordinal));
        }
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var (key, value) in secrets)
            {
                foreach (var encoding in new[] { Encoding.UTF8, Canaries.Gb18030 })
                {
                    // The message names the file and field, never the value.
                    Assert.True(bytes.AsSpan().IndexOf(encoding.GetBytes(value)) < 0, $"{Path.GetFileName(file)} holds the plaintext of field {key} ({encoding.WebName})");
                }
            }
        }
    }
}
