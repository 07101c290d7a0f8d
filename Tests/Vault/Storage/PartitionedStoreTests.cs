using DataVault.Vault.Encryption;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.Storage;

/// <summary>
/// Issue 13, "ready to shard by district": with <c>Storage:PartitionByDistrict</c> every table of
/// district data is partitioned by district and every key leads with it (what Citus forces), an ID
/// number stays unique across the whole store, and an existing store converts with every record kept.
/// The rest of the storage suite runs on this lane too (<see cref="StorageLane.PartitionedPostgres"/>).
/// </summary>
public sealed class PartitionedStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryDistrictTable_IsPartitioned_AndEveryPrimaryAndUniqueKeyHoldsTheDistrict()
    {
        await using var vault = await TestVault.CreateAsync(StorageLane.PartitionedPostgres);
        await using var connection = await OpenAsync(vault);

        foreach (var (table, district) in DistrictPartitioning.Tables)
        {
            Assert.True(await DistrictPartitioning.IsPartitionedAsync(connection, table, Ct), $"{table} should be partitioned");
            Assert.Equal(4L, await ScalarAsync<long>(connection, $"SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass('public.\"{table}\"')"));
            var keys = await KeysAsync(connection, table);
            Assert.Contains(keys, k => k.Primary);
            foreach (var key in keys)
            {
                Assert.True(key.Columns.Contains(district), $"{table}: key {key.Name} ({string.Join(", ", key.Columns)}) must hold {district}");
            }
        }
    }

    [Fact]
    public async Task IdNumber_IsUniquePerDistrictByTheKeys_AndAcrossDistrictsByTheClaims()
    {
        var policies = PoliciesWithSecondDistrict();
        try
        {
            await using var vault = await TestVault.CreateAsync(StorageLane.PartitionedPostgres, new() { ["Schema:PoliciesDirectory"] = policies });
            var writer = vault.Get<ResidentWriter>();
            string first = ResidentWriter.NewId(), second = ResidentWriter.NewId();

            var created = await writer.CreateAsync(first, Valid(vault, 7, null, "510107004003"), Ct);
            // The same person registered in the other district: refused, naming the holder in the first.
            var elsewhere = await writer.CreateAsync(second, Valid(vault, 7, null, OtherCommunity), Ct);
            var someoneElse = await writer.CreateAsync(second, Valid(vault, 8, null, OtherCommunity), Ct);

            Assert.Equal(SingleWriteStatus.Done, created.Status);
            Assert.Equal(SingleWriteStatus.IdNumberTaken, elsewhere.Status);
            Assert.Equal(first, elsewhere.Holder!.Id);
            Assert.Equal(SingleWriteStatus.Done, someoneElse.Status);

            // Below the writer's check, the claims' key decides: a writer in another district that raced
            // past the check (its claim is there, its resident not yet visible) makes this write fail
            // whole, where the per-district unique index alone would have let both in.
            await using var connection = await OpenAsync(vault);
            var racer = Valid(vault, 9, null, OtherCommunity);
            await ExecuteAsync(connection, $"INSERT INTO {DistrictPartitioning.IdNumberClaims} (id_number_index, resident_id) " +
                $"VALUES (decode('{Convert.ToHexString(vault.Get<BlindIndexer>().Compute(BlindIndexKind.IdNumber, racer.IdNumber))}', 'hex'), 'racer0000000000000000000000')");
            var race = await Assert.ThrowsAsync<PostgresException>(() => writer.CreateAsync(ResidentWriter.NewId(), Valid(vault, 9, null, "510107004003"), Ct));
            Assert.Equal(PostgresErrorCodes.UniqueViolation, race.SqlState);
            Assert.Equal(2L, await ScalarAsync<long>(connection, "SELECT count(*) FROM residents"));
            Assert.Equal(3L, await ScalarAsync<long>(connection, $"SELECT count(*) FROM {DistrictPartitioning.IdNumberClaims}"));
        }
        finally
        {
            Directory.Delete(policies, recursive: true);
        }
    }

    [Fact]
    public async Task ExistingPlainStore_ConvertsOnce_EveryRecordStillOpensAndTheLogVerifies()
    {
        await using var vault = await TestVault.CreateAsync(StorageProvider.Postgres);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 300, Seed: 9, BatchSize: 100), null, Ct);
        var before = await StoreSnapshot.TakeAsync(vault);

        await using var db = await vault.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        var converted = await DistrictPartitioning.ApplyAsync(db, 4, Ct);
        var again = await DistrictPartitioning.ApplyAsync(db, 4, Ct);

        Assert.Equal(DistrictPartitioning.Tables.Select(t => t.Table), converted);
        Assert.Empty(again);
        StoreSnapshot.AssertSame(before, await StoreSnapshot.TakeAsync(vault));
        var any = before.Keys.Order(StringComparer.Ordinal).Skip(150).First();
        Assert.Equal(before[any], (await vault.Get<ResidentReader>().FindAsync(any, Ct))!.Values);
        await using var connection = await OpenAsync(vault);
        Assert.Equal(300L, await ScalarAsync<long>(connection, $"SELECT count(*) FROM {DistrictPartitioning.IdNumberClaims}"));
    }

    /// <summary>
    /// A record (2.7 kB) stays in its table's page, partitioned or not: reads by id pay no TOAST lookup
    /// (migration ResidentRecordsInline; the partitions inherit the table's storage parameters).
    /// </summary>
    [Theory]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Records_StayInline_NothingInToast(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        await vault.Get<ResidentSeeder>().SeedAsync(new SeedRequest(Residents: 200, Seed: 5, BatchSize: 100), null, Ct);
        await using var connection = await OpenAsync(vault);

        Assert.Equal(200L, await ScalarAsync<long>(connection, "SELECT count(*) FROM residents"));
        Assert.Equal(0L, await ScalarAsync<long>(connection,
            "SELECT coalesce(sum(pg_relation_size(c.reltoastrelid)), 0)::bigint FROM pg_class c WHERE c.relname LIKE 'residents%' AND c.relkind = 'r' AND c.reltoastrelid <> 0"));
    }

    private const string OtherDistrict = "510104";
    private const string OtherCommunity = "510104001001";

    /// <summary>The shipped policies with a second district (one street, one community) added to the tree.</summary>
    private static string PoliciesWithSecondDistrict()
    {
        var directory = Directory.CreateTempSubdirectory("dv-policies-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(TestVault.RepoRoot, "policies")))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }
        File.AppendAllText(Path.Combine(directory, "jurisdictions.csv"),
            $"{OtherDistrict},,district,锦江区,Jinjiang District\n" +
            $"{OtherDistrict}001,{OtherDistrict},street,督院街街道,Duyuanjie Street\n" +
            $"{OtherCommunity},{OtherDistrict}001,community,督院街社区,Duyuanjie Community\n");
        return directory;
    }

    private sealed record Key(string Name, bool Primary, IReadOnlyList<string> Columns);

    private static async Task<List<Key>> KeysAsync(NpgsqlConnection connection, string table)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT i.relname, x.indisprimary, array_agg(a.attname::text ORDER BY k.position)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
            WHERE x.indrelid = to_regclass('public."{table}"') AND x.indisunique
            GROUP BY i.relname, x.indisprimary
            """, connection);
        var keys = new List<Key>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            keys.Add(new Key(reader.GetString(0), reader.GetBoolean(1), reader.GetFieldValue<string[]>(2)));
        }
        return keys;
    }

    private static async Task<NpgsqlConnection> OpenAsync(TestVault vault)
    {
        var connection = new NpgsqlConnection(vault.PostgresConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }
}
