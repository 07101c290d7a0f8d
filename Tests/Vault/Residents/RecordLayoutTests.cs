using System.Text;
using DataVault.Tests.Vault.Storage;
using DataVault.Vault.Encryption;
using DataVault.Vault.Integrity;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Seeding;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataVault.Tests.Vault.Residents;

/// <summary>
/// Issue 14, "a record layout that reveals nothing but routing": what a thief of the store sees of a
/// resident row, what an insider who edits it gets, and the online migration from layout 1.
/// </summary>
public sealed class RecordLayoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AtRest_NoFieldKey_NoValue_AndEveryRecordTheSameSize()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 400, Seed: 11, BatchSize: 100), null, Ct);
        var rows = await RowsAsync(vault);
        var opened = await StoreSnapshot.TakeAsync(vault);
        var schema = vault.Get<ResidentSchema>();

        // The residents differ in what they hold (some have L5 facts, long names, notes), yet every row's
        // blob has the same length: neither the facts a resident has nor a value's length shows.
        var withL5 = opened.Values.Count(v => schema.Fields.Any(f => f.Level == SensitivityLevel.L5 && v.ContainsKey(f.Key)));
        Assert.InRange(withL5, 1, opened.Count - 1);
        Assert.True(opened.Values.Select(v => v.Count).Distinct().Count() > 3, "the seeded residents should hold different sets of fields");
        Assert.Single(rows.Select(r => r.Data.Length).Distinct());

        foreach (var row in rows)
        {
            Assert.Equal(ResidentBlob.Layout2, row.Data[0]);
            foreach (var field in schema.Fields)
            {
                Assert.False(Contains(row.Data, Encoding.ASCII.GetBytes(field.Key)), $"field key {field.Key} readable in {row.Id}");
            }
            // No value in the clear either, L2 ones included. Only values of 6+ bytes (two Chinese characters) are
            // looked for: a 3-byte one occurs by chance in 400 random 2.7 kB blobs about one run in four.
            foreach (var key in new[] { "name", "address", "compound", "household_id" })
            {
                if (opened[row.Id].TryGetValue(key, out var value) && Encoding.UTF8.GetByteCount(value) >= 6)
                {
                    Assert.False(Contains(row.Data, Encoding.UTF8.GetBytes(value)), $"{key} of {row.Id} readable at rest");
                }
            }
        }
    }

    [Theory]
    [InlineData("district_code", "510108")]
    [InlineData("street_code", "510107002")]
    [InlineData("community_code", "510107001002")]
    [InlineData("grid_code", "510107001002001")]
    [InlineData("version", "7")]
    public async Task EditedRoutingColumnOrVersion_RecordFailsToOpen_NeverServedMoved(string column, string value)
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 20, Seed: 5, BatchSize: 20), null, Ct);
        var victim = (await RowsAsync(vault))[3].Id;
        var sqlValue = column == "version" ? value : $"'{value}'";
        await ExecuteAsync(vault, $"UPDATE residents SET {column} = {sqlValue} WHERE id = '{victim}'");

        var failure = (await Assert.ThrowsAsync<RecordIntegrityException>(() => vault.Get<ResidentReader>().FindAsync(victim, Ct))).Record;
        // Another district selects another key: the precise reason; everything else fails the tag.
        Assert.Equal(column == "district_code" ? EnvelopeFailure.KeyNotForSlot : EnvelopeFailure.AuthenticationFailed, failure.Reason);
        Assert.Equal(victim, failure.Id);
    }

    [Fact]
    public async Task FlippedByte_AnywhereInTheBlob_IsRefused_NeverWrongData()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 5, Seed: 2, BatchSize: 5), null, Ct);
        var row = (await RowsAsync(vault))[0];
        var reader = vault.Get<ResidentReader>();
        // Every 37th byte (the layout header, bucket headers, nonces, ciphertexts and tags of all buckets).
        for (var at = 0; at < row.Data.Length; at += 37)
        {
            var damaged = (byte[])row.Data.Clone();
            damaged[at] ^= 0x01;
            await SetDataAsync(vault, row.Id, damaged);
            await Assert.ThrowsAsync<RecordIntegrityException>(() => reader.FindAsync(row.Id, Ct));
        }
        await SetDataAsync(vault, row.Id, row.Data);
        Assert.NotNull(await reader.FindAsync(row.Id, Ct));
    }

    [Fact]
    public async Task OlderVersionsBlob_PutBackUnderTheCurrentVersion_FailsToOpen()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 5, Seed: 4, BatchSize: 5), null, Ct);
        var before = (await RowsAsync(vault))[1];
        var resident = (await vault.Get<ResidentReader>().FindAsync(before.Id, Ct))!;
        var fields = resident.Values.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        fields["room"] = "1203";
        var valid = vault.Get<ResidentValidator>().Validate(0, fields).Resident!;
        var write = await vault.Get<ResidentWriter>().UpdateAsync(before.Id, before.Version, valid, ["room"], new ResidentPlace(before.CommunityCode, fields.GetValueOrDefault("grid")), Ct);
        Assert.Equal(SingleWriteStatus.Done, write.Status);

        // The insider restores last version's blob (where the room was different) but not the version.
        await SetDataAsync(vault, before.Id, before.Data);

        await Assert.ThrowsAsync<RecordIntegrityException>(() => vault.Get<ResidentReader>().FindAsync(before.Id, Ct));
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Layout1Store_IsReadThenMigratedOnline_EveryValueKept(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 150, Seed: 9, BatchSize: 50), null, Ct);
        var expected = await StoreSnapshot.TakeAsync(vault);
        var rotation = vault.Get<ResidentRotation>();
        Assert.False(await rotation.AnyLayout1Async(Ct));

        // A store as the vault wrote it before issue 14: every row in layout 1.
        foreach (var row in await RowsAsync(vault))
        {
            await SetDataAsync(vault, row.Id, Layout1(vault, row.Id, row.CommunityCode, expected[row.Id]));
        }
        Assert.True(await rotation.AnyLayout1Async(Ct));
        StoreSnapshot.AssertSame(expected, await StoreSnapshot.TakeAsync(vault));

        // The migration as the vault runs it on start, with reads going on between its batches.
        var readsDuring = 0;
        var report = await rotation.MigrateLayoutAsync(40, _ =>
        {
            var some = StoreSnapshot.TakeAsync(vault).GetAwaiter().GetResult();
            StoreSnapshot.AssertSame(expected, some);
            readsDuring++;
        }, Ct);

        Assert.Equal(150, report.RowsResealed);
        Assert.Equal(0, report.RowsUnreadable);
        Assert.True(readsDuring >= 4);
        Assert.False(await rotation.AnyLayout1Async(Ct));
        Assert.All(await RowsAsync(vault), r => Assert.Equal(ResidentBlob.Layout2, r.Data[0]));
        StoreSnapshot.AssertSame(expected, await StoreSnapshot.TakeAsync(vault));
    }

    [Fact]
    public async Task MigratedSqliteStore_KeepsNoLayout1BytesInAnyFile()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 60, Seed: 8, BatchSize: 60), null, Ct);
        var expected = await StoreSnapshot.TakeAsync(vault);
        foreach (var row in await RowsAsync(vault))
        {
            await SetDataAsync(vault, row.Id, Layout1(vault, row.Id, row.CommunityCode, expected[row.Id]));
        }
        // Layout 1's entry header for the name: key length 4, "name", kind 1 (envelope).
        byte[] nameEntry = [4, .. "name"u8, 1];
        Assert.True(StoreFilesContain(vault, nameEntry), "sanity: the layout-1 store shows its field keys");

        await vault.Get<ResidentRotation>().MigrateLayoutAsync(25, null, Ct);

        Assert.False(StoreFilesContain(vault, nameEntry), "a layout-1 field key is still readable in a store file after the migration");
        StoreSnapshot.AssertSame(expected, await StoreSnapshot.TakeAsync(vault));
    }

    private static bool StoreFilesContain(TestVault vault, byte[] needle) =>
        Directory.EnumerateFiles(vault.DataDirectory, "vault.db*").Any(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return Contains(copy.ToArray(), needle);
        });

    [Fact]
    public async Task Migration_LeavesADamagedLayout1Record_AsItIs_AndCountsIt()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Sqlite);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 10, Seed: 6, BatchSize: 10), null, Ct);
        var expected = await StoreSnapshot.TakeAsync(vault);
        var rows = await RowsAsync(vault);
        foreach (var row in rows)
        {
            await SetDataAsync(vault, row.Id, Layout1(vault, row.Id, row.CommunityCode, expected[row.Id]));
        }
        var damaged = (await RowsAsync(vault))[2];
        // One envelope's tag flipped (layout 1's plain values could be changed undetected: that is its flaw).
        var entries = ResidentBlobLayout1.Decode(damaged.Data);
        var first = entries.FindIndex(e => e.IsEnvelope);
        var envelope = entries[first].Bytes.ToArray();
        envelope[^1] ^= 0x40;
        entries[first] = entries[first] with { Bytes = envelope };
        await SetDataAsync(vault, damaged.Id, ResidentBlobLayout1.Encode(entries));

        // Through the hosted service, as `vault serve` starts it.
        var migration = new RecordLayoutMigration(vault.Get<ResidentRotation>(), NullLogger<RecordLayoutMigration>.Instance);
        await migration.StartAsync(Ct);
        await migration.ExecuteTask!;

        var after = await RowsAsync(vault);
        Assert.Equal(ResidentBlob.Layout1, after.Single(r => r.Id == damaged.Id).Data[0]);
        Assert.Equal(9, after.Count(r => r.Data[0] == ResidentBlob.Layout2));
        await Assert.ThrowsAsync<RecordIntegrityException>(() => vault.Get<ResidentReader>().FindAsync(damaged.Id, Ct));
    }

    /// <summary>A layout-1 blob as the vault wrote it before issue 14 (L1/L2 plain, each L3+ value its own envelope).</summary>
    private static byte[] Layout1(TestVault vault, string id, string community, IReadOnlyDictionary<string, string> values)
    {
        var schema = vault.Get<ResidentSchema>();
        var cipher = vault.Get<FieldCipher>();
        var entries = values.Select(kv =>
        {
            var field = schema[kv.Key];
            return field.IsEncrypted
                ? new BlobEntry(kv.Key, true, cipher.SealString(new FieldSlot(id, kv.Key, community, field.Level), kv.Value))
                : new BlobEntry(kv.Key, false, Encoding.UTF8.GetBytes(kv.Value));
        }).ToList();
        return ResidentBlobLayout1.Encode(entries);
    }

    private sealed record Row(string Id, string CommunityCode, int Version, byte[] Data);

    private static async Task<List<Row>> RowsAsync(TestVault vault)
    {
        await using var db = await vault.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        return await db.Set<ResidentRow>().AsNoTracking().OrderBy(r => r.Id)
            .Select(r => new Row(r.Id, r.CommunityCode, r.Version, r.Data)).ToListAsync(Ct);
    }

    private static async Task SetDataAsync(TestVault vault, string id, byte[] data)
    {
        await using var db = await vault.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        var updated = await db.Set<ResidentRow>().Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Data, data), Ct);
        Assert.Equal(1, updated);
    }

    private static async Task ExecuteAsync(TestVault vault, string sql)
    {
        await using var db = await vault.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        Assert.Equal(1, await db.Database.ExecuteSqlRawAsync(sql, Ct));
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
