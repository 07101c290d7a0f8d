using System.Data;
using System.Data.Common;
using System.Security.Cryptography;
using DataVault.Vault.Encryption;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace DataVault.Vault.Residents;

/// <summary>What a write did to one input record.</summary>
public enum WriteKind
{
    Created,
    Updated,
    Unchanged,
}

/// <summary>
/// The result of writing one record: the resident it landed on and the field KEYS that changed
/// (never their values).
/// </summary>
public sealed record WriteOutcome(int Row, string ResidentId, WriteKind Kind, IReadOnlyList<string> ChangedKeys);

/// <summary>
/// The one writer of resident records, used by import, seed and (later) the HTTP API. "Collect
/// once" (issue 2, item 8): a record whose ID number blind index is already stored updates that
/// resident (given fields overwrite, absent fields are kept) and reports which keys changed; a
/// second record of the same person is never created. A batch is one transaction: all of it is
/// stored or none. Bulk inserts go through prepared ADO.NET commands on the context's connection,
/// which is several times faster than EF change tracking at a million rows (docs/storage.md).
/// </summary>
internal sealed partial class ResidentWriter(IDbContextFactory<VaultDbContext> contexts, ResidentCodec codec, BlindIndexer indexer, TimeProvider time)
{
    private const string T = ResidentRowConfiguration.Table;
    private const int LookupChunk = 500;

    private sealed class State
    {
        public required string Id { get; init; }
        public required byte[] IdIndex { get; init; }
        public required DateTime CreatedAt { get; init; }
        public int Version { get; init; }
        public bool IsNew { get; init; }
        public bool Dirty { get; set; }
        public required Dictionary<string, string> Values { get; init; }
        public required ValidResident Latest { get; set; }
    }

    public async Task<IReadOnlyList<WriteOutcome>> WriteAsync(IReadOnlyList<ValidResident> batch, CancellationToken cancellationToken)
    {
        // Blind indexes and envelopes are computed BEFORE the write transaction: the key ring may
        // reserve usage counts or create a key version in the database, and on SQLite that write
        // would wait for our own open write transaction. Optimistic concurrency (Version, and the
        // unique IdNumberIndex) catches anyone who wrote the same residents in between.
        var idIndexes = new byte[batch.Count][];
        ParallelWork.For(batch.Count, i => idIndexes[i] = indexer.Compute(BlindIndexKind.IdNumber, batch[i].IdNumber));

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();

        var existing = await LoadExistingAsync(connection, null, idIndexes, cancellationToken);
        var states = new Dictionary<string, State>(StringComparer.Ordinal);
        var outcomes = new List<WriteOutcome>(batch.Count);
        var now = time.GetUtcNow().UtcDateTime;

        for (var i = 0; i < batch.Count; i++)
        {
            var record = batch[i];
            var key = Convert.ToHexString(idIndexes[i]);
            if (!states.TryGetValue(key, out var state))
            {
                if (existing.TryGetValue(key, out var row))
                {
                    state = new State
                    {
                        Id = row.Id, IdIndex = idIndexes[i], CreatedAt = row.CreatedAt, Version = row.Version, IsNew = false,
                        Values = codec.Open(row.Id, row.CommunityCode, row.Data), Latest = record,
                    };
                }
                else
                {
                    state = new State
                    {
                        Id = NewId(), IdIndex = idIndexes[i], CreatedAt = now, IsNew = true, Dirty = true,
                        Values = new Dictionary<string, string>(record.Fields, StringComparer.Ordinal), Latest = record,
                    };
                    states[key] = state;
                    outcomes.Add(new WriteOutcome(record.Row, state.Id, WriteKind.Created, [.. record.Fields.Keys.Order(StringComparer.Ordinal)]));
                    continue;
                }
                states[key] = state;
            }

            var changed = new List<string>();
            foreach (var (field, value) in record.Fields)
            {
                if (!state.Values.TryGetValue(field, out var old) || !string.Equals(old, value, StringComparison.Ordinal))
                {
                    state.Values[field] = value;
                    changed.Add(field);
                }
            }
            changed.Sort(StringComparer.Ordinal);
            state.Latest = record;
            state.Dirty |= changed.Count > 0;
            outcomes.Add(new WriteOutcome(record.Row, state.Id, changed.Count > 0 ? WriteKind.Updated : WriteKind.Unchanged, changed));
        }

        var dirty = states.Values.Where(s => s.Dirty).ToArray();
        var sealedRows = new (byte[] Data, byte[]? Phone)[dirty.Length];
        // Sealing is CPU-bound (AES-GCM per L3+ field): spread it over the cores, write serially.
        ParallelWork.For(dirty.Length, i =>
        {
            var s = dirty[i];
            var phone = s.Values.GetValueOrDefault("phone");
            sealedRows[i] = (codec.Seal(s.Id, s.Latest.CommunityCode, s.Values),
                phone is null ? null : indexer.Compute(BlindIndexKind.Phone, phone));
        });

        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var transaction = tx.GetDbTransaction();
        await using (var insert = CreateInsert(connection, transaction))
        await using (var update = CreateUpdate(connection, transaction))
        {
            for (var i = 0; i < dirty.Length; i++)
            {
                var s = dirty[i];
                var community = s.Latest.Community;
                var command = s.IsNew ? insert : update;
                Set(command, "id", s.Id);
                Set(command, "district", community.DistrictCode);
                Set(command, "street", community.Parent!);
                Set(command, "community", community.Code);
                Set(command, "grid", (object?)s.Values.GetValueOrDefault("grid") ?? DBNull.Value);
                Set(command, "version", s.IsNew ? 1 : s.Version + 1);
                Set(command, "updated", now);
                Set(command, "phone", (object?)sealedRows[i].Phone ?? DBNull.Value);
                Set(command, "data", sealedRows[i].Data);
                if (s.IsNew)
                {
                    Set(command, "created", s.CreatedAt);
                    Set(command, "idIndex", s.IdIndex);
                }
                else
                {
                    Set(command, "oldVersion", s.Version);
                }
                var affected = await command.ExecuteNonQueryAsync(cancellationToken);
                if (affected != 1)
                {
                    throw new DBConcurrencyException($"resident {s.Id} was changed by another writer; retry the batch");
                }
            }
        }

        await tx.CommitAsync(cancellationToken);
        return outcomes;
    }

    private sealed record ExistingRow(string Id, string CommunityCode, int Version, DateTime CreatedAt, byte[] Data);

    private static async Task<Dictionary<string, ExistingRow>> LoadExistingAsync(DbConnection connection, DbTransaction? transaction, byte[][] indexes, CancellationToken ct)
    {
        var found = new Dictionary<string, ExistingRow>(StringComparer.Ordinal);
        var distinct = indexes.DistinctBy(Convert.ToHexString).ToArray();
        foreach (var chunk in distinct.Chunk(LookupChunk))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var names = new string[chunk.Length];
            for (var i = 0; i < chunk.Length; i++)
            {
                names[i] = "@k" + i;
                var p = command.CreateParameter();
                p.ParameterName = names[i];
                p.DbType = DbType.Binary;
                p.Value = chunk[i];
                command.Parameters.Add(p);
            }
            command.CommandText = $"SELECT id, community_code, version, created_at, data, id_number_index FROM {T} WHERE id_number_index IN ({string.Join(',', names)})";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var created = reader.GetDateTime(3);
                found[Convert.ToHexString((byte[])reader.GetValue(5))] = new ExistingRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2),
                    DateTime.SpecifyKind(created, DateTimeKind.Utc), (byte[])reader.GetValue(4));
            }
        }
        return found;
    }

    private static DbCommand CreateInsert(DbConnection connection, DbTransaction transaction) => Prepare(connection, transaction,
        $"INSERT INTO {T} (id, district_code, street_code, community_code, grid_code, version, created_at, updated_at, id_number_index, phone_index, data) " +
        "VALUES (@id, @district, @street, @community, @grid, @version, @created, @updated, @idIndex, @phone, @data)",
        ("id", DbType.String), ("district", DbType.String), ("street", DbType.String), ("community", DbType.String), ("grid", DbType.String),
        ("version", DbType.Int32), ("created", null), ("updated", null), ("idIndex", DbType.Binary), ("phone", DbType.Binary), ("data", DbType.Binary));

    private static DbCommand CreateUpdate(DbConnection connection, DbTransaction transaction) => Prepare(connection, transaction,
        $"UPDATE {T} SET district_code = @district, street_code = @street, community_code = @community, grid_code = @grid, " +
        "version = @version, updated_at = @updated, phone_index = @phone, data = @data WHERE id = @id AND version = @oldVersion",
        ("id", DbType.String), ("district", DbType.String), ("street", DbType.String), ("community", DbType.String), ("grid", DbType.String),
        ("version", DbType.Int32), ("updated", null), ("phone", DbType.Binary), ("data", DbType.Binary), ("oldVersion", DbType.Int32));

    internal static DbCommand Prepare(DbConnection connection, DbTransaction transaction, string sql, params (string Name, DbType? Type)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name;
            // Dates get no DbType: a UTC DateTime then maps to timestamptz on Npgsql and to EF's text
            // format on SQLite, the same as the columns EF creates.
            if (type is { } t)
            {
                p.DbType = t;
            }
            command.Parameters.Add(p);
        }
        return command;
    }

    internal static void Set(DbCommand command, string name, object value) => command.Parameters["@" + name].Value = value;

    /// <summary>128 random bits, base32 (RFC 4648, lower case, no padding): 26 characters, no order.</summary>
    internal static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        Span<char> chars = stackalloc char[26];
        int buffer = 0, bits = 0, n = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        chars[n++] = Alphabet[(buffer << (5 - bits)) & 31];
        return new string(chars[..n]);
    }
}
