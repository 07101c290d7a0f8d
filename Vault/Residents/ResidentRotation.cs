using System.Data;
using DataVault.Vault.Encryption;
using DataVault.Vault.Keys;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace DataVault.Vault.Residents;

/// <summary>Progress of a re-encryption pass, reported after every batch.</summary>
public sealed record RotationProgress(int Batches, long RowsScanned, long ValuesReencrypted);

/// <summary>What <c>keys rotate</c> did.</summary>
public sealed record RotationReport(
    bool Resumed,
    IReadOnlyList<string> NewKeyIds,
    IReadOnlyList<string> OldKeyIds,
    long RowsScanned,
    long ValuesReencrypted,
    IReadOnlyList<RetireResult> Retired);

/// <summary>
/// <c>keys rotate</c> (issue 2, item 9): new key versions through <see cref="KeyRing"/>, then a
/// pass over every resident that re-seals the values still under an old version, a batch per
/// transaction. It is safe to stop at any point: every envelope names its key and old versions
/// stay decrypt-only until no value uses them, so every value stays readable; the next run sees
/// the decrypt-only keys and continues the pass instead of rotating again. Old versions are
/// retired (material erased) only after a final count finds no value left under them.
/// </summary>
internal sealed class ResidentRotation(IDbContextFactory<VaultDbContext> contexts, KeyRing keyRing, ResidentSchema schema, FieldCipher cipher)
{
    private const string T = ResidentRowConfiguration.Table;

    public async Task<RotationReport> RotateAsync(SensitivityLevel? level, string? district, int batchSize, Action<RotationProgress>? progress, CancellationToken ct)
    {
        bool Matches(KeyStatus k) => k.Purpose == KeyPurpose.Data && (level is null || k.Level == level) && (district is null || k.DistrictCode == district);

        var before = await keyRing.ListAsync(ct);
        var pending = before.Where(k => Matches(k) && k.State == KeyState.DecryptOnly).Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
        var resumed = pending.Count > 0;
        IReadOnlyList<string> newKeys = [];
        if (!resumed)
        {
            var created = await keyRing.RotateAsync(level, district, ct);
            newKeys = [.. created.Select(k => k.KeyId)];
            var after = await keyRing.ListAsync(ct);
            pending = after.Where(k => Matches(k) && k.State == KeyState.DecryptOnly).Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
        }

        long scanned = 0, reencrypted = 0;
        var batches = 0;
        string? after2 = null;
        while (pending.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var page = await ReadPageAsync(after2, batchSize, ct);
            if (page.Count == 0)
            {
                break;
            }
            after2 = page[^1].Id;
            scanned += page.Count;

            // Re-seal outside the write transaction (the key ring may reserve counts in the database).
            var updates = new List<(string Id, int Version, byte[] Data)>();
            foreach (var row in page)
            {
                var entries = ResidentBlob.Decode(row.Data);
                var changed = false;
                for (var i = 0; i < entries.Count; i++)
                {
                    var e = entries[i];
                    if (!e.IsEnvelope || !pending.Contains(FieldCipher.KeyIdOf(e.Bytes.Span)))
                    {
                        continue;
                    }
                    var fieldLevel = schema.TryGet(e.Key, out var f) ? f.Level : SensitivityLevel.L5;
                    var slot = new FieldSlot(row.Id, e.Key, row.CommunityCode, fieldLevel);
                    var plain = cipher.Open(slot, e.Bytes.Span);
                    entries[i] = e with { Bytes = cipher.Seal(slot, plain) };
                    System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
                    changed = true;
                    reencrypted++;
                }
                if (changed)
                {
                    updates.Add((row.Id, row.Version, ResidentBlob.Encode(entries)));
                }
            }

            if (updates.Count > 0)
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                await db.Database.OpenConnectionAsync(ct);
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await using var command = ResidentWriter.Prepare(db.Database.GetDbConnection(), tx.GetDbTransaction(),
                    $"UPDATE {T} SET data = @data, version = @version WHERE id = @id AND version = @oldVersion",
                    ("data", DbType.Binary), ("version", DbType.Int32), ("id", DbType.String), ("oldVersion", DbType.Int32));
                foreach (var (id, version, data) in updates)
                {
                    ResidentWriter.Set(command, "data", data);
                    ResidentWriter.Set(command, "version", version + 1);
                    ResidentWriter.Set(command, "id", id);
                    ResidentWriter.Set(command, "oldVersion", version);
                    // 0 rows: another writer rewrote this resident meanwhile, sealing with the active
                    // key; the final count below decides whether anything is left.
                    await command.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(CancellationToken.None);
            }
            batches++;
            progress?.Invoke(new RotationProgress(batches, scanned, reencrypted));
        }

        var retired = new List<RetireResult>();
        if (pending.Count > 0)
        {
            var usage = await CountValuesByKeyAsync(ct);
            foreach (var keyId in pending.Order(StringComparer.Ordinal))
            {
                retired.Add(await keyRing.RetireAsync(keyId, usage.GetValueOrDefault(keyId), ct));
            }
        }
        return new RotationReport(resumed, newKeys, [.. pending.Order(StringComparer.Ordinal)], scanned, reencrypted, retired);
    }

    /// <summary>How many stored values each key id protects (reads key ids from envelope headers; decrypts nothing).</summary>
    public async Task<Dictionary<string, long>> CountValuesByKeyAsync(CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        string? after = null;
        while (true)
        {
            var page = await ReadPageAsync(after, 5000, ct);
            foreach (var row in page)
            {
                foreach (var keyId in ResidentCodec.KeyIdsOf(row.Data))
                {
                    counts[keyId] = counts.GetValueOrDefault(keyId) + 1;
                }
            }
            if (page.Count == 0)
            {
                return counts;
            }
            after = page[^1].Id;
        }
    }

    private sealed record Page(string Id, string CommunityCode, int Version, byte[] Data);

    private async Task<List<Page>> ReadPageAsync(string? after, int size, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.Set<ResidentRow>().AsNoTracking();
        if (after is not null)
        {
            query = query.Where(r => string.Compare(r.Id, after) > 0);
        }
        return await query.OrderBy(r => r.Id).Take(size)
            .Select(r => new Page(r.Id, r.CommunityCode, r.Version, r.Data))
            .ToListAsync(ct);
    }
}
