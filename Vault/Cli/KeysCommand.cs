using System.CommandLine;
using DataVault.Vault.Keys;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Cli;

/// <summary><c>keys status</c> and <c>keys rotate [--level L] [--district D]</c> (docs/verbs.md).</summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var status = new Command("status", "数据密钥状态 / Table of data keys: id, level, district, state, uses.");
        status.SetAction(async (parse, ct) =>
        {
            await using var app = await VaultCommandLine.BuildHostAsync(ct);
            var keys = await app.Services.GetRequiredService<KeyRing>().ListAsync(ct);
            var values = await app.Services.GetRequiredService<ResidentRotation>().CountValuesByKeyAsync(ct);
            Console.WriteLine($"{"key id",-34} {"purpose",-10} {"suite",-5} {"level",-5} {"district",-8} {"ver",3} {"state",-11} {"reserved",12} {"values",10}");
            foreach (var k in keys)
            {
                Console.WriteLine($"{k.KeyId,-34} {k.Purpose,-10} {k.Suite,-5} {k.Level?.ToString() ?? "-",-5} {k.DistrictCode ?? "-",-8} {k.Version,3} {k.State,-11} {k.EncryptionsReserved,12:N0} {(k.Purpose == KeyPurpose.Data ? values.GetValueOrDefault(k.KeyId).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "-"),10}");
            }
            if (await app.Services.GetRequiredService<KeyRing>().AnyActiveKeyOutsideSuiteAsync(ct))
            {
                Console.WriteLine("仍有数据密钥按另一算法套件加密，运行 keys rotate 迁移 / Some data keys still encrypt in another suite than Encryption:Suite; keys rotate moves them.");
            }
            return 0;
        });

        var level = new Option<string?>("--level") { Description = "Only this level (L3, L4, L5)." };
        level.AcceptOnlyFromAmong("L3", "L4", "L5");
        var district = new Option<string?>("--district") { Description = "Only this 6-digit district." };
        var batch = new Option<int>("--batch") { Description = "Residents per re-encryption transaction.", DefaultValueFactory = _ => 1000 };
        var rotate = new Command("rotate", "轮换数据密钥 / New key versions, then re-encrypt stored values (resumable).") { level, district, batch };
        rotate.SetAction(async (parse, ct) =>
        {
            SensitivityLevel? lvl = parse.GetValue(level) is { } l ? Enum.Parse<SensitivityLevel>(l) : null;
            var d = parse.GetValue(district);
            if (d is not null && (d.Length != 6 || !d.All(char.IsAsciiDigit)))
            {
                await Console.Error.WriteLineAsync("--district must be a 6-digit district code");
                return 2;
            }
            await using var app = await VaultCommandLine.BuildHostAsync(ct);
            var rotation = app.Services.GetRequiredService<ResidentRotation>();
            var report = await rotation.RotateAsync(lvl, d, Math.Max(1, parse.GetValue(batch)),
                p => Console.Error.WriteLine($"keys rotate: batch {p.Batches}: {p.RowsScanned:N0} residents scanned, {p.RowsResealed:N0} re-sealed"), ct);
            Console.WriteLine(report.Resumed
                ? $"resumed an unfinished rotation of {report.OldKeyIds.Count} key(s)"
                : $"rotated: {report.NewKeyIds.Count} new key version(s): {string.Join(", ", report.NewKeyIds)}");
            Console.WriteLine($"re-sealed {report.RowsResealed:N0} of {report.RowsScanned:N0} residents");
            foreach (var r in report.Retired)
            {
                Console.WriteLine($"  {r.KeyId}: {r.Outcome}");
            }
            return report.Retired.All(r => r.Outcome is RetireOutcome.Retired or RetireOutcome.AlreadyRetired) ? 0 : 1;
        });

        return new Command("keys", "数据密钥 / Data keys: status and rotation.") { status, rotate };
    }
}
