using System.Diagnostics;
using System.Globalization;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>seed-phases [--residents N]</c>: CPU time per resident of each seeding phase on one thread
/// (generate, validate, seal), to see where the time of <c>seed</c> goes on a busy machine.
/// </summary>
internal sealed class SeedPhasesBench : IBenchCommand
{
    public string Name => "seed-phases";

    public string Description => "CPU time per resident of each seeding phase (generate, validate, seal).";

    public async Task<int> RunAsync(string[] args)
    {
        var n = args is ["--residents", var v] ? int.Parse(v, CultureInfo.InvariantCulture) : 20_000;
        await using var vault = await BenchVault.CreateAsync();
        var tree = vault.Services.GetRequiredService<JurisdictionTree>();
        var validator = vault.Services.GetRequiredService<ResidentValidator>();
        var codec = vault.Services.GetRequiredService<ResidentCodec>();
        var y = tree.Find(SeedRequest.DemoCommunity)!;

        var cpu = Stopwatch.StartNew();
        var start = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var people = new SyntheticResidents(tree, [y], Math.Max(1, n * 3727 / 10737), n, 1).Generate().ToList();
        var generate = Process.GetCurrentProcess().TotalProcessorTime - start;
        var generateBytes = GC.GetAllocatedBytesForCurrentThread() - allocated;

        start = Process.GetCurrentProcess().TotalProcessorTime;
        allocated = GC.GetAllocatedBytesForCurrentThread();
        var valid = people.Select((p, i) => validator.Validate(i, p.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value))).Resident!).ToList();
        var validate = Process.GetCurrentProcess().TotalProcessorTime - start;
        var validateBytes = GC.GetAllocatedBytesForCurrentThread() - allocated;

        codec.Seal(AddressIn(y, "warmup", valid[0]), valid[0].Fields);
        start = Process.GetCurrentProcess().TotalProcessorTime;
        allocated = GC.GetAllocatedBytesForCurrentThread();
        long bytes = 0;
        foreach (var r in valid)
        {
            bytes += codec.Seal(AddressIn(y, ResidentWriter.NewId(), r), r.Fields).Length;
        }
        var seal = Process.GetCurrentProcess().TotalProcessorTime - start;
        var sealBytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
        var fields = valid.Average(r => r.Fields.Count);

        Console.WriteLine();
        Console.WriteLine($"| phase (one thread, {n:N0} residents, {fields:F1} fields each) | CPU µs per resident | allocated KB per resident |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| generate (Bogus zh_CN) | {generate.TotalMicroseconds / n:F1} | {generateBytes / 1024.0 / n:F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| validate | {validate.TotalMicroseconds / n:F1} | {validateBytes / 1024.0 / n:F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| seal blob ({bytes / n} bytes avg) | {seal.TotalMicroseconds / n:F1} | {sealBytes / 1024.0 / n:F1} |"));
        return 0;
    }

    private static RecordAddress AddressIn(Jurisdiction community, string id, ValidResident resident) =>
        new(id, community.DistrictCode, community.Parent!, community.Code, resident.GridCode, 1);
}
