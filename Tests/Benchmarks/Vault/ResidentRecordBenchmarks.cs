using BenchmarkDotNet.Attributes;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// One full resident record (every field of policies/fields.csv filled, L3+ sealed) in the
/// store's blob format: decode the blob and open every envelope, as a read does after the
/// primary-key lookup. Target (issue 2): under 50 µs median, in-process, keys warm.
/// <c>dotnet run -c Release --project Tests/Benchmarks -- --filter *ResidentRecordBenchmarks* -j short</c>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ResidentRecordBenchmarks
{
    private BenchVault _vault = null!;
    private ResidentCodec _codec = null!;
    private byte[] _blob = null!;
    private Dictionary<string, string> _values = null!;
    private const string Id = "k7qv2m4xw3bz5n6c8d9f2g3h4j";
    private RecordAddress _address = null!;

    [GlobalSetup]
    public void Setup()
    {
        _vault = BenchVault.CreateAsync().GetAwaiter().GetResult();
        _codec = _vault.Services.GetRequiredService<ResidentCodec>();
        var tree = _vault.Services.GetRequiredService<JurisdictionTree>();
        // The first generated adult, completed so that every schema field has a value.
        var person = new SyntheticResidents(tree, [tree.Find(SeedRequest.DemoCommunity)!], 10, 30, 5).Generate()
            .First(p => p.ContainsKey("employer") && p.ContainsKey("phone"));
        _values = new Dictionary<string, string>(person)
        {
            ["religion"] = "none", ["emergency_contact_phone"] = "13900001111", ["disability_grade"] = "3", ["elderly_living_alone"] = "false",
            ["veteran_status"] = "false", ["volunteer"] = "true", ["health_notes"] = "定期随访", ["community_correction"] = "false",
            ["released_prisoner"] = "false", ["drug_user"] = "false", ["severe_mental_illness"] = "false", ["hiv_status"] = "false",
            ["dv_victim_address"] = "四川省成都市锦江区某庇护点3号",
        };
        var schema = _vault.Services.GetRequiredService<DataVault.Vault.Schema.ResidentSchema>();
        var missing = schema.Fields.Select(f => f.Key).Where(k => !_values.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException("record not full: " + string.Join(",", missing));
        }
        var community = tree.Find(SeedRequest.DemoCommunity)!;
        _address = new RecordAddress(Id, community.DistrictCode, community.Parent!, community.Code, _values.GetValueOrDefault("grid"), 1);
        _blob = _codec.Seal(_address, _values);
    }

    [GlobalCleanup]
    public void Cleanup() => _vault.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "open full record (39 fields)")]
    public int OpenFullRecord() => _codec.Open(_address, _blob).Count;

    [Benchmark(Description = "seal full record (39 fields)")]
    public int SealFullRecord() => _codec.Seal(_address, _values).Length;
}
