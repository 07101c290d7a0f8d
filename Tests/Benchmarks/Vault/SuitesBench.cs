using System.Diagnostics;
using System.Globalization;
using DataVault.Vault.Encryption;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Seeding;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>suites [--residents N] [--seconds S] [--warmup S] [--clients C] [--ops N] [--rounds R]</c>: issue 17's "both suites
/// benchmarked in one run". For <c>Encryption:Suite</c> = Aes, then Sm, R times over (so that neither suite
/// always runs first, on a warmer or colder process), a fresh store seeded with N residents
/// of community Y (every key, so every envelope, of that suite): sealing and opening one field value
/// (FieldCipher, in process), a resident record fetched and opened (ResidentReader.FindAsync), and scoped
/// reads over HTTP (<c>GET /api/v1/residents/{id}</c>, C clients, every read logged) as scoped-read-http does.
/// </summary>
internal sealed class SuitesBench : IBenchCommand
{
    public string Name => "suites";

    public string Description => "AES vs 国密 SM suite side by side: field seal/open ns, record open µs, scoped reads/s over HTTP";

    public async Task<int> RunAsync(string[] args)
    {
        var residents = ScopedReadHost.Arg(args, "--residents", 5_000);
        var seconds = ScopedReadHost.Arg(args, "--seconds", 10);
        var warmup = ScopedReadHost.Arg(args, "--warmup", 10);
        var clients = ScopedReadHost.Arg(args, "--clients", 32);
        var ops = ScopedReadHost.Arg(args, "--ops", 200_000);
        var rounds = ScopedReadHost.Arg(args, "--rounds", 2);
        var rows = new List<string>();
        var errors = 0;
        foreach (var suite in Enumerable.Repeat(new[] { CryptoSuite.Aes, CryptoSuite.Sm }, rounds).SelectMany(s => s))
        {
            await using var host = await ScopedReadHost.StartAsync(residents, listen: true, [$"--Encryption:Suite={suite}"], null);
            var cipher = host.Services.GetRequiredService<FieldCipher>();
            var reader = host.Services.GetRequiredService<ResidentReader>();
            var slot = new FieldSlot("bench-record", "phone", SeedRequest.DemoCommunity, SensitivityLevel.L3);
            var value = "13812345678"u8.ToArray();
            var envelope = cipher.Seal(slot, value);
            if (envelope[1] != (byte)suite.Aead())
            {
                throw new InvalidOperationException($"a {suite} store sealed with algorithm {envelope[1]}");
            }

            var sealNs = Time(ops, () => cipher.Seal(slot, value));
            var openNs = Time(ops, () => cipher.Open(slot, envelope));
            var random = new Random(5);
            var recordUs = 0.0;
            for (var round = 0; round < 2; round++)
            {
                // The first round warms the JIT and the page cache; the second is the one reported.
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < 2_000; i++)
                {
                    _ = await reader.FindAsync(host.Ids[random.Next(host.Ids.Count)], CancellationToken.None) ?? throw new InvalidOperationException("a seeded resident is missing");
                }
                recordUs = Stopwatch.GetElapsedTime(start).TotalMicroseconds / 2_000;
            }

            var https = await ScopedReadHttpBench.ClientsAsync(host.Address, clients);
            try
            {
                await ScopedReadHttpBench.RunAsync(https, host.Ids, TimeSpan.FromSeconds(warmup));
                var window = await ScopedReadHttpBench.RunAsync(https, host.Ids, TimeSpan.FromSeconds(seconds));
                var latencies = window.Latencies;
                Array.Sort(latencies);
                errors += window.Errors;
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {suite} | {(suite == CryptoSuite.Sm ? "SM4-GCM" : "AES-256-GCM")} | {sealNs:N0} | {openNs:N0} | {recordUs:F1} | {window.Ok / window.Elapsed.TotalSeconds:N0} | {ScopedReadHost.Percentile(latencies, 0.99):F1} | {window.Errors} |"));
            }
            finally
            {
                foreach (var http in https)
                {
                    http.Dispose();
                }
            }
        }

        Console.WriteLine($"suites on {Environment.ProcessorCount} cores: {residents:N0} residents per store, field ops x {ops:N0}, 2,000 records fetched and opened, scoped reads {clients} clients {seconds} s after {warmup} s warm-up, every read logged");
        Console.WriteLine();
        Console.WriteLine("| suite | envelope | seal one field (ns) | open one field (ns) | fetch + open a record (µs) | scoped reads/s (HTTP) | p99 (ms) | errors |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }
        return errors == 0 ? 0 : 1;
    }

    /// <summary>Mean nanoseconds of <paramref name="operation"/> over <paramref name="count"/> calls, after as many to warm up.</summary>
    private static double Time(int count, Action operation)
    {
        for (var i = 0; i < count; i++)
        {
            operation();
        }
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            operation();
        }
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / count;
    }
}
