using BenchmarkDotNet.Attributes;
using DataVault.Vault.Encryption;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// Field encryption in-process, keys warm (unwrapped and cached, as in a running node):
/// seal and open of one field, and open/seal of a full 30-field resident record with realistic
/// value sizes. Target (issue 2): a full record opens in under 50 µs median.
/// <c>dotnet run -c Release --project Tests/Benchmarks -- --filter *EncryptionBenchmarks*</c>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class EncryptionBenchmarks
{
    private const string Community = "510107001007";

    // A synthetic resident, shaped like the schema: (field key, level, value).
    internal static readonly (string Key, SensitivityLevel Level, string Value)[] Resident =
    [
        ("name", SensitivityLevel.L3, "欧阳晓明"),
        ("former_name", SensitivityLevel.L3, "欧阳小明"),
        ("gender", SensitivityLevel.L3, "男"),
        ("ethnicity", SensitivityLevel.L3, "汉族"),
        ("date_of_birth", SensitivityLevel.L3, "1985-03-14"),
        ("id_number", SensitivityLevel.L4, "51010719850314203X"),
        ("phone", SensitivityLevel.L3, "13812345678"),
        ("phone_alt", SensitivityLevel.L3, "028-87654321"),
        ("address", SensitivityLevel.L3, "四川省成都市武侯区浆洗街道锦官驿社区锦官新城3栋2单元501室"),
        ("compound", SensitivityLevel.L3, "锦官新城"),
        ("building", SensitivityLevel.L3, "3栋"),
        ("unit", SensitivityLevel.L3, "2单元"),
        ("room", SensitivityLevel.L3, "501"),
        ("household_id", SensitivityLevel.L3, "HH-510107001007-000123"),
        ("household_relation", SensitivityLevel.L3, "户主"),
        ("marital_status", SensitivityLevel.L3, "已婚"),
        ("education", SensitivityLevel.L3, "大学本科"),
        ("occupation", SensitivityLevel.L3, "个体经营"),
        ("employer", SensitivityLevel.L3, "成都市武侯区晓明餐饮店"),
        ("political_status", SensitivityLevel.L3, "群众"),
        ("bank_account", SensitivityLevel.L4, "6222021001123456789"),
        ("minimum_living_allowance", SensitivityLevel.L4, "否"),
        ("disability", SensitivityLevel.L4, "无"),
        ("elderly_living_alone", SensitivityLevel.L4, "否"),
        ("veteran", SensitivityLevel.L4, "否"),
        ("chronic_condition", SensitivityLevel.L4, "高血压"),
        ("religion", SensitivityLevel.L4, "无"),
        ("community_correction", SensitivityLevel.L5, "否"),
        ("drug_user", SensitivityLevel.L5, "否"),
        ("severe_mental_illness", SensitivityLevel.L5, "否"),
    ];

    private ServiceProvider _services = null!;
    private FieldCipher _cipher = null!;
    private string _dataDirectory = null!;
    private FieldSlot[] _slots = null!;
    private byte[][] _values = null!;
    private byte[][] _envelopes = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_services, _dataDirectory) = StartVault();
        _cipher = _services.GetRequiredService<FieldCipher>();
        _slots = [.. Resident.Select(f => new FieldSlot("r-000000123", f.Key, Community, f.Level))];
        _values = [.. Resident.Select(f => System.Text.Encoding.UTF8.GetBytes(f.Value))];
        _envelopes = [.. _slots.Select((s, i) => _cipher.Seal(s, _values[i]))];
    }

    /// <summary>The encryption feature as the host composes it, on SQLite in a temporary data directory.</summary>
    internal static (ServiceProvider Services, string DataDirectory) StartVault()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("dv-bench-enc-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vault:DataDirectory"] = dataDirectory,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddVaultStorage(configuration);
        services.AddFieldEncryption(configuration);
        var provider = services.BuildServiceProvider();
        using (var db = provider.GetRequiredService<IDbContextFactory<VaultDbContext>>().CreateDbContext())
        {
            db.Database.EnsureCreated();
        }
        return (provider, dataDirectory);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Benchmark]
    public byte[] SealOneField() => _cipher.Seal(_slots[6], _values[6]);

    [Benchmark]
    public byte[] OpenOneField() => _cipher.Open(_slots[6], _envelopes[6]);

    [Benchmark]
    public int OpenRecord30Fields()
    {
        var total = 0;
        for (var i = 0; i < _slots.Length; i++)
        {
            total += _cipher.Open(_slots[i], _envelopes[i]).Length;
        }
        return total;
    }

    [Benchmark]
    public int SealRecord30Fields()
    {
        var total = 0;
        for (var i = 0; i < _slots.Length; i++)
        {
            total += _cipher.Seal(_slots[i], _values[i]).Length;
        }
        return total;
    }
}
