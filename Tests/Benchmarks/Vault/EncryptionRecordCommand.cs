using System.Diagnostics;
using System.Globalization;
using DataVault.Vault.Encryption;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// Opening one full 30-field resident record, timed one record at a time: median and p90 wall
/// time, and process CPU time per record. The CPU figure is reported because this 2-core machine
/// is shared: when other processes run, wall time measures the neighbours as much as this code.
/// <c>dotnet run -c Release --project Tests/Benchmarks -- encryption-record [records]</c>
/// </summary>
public sealed class EncryptionRecordCommand : IBenchCommand
{
    public string Name => "encryption-record";

    public string Description => "open a full 30-field resident record: median/p90 wall and CPU per record";

    public Task<int> RunAsync(string[] args)
    {
        var samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var (services, dataDirectory) = EncryptionBenchmarks.StartVault();
        try
        {
            var cipher = services.GetRequiredService<FieldCipher>();
            var slots = EncryptionBenchmarks.Resident.Select(f => new FieldSlot("r-000000123", f.Key, "510107001007", f.Level)).ToArray();
            var envelopes = slots.Select((s, i) => cipher.SealString(s, EncryptionBenchmarks.Resident[i].Value)).ToArray();

            // Warm up for a second so that tiered JIT has promoted the hot path.
            var warm = Stopwatch.StartNew();
            while (warm.ElapsedMilliseconds < 1000)
            {
                OpenRecord(cipher, slots, envelopes);
            }

            var times = new double[samples];
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            for (var i = 0; i < samples; i++)
            {
                var start = Stopwatch.GetTimestamp();
                OpenRecord(cipher, slots, envelopes);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
            wall.Stop();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            Array.Sort(times);

            Console.WriteLine($"| records | fields | median wall µs | p90 wall µs | mean wall µs | CPU µs/record | load avg (1 min) |");
            Console.WriteLine($"|--------:|-------:|---------------:|------------:|-------------:|--------------:|-----------------:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {samples} | {slots.Length} | {times[samples / 2]:F1} | {times[samples * 9 / 10]:F1} | {wall.Elapsed.TotalMicroseconds / samples:F1} | {cpu.TotalMicroseconds / samples:F1} | {LoadAverage()} |"));
            return Task.FromResult(0);
        }
        finally
        {
            services.Dispose();
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static int OpenRecord(FieldCipher cipher, FieldSlot[] slots, byte[][] envelopes)
    {
        var total = 0;
        for (var i = 0; i < slots.Length; i++)
        {
            total += cipher.Open(slots[i], envelopes[i]).Length;
        }
        return total;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
