using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Storage;

/// <summary>
/// <c>Storage:PartitionByDistrict</c> on PostgreSQL: every table that holds one district's data is
/// HASH-partitioned by its district column, which forces the rule a sharded deployment (Citus,
/// distributed by district code) forces: every primary and unique key includes the district.
/// docs/sharding.md says why each table is what it is, and how the same layout runs on Citus.
/// </summary>
/// <remarks>
/// The EF migrations keep creating the plain tables; after they have run, each table listed here that
/// is still plain is converted in one transaction: the table is renamed, a partitioned twin is created
/// with <see cref="StorageOptions.DistrictPartitions"/> hash partitions, the rows are copied, the plain
/// table is dropped, and the keys and indexes are made again, the unique ones led by the district.
/// The conversion takes the tables' exclusive locks for its length: on an existing store it is an
/// offline step (a few seconds per 100,000 residents); on a new store it is instant. Several nodes
/// starting at once convert once (an advisory lock). A table already partitioned is left alone, so
/// every later start does nothing.
/// <para>
/// A resident's ID number is then unique per district only, by the keys. One ID number across the
/// whole store (a person moving district is the same person, never a second record) is kept by a
/// small unpartitioned table, <c>resident_id_numbers</c> (blind index as its primary key; on Citus a
/// reference table), that <see cref="Residents.ResidentWriter"/> writes in the same transaction as
/// every resident it creates or whose number it changes: a second resident with a number another
/// district holds fails on that key, exactly as it fails on the unique index of an unpartitioned
/// store, and the writers' duplicate check finds the holder through a plain index on the blind index.
/// </para>
/// </remarks>
internal static partial class DistrictPartitioning
{
    /// <summary>The partitioned tables and the district column each is partitioned by (the log's id is its district code).</summary>
    public static readonly IReadOnlyList<(string Table, string DistrictColumn)> Tables =
    [
        ("residents", "district_code"),
        ("resident_changes", "district_code"),
        ("grants", "district_code"),
        ("break_glass", "district_code"),
        ("access_questions", "district_code"),
        ("correction_requests", "district_code"),
        ("snooping_alerts", "district_code"),
        ("snooping_alert_residents", "district_code"),
        ("access_seals", "district_code"),
        ("department_forms", "district_code"),
        ("form_fills", "district_code"),
        ("form_fill_communities", "district_code"),
        ("AccessLog", "LogId"),
        ("AccessLogNodes", "LogId"),
        ("AccessLogTreeHeads", "LogId"),
    ];

    public const string IdNumberClaims = "resident_id_numbers";

    /// <summary>Converts what is not yet partitioned; returns the tables converted (none on every start after the first).</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(VaultDbContext db, int partitions, CancellationToken ct)
    {
        // partitions: 1..1024, checked with the other storage options at start (StorageSetup).
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Two nodes starting at once: the second waits here, then finds every table partitioned.
        await ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(7261737316)", ct);
        var converted = new List<string>();
        foreach (var (table, column) in Tables)
        {
            if (await ScalarAsync(connection, tx, $"SELECT c.relkind::text FROM pg_class c WHERE c.oid = to_regclass('public.{Quote(table)}')", ct) is "r")
            {
                await ConvertAsync(connection, tx, table, column, partitions, ct);
                converted.Add(table);
            }
        }
        await ClaimIdNumbersAsync(connection, tx, ct);
        await tx.CommitAsync(ct);
        return converted;
    }

    /// <summary>Is this table partitioned (relkind 'p')? For tests and the startup log.</summary>
    public static async Task<bool> IsPartitionedAsync(DbConnection connection, string table, CancellationToken ct) =>
        await ScalarAsync(connection, null, $"SELECT c.relkind::text FROM pg_class c WHERE c.oid = to_regclass('public.{Quote(table)}')", ct) is "p";

    private static async Task ConvertAsync(DbConnection connection, DbTransaction tx, string table, string district, int partitions, CancellationToken ct)
    {
        var plain = table + "_unpartitioned";
        var (pkName, pkColumns) = await PrimaryKeyAsync(connection, tx, table, ct);
        var indexes = await IndexesAsync(connection, tx, table, pkName, ct);

        // Storage parameters (residents: toast_tuple_target, so records stay inline) belong to tables
        // that hold rows: a partitioned parent cannot carry them, so each partition gets the plain table's.
        var options = await ScalarAsync(connection, tx, $"SELECT array_to_string(reloptions, ', ') FROM pg_class WHERE oid = to_regclass('public.{Quote(table)}')", ct);
        var with = string.IsNullOrEmpty(options) ? "" : $" WITH ({options})";

        await ExecuteAsync(connection, tx, $"ALTER TABLE {Quote(table)} RENAME TO {Quote(plain)}", ct);
        await ExecuteAsync(connection, tx, $"CREATE TABLE {Quote(table)} (LIKE {Quote(plain)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY HASH ({Quote(district)})", ct);
        for (var i = 0; i < partitions; i++)
        {
            await ExecuteAsync(connection, tx, $"CREATE TABLE {Quote($"{table}_p{i}")} PARTITION OF {Quote(table)} FOR VALUES WITH (MODULUS {partitions}, REMAINDER {i}){with}", ct);
        }
        await ExecuteAsync(connection, tx, $"INSERT INTO {Quote(table)} SELECT * FROM {Quote(plain)}", ct);
        await ExecuteAsync(connection, tx, $"DROP TABLE {Quote(plain)}", ct);

        // The primary key led by the district; the old key's columns keep a plain index of their own,
        // so a lookup by id alone (which does not know the district) probes one index per partition.
        var keyed = pkColumns.Contains(district) ? pkColumns : [district, .. pkColumns];
        await ExecuteAsync(connection, tx, $"ALTER TABLE {Quote(table)} ADD CONSTRAINT {Quote(pkName)} PRIMARY KEY ({string.Join(", ", keyed.Select(Quote))})", ct);
        if (keyed[0] != pkColumns[0])
        {
            await ExecuteAsync(connection, tx, $"CREATE INDEX {Quote($"IX_{table}_key")} ON {Quote(table)} ({string.Join(", ", pkColumns.Select(Quote))})", ct);
        }
        foreach (var (name, definition, unique) in indexes)
        {
            if (!unique)
            {
                await ExecuteAsync(connection, tx, definition, ct);
                continue;
            }
            // A unique index must contain the partition key: it becomes unique per district, and the
            // old columns keep a plain index for lookups across districts.
            var match = IndexColumns().Match(definition);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Cannot partition {table}: unexpected definition of unique index {name}.");
            }
            var columns = match.Groups["columns"].Value;
            var withDistrict = columns.Split(',').Select(c => c.Trim().Trim('"')).Contains(district) ? columns : $"{Quote(district)}, {columns}";
            await ExecuteAsync(connection, tx, $"CREATE UNIQUE INDEX {Quote(name)} ON {Quote(table)} ({withDistrict})", ct);
            await ExecuteAsync(connection, tx, $"CREATE INDEX {Quote(name + "_lookup")} ON {Quote(table)} ({columns})", ct);
        }
    }

    /// <summary>The store-wide claim on each ID number (see the remarks): created once and filled from the residents already stored.</summary>
    private static async Task ClaimIdNumbersAsync(DbConnection connection, DbTransaction tx, CancellationToken ct)
    {
        if (await ScalarAsync(connection, tx, $"SELECT to_regclass('public.{IdNumberClaims}')::text", ct) is not null)
        {
            return;
        }
        await ExecuteAsync(connection, tx, $"""
            CREATE TABLE {IdNumberClaims} (
                id_number_index bytea NOT NULL CONSTRAINT "PK_{IdNumberClaims}" PRIMARY KEY,
                resident_id varchar(32) NOT NULL)
            """, ct);
        await ExecuteAsync(connection, tx, $"CREATE INDEX \"IX_{IdNumberClaims}_resident_id\" ON {IdNumberClaims} (resident_id)", ct);
        await ExecuteAsync(connection, tx, $"INSERT INTO {IdNumberClaims} SELECT id_number_index, id FROM residents", ct);
    }

    /// <summary>Claims a new resident's ID number, in the transaction that inserts the resident (fails on the claims' key when another resident holds it).</summary>
    public const string ClaimSql = $"INSERT INTO {IdNumberClaims} (id_number_index, resident_id) VALUES (@idIndex, @id)";

    /// <summary>Moves a resident's claim to its new ID number, in the transaction that updates the resident.</summary>
    public const string ReclaimSql = $"UPDATE {IdNumberClaims} SET id_number_index = @idIndex WHERE resident_id = @id";

    private static async Task<(string Name, List<string> Columns)> PrimaryKeyAsync(DbConnection connection, DbTransaction tx, string table, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"""
            SELECT c.conname, a.attname
            FROM pg_constraint c
            CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.conrelid = to_regclass('public.{Quote(table)}') AND c.contype = 'p'
            ORDER BY k.position
            """;
        string? name = null;
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            name = reader.GetString(0);
            columns.Add(reader.GetString(1));
        }
        return name is null ? throw new InvalidOperationException($"Cannot partition {table}: it has no primary key.") : (name, columns);
    }

    private static async Task<List<(string Name, string Definition, bool Unique)>> IndexesAsync(DbConnection connection, DbTransaction tx, string table, string pkName, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"""
            SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indisunique
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = to_regclass('public.{Quote(table)}') AND i.relname <> '{pkName}'
            ORDER BY i.relname
            """;
        var indexes = new List<(string, string, bool)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            indexes.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }
        return indexes;
    }

    [GeneratedRegex(@"USING btree \((?<columns>[^()]+)\)$")]
    private static partial Regex IndexColumns();

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<string?> ScalarAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
