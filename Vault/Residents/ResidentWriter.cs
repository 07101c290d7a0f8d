using System.Buffers.Binary;
using System.Data;
using System.Data.Common;
using DataVault.Vault.Encryption;
using DataVault.Vault.Households;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

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

/// <summary>One resident row, sealed and ready to insert or update.</summary>
internal sealed record SealedRow(
    string Id, bool IsNew, int Version, DateTime CreatedAt, string DistrictCode, string StreetCode, string CommunityCode, string? GridCode,
    byte[] IdIndex, byte[]? PhoneIndex, byte[] HouseholdIndex, byte[] Data)
{
    /// <summary>For the change journal: the field keys written (a new resident: all of them) and, for an update, where the resident lived.</summary>
    public IReadOnlyCollection<string> ChangedKeys { get; init; } = [];
    public ResidentPlace? From { get; init; }
}

/// <summary>A batch after <see cref="ResidentWriter.SealAsync"/>: what each input record did and the rows to write.</summary>
internal sealed record SealedBatch(IReadOnlyList<WriteOutcome> Outcomes, SealedRow[] Rows, DateTime Now);

/// <summary>
/// The one writer of resident records, used by import, seed and (later) the HTTP API. "Collect
/// once" (issue 2, item 8): a record whose ID number blind index is already stored updates that
/// resident (given fields overwrite, absent fields are kept) and reports which keys changed; a
/// second record of the same person is never created. A batch is one transaction: all of it is
/// stored or none. Bulk inserts go through prepared ADO.NET commands on the context's connection,
/// which is several times faster than EF change tracking at a million rows (docs/storage.md).
/// </summary>
internal sealed partial class ResidentWriter(IDbContextFactory<VaultDbContext> contexts, ResidentCodec codec, BlindIndexer indexer, TimeProvider time, IOptions<StorageOptions> storage)
{
    /// <summary>
    /// With <c>Storage:PartitionByDistrict</c> the unique index on the ID number is per district, so the
    /// writer also claims each number in the store-wide <c>resident_id_numbers</c> table, in the
    /// resident's own transaction (DistrictPartitioning.cs).
    /// </summary>
    private bool ClaimsIdNumbers => storage.Value.PartitionByDistrict;

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
        /// <summary>The merged values; null while they are exactly <see cref="Latest"/>'s (a new resident).</summary>
        public required Dictionary<string, string>? Values { get; set; }
        public required ValidResident Latest { get; set; }
        public HashSet<string> Changed { get; } = new(StringComparer.Ordinal);
        public ResidentPlace? From { get; init; }
    }

    /// <summary>Seals and stores one batch in one transaction (all of it or none).</summary>
    public async Task<IReadOnlyList<WriteOutcome>> WriteAsync(IReadOnlyList<ValidResident> batch, CancellationToken cancellationToken)
    {
        var sealedBatch = await SealAsync(batch, cancellationToken);
        await StoreAsync([sealedBatch], cancellationToken);
        return sealedBatch.Outcomes;
    }

    /// <summary>
    /// Everything of a write that is not the write itself: blind indexes, the lookup of residents
    /// already stored, the merge ("collect once") and the envelopes. CPU-bound and parallel; it
    /// holds no transaction, so a bulk load seals the next batch while the store writes the
    /// previous one (docs/storage.md, "Seeding").
    /// </summary>
    public async Task<SealedBatch> SealAsync(IReadOnlyList<ValidResident> batch, CancellationToken cancellationToken)
    {
        // Blind indexes and envelopes are computed BEFORE the write transaction: the key ring may
        // reserve usage counts or create a key version in the database, and on SQLite that write
        // would wait for our own open write transaction. Optimistic concurrency (Version, and the
        // unique IdNumberIndex) catches anyone who wrote the same residents in between.
        var idIndexes = new byte[batch.Count][];
        ParallelWork.For(batch.Count, i => idIndexes[i] = indexer.Compute(BlindIndexKind.IdNumber, batch[i].IdNumber));

        Dictionary<byte[], ExistingRow> existing;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            existing = await LoadExistingAsync(db.Database.GetDbConnection(), null, idIndexes, cancellationToken);
        }
        var states = new Dictionary<byte[], State>(batch.Count, ByteKeyComparer.Instance);
        var dirty = new List<State>(batch.Count);
        var outcomes = new List<WriteOutcome>(batch.Count);
        var now = time.GetUtcNow().UtcDateTime;

        for (var i = 0; i < batch.Count; i++)
        {
            var record = batch[i];
            var key = idIndexes[i];
            if (!states.TryGetValue(key, out var state))
            {
                if (existing.TryGetValue(key, out var row))
                {
                    state = new State
                    {
                        Id = row.Id, IdIndex = idIndexes[i], CreatedAt = row.CreatedAt, Version = row.Version, IsNew = false,
                        Values = codec.OpenChecked(row.Address, row.Data), Latest = record, From = new ResidentPlace(row.Address.CommunityCode, row.Address.GridCode),
                    };
                }
                else
                {
                    // A validated record's values are never changed after validation, so a new
                    // resident seals them as they are; a copy is made only if a later record of
                    // the same person in this batch merges into it.
                    state = new State
                    {
                        Id = NewId(), IdIndex = idIndexes[i], CreatedAt = now, IsNew = true, Dirty = true,
                        Values = null, Latest = record,
                    };
                    states[key] = state;
                    dirty.Add(state);
                    outcomes.Add(new WriteOutcome(record.Row, state.Id, WriteKind.Created, SortedKeys(record.Fields)));
                    continue;
                }
                states[key] = state;
            }

            state.Values ??= new Dictionary<string, string>(state.Latest.Fields, StringComparer.Ordinal);
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
            state.Changed.UnionWith(changed);
            state.Latest = record;
            if (changed.Count > 0 && !state.Dirty)
            {
                state.Dirty = true;
                dirty.Add(state);
            }
            outcomes.Add(new WriteOutcome(record.Row, state.Id, changed.Count > 0 ? WriteKind.Updated : WriteKind.Unchanged, changed));
        }

        // Usage counts for every envelope of the batch are reserved now, in as few database
        // round trips as possible, so that no seal below has to wait for a write lock.
        codec.ReserveSeals(dirty.Select(s => s.Latest.CommunityCode));
        var rows = new SealedRow[dirty.Count];
        // Sealing is CPU-bound (AES-GCM per L3+ field): spread it over the cores, write serially.
        ParallelWork.For(dirty.Count, i =>
        {
            var s = dirty[i];
            var values = s.Values ?? s.Latest.Fields;
            var community = s.Latest.Community;
            var phone = values.GetValueOrDefault("phone");
            rows[i] = new SealedRow(
                s.Id, s.IsNew, s.Version, s.CreatedAt, community.DistrictCode, community.Parent!, community.Code, values.GetValueOrDefault("grid"),
                s.IdIndex, phone is null ? null : indexer.Compute(BlindIndexKind.Phone, phone), HouseholdIndex.Of(indexer, values),
                codec.Seal(new RecordAddress(s.Id, community.DistrictCode, community.Parent!, community.Code, values.GetValueOrDefault("grid"), s.IsNew ? 1 : s.Version + 1), values))
            {
                ChangedKeys = s.IsNew ? [.. values.Keys] : s.Changed,
                From = s.From,
            };
        });
        return new SealedBatch(outcomes, rows, now);
    }

    /// <summary>Writes sealed batches in ONE transaction: all of them are stored or none.</summary>
    public async Task StoreAsync(IReadOnlyList<SealedBatch> batches, CancellationToken cancellationToken)
    {
        if (batches.All(b => b.Rows.Length == 0))
        {
            return;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        await StoreAsync(db, batches, ClaimsIdNumbers, journal: true, cancellationToken);
    }

    /// <summary>
    /// <paramref name="journal"/>: each row also goes to the change journal (the feed). Import and
    /// single writes journal; seeding a synthetic population does not (a department system starts from
    /// an export of what is there, then follows the feed: docs/feed.md).
    /// </summary>
    internal static async Task StoreAsync(VaultDbContext db, IReadOnlyList<SealedBatch> batches, bool claimIdNumbers, bool journal, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var transaction = tx.GetDbTransaction();
        await using (var insert = CreateInsert(connection, transaction))
        await using (var update = CreateUpdate(connection, transaction))
        await using (var claim = claimIdNumbers ? CreateClaim(connection, transaction, DistrictPartitioning.ClaimSql) : null)
        await using (var changes = journal ? ResidentChangeRow.Insert(connection, transaction, !IsSqlite(db)) : null)
        {
            // Rows go in in ID-number blind-index order: consecutive inserts then walk the unique
            // index's B-tree forwards instead of jumping to a random leaf each time.
            var rows = new List<(SealedRow Row, DateTime Now)>(batches.Sum(b => b.Rows.Length));
            foreach (var b in batches)
            {
                foreach (var r in b.Rows)
                {
                    rows.Add((r, b.Now));
                }
            }
            rows.Sort(static (x, y) => x.Row.IdIndex.AsSpan().SequenceCompareTo(y.Row.IdIndex));
            // Each parameter found once per command, not by name for every row (a bulk load binds millions).
            var inserting = new RowParameters(insert);
            var updating = new RowParameters(update);
            foreach (var (r, now) in rows)
            {
                var p = r.IsNew ? inserting : updating;
                var command = p.Command;
                p.Id.Value = r.Id;
                p.District.Value = r.DistrictCode;
                p.Street.Value = r.StreetCode;
                p.Community.Value = r.CommunityCode;
                p.Grid.Value = (object?)r.GridCode ?? DBNull.Value;
                p.Version.Value = r.IsNew ? 1 : r.Version + 1;
                p.Updated.Value = now;
                p.Phone.Value = (object?)r.PhoneIndex ?? DBNull.Value;
                p.Household.Value = r.HouseholdIndex;
                p.Data.Value = r.Data;
                if (r.IsNew)
                {
                    p.Created!.Value = r.CreatedAt;
                    p.IdIndex!.Value = r.IdIndex;
                }
                else
                {
                    p.OldVersion!.Value = r.Version;
                }
                var affected = await command.ExecuteNonQueryAsync(cancellationToken);
                if (affected != 1)
                {
                    throw new DBConcurrencyException($"resident {r.Id} was changed by another writer; retry the batch");
                }
                if (claim is not null && r.IsNew)
                {
                    // An update keeps its number (the batch found the resident by it): only new residents claim.
                    await ClaimAsync(claim, r.Id, r.IdIndex, cancellationToken);
                }
                if (changes is not null)
                {
                    ResidentChangeRow.Bind(changes, r.DistrictCode, r.Id, r.IsNew ? ResidentChangeRow.Created : ResidentChangeRow.Updated, r.ChangedKeys, r.From,
                        new ResidentPlace(r.CommunityCode, r.GridCode), r.IsNew ? 1 : r.Version + 1, now);
                    await changes.ExecuteNonQueryAsync(cancellationToken);
                }
            }
        }
        await tx.CommitAsync(cancellationToken);
    }

    internal static async Task PragmaAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string[] SortedKeys(IReadOnlyDictionary<string, string> fields)
    {
        var keys = new string[fields.Count];
        var n = 0;
        foreach (var key in fields.Keys)
        {
            keys[n++] = key;
        }
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }

    /// <summary>Blind indexes compared by content: the batch's residents are matched on them without a hex string each.</summary>
    private sealed class ByteKeyComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }

    private sealed record ExistingRow(RecordAddress Address, DateTime CreatedAt, byte[] Data)
    {
        public string Id => Address.Id;

        public int Version => Address.Version;
    }

    private static async Task<Dictionary<byte[], ExistingRow>> LoadExistingAsync(DbConnection connection, DbTransaction? transaction, byte[][] indexes, CancellationToken ct)
    {
        var found = new Dictionary<byte[], ExistingRow>(ByteKeyComparer.Instance);
        var distinct = indexes.Distinct(ByteKeyComparer.Instance).ToArray();
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
            command.CommandText = $"SELECT id, district_code, street_code, community_code, grid_code, version, created_at, data, id_number_index FROM {T} WHERE id_number_index IN ({string.Join(',', names)})";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var address = new RecordAddress(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5));
                found[(byte[])reader.GetValue(8)] = new ExistingRow(address, DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc), (byte[])reader.GetValue(7));
            }
        }
        return found;
    }

    private static DbCommand CreateInsert(DbConnection connection, DbTransaction transaction) => Prepare(connection, transaction,
        $"INSERT INTO {T} (id, district_code, street_code, community_code, grid_code, version, created_at, updated_at, id_number_index, phone_index, household_index, data) " +
        "VALUES (@id, @district, @street, @community, @grid, @version, @created, @updated, @idIndex, @phone, @household, @data)",
        ("id", DbType.String), ("district", DbType.String), ("street", DbType.String), ("community", DbType.String), ("grid", DbType.String),
        ("version", DbType.Int32), ("created", null), ("updated", null), ("idIndex", DbType.Binary), ("phone", DbType.Binary), ("household", DbType.Binary), ("data", DbType.Binary));

    private static DbCommand CreateUpdate(DbConnection connection, DbTransaction transaction) => Prepare(connection, transaction,
        $"UPDATE {T} SET district_code = @district, street_code = @street, community_code = @community, grid_code = @grid, " +
        "version = @version, updated_at = @updated, phone_index = @phone, household_index = @household, data = @data WHERE id = @id AND version = @oldVersion",
        ("id", DbType.String), ("district", DbType.String), ("street", DbType.String), ("community", DbType.String), ("grid", DbType.String),
        ("version", DbType.Int32), ("updated", null), ("phone", DbType.Binary), ("household", DbType.Binary), ("data", DbType.Binary), ("oldVersion", DbType.Int32));

    private static DbCommand CreateClaim(DbConnection connection, DbTransaction transaction, string sql) =>
        Prepare(connection, transaction, sql, ("idIndex", DbType.Binary), ("id", DbType.String));

    /// <summary>Runs a claim statement (<see cref="DistrictPartitioning.ClaimSql"/> or <see cref="DistrictPartitioning.ReclaimSql"/>).</summary>
    private static async Task ClaimAsync(DbCommand claim, string id, byte[] idIndex, CancellationToken ct)
    {
        claim.Parameters["@idIndex"].Value = idIndex;
        claim.Parameters["@id"].Value = id;
        await claim.ExecuteNonQueryAsync(ct);
    }

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

    /// <summary>The parameters of a row insert or update (<see cref="CreateInsert"/>, <see cref="CreateUpdate"/>), looked up once.</summary>
    private sealed class RowParameters(DbCommand command)
    {
        public DbCommand Command => command;
        public DbParameter Id { get; } = command.Parameters["@id"];
        public DbParameter District { get; } = command.Parameters["@district"];
        public DbParameter Street { get; } = command.Parameters["@street"];
        public DbParameter Community { get; } = command.Parameters["@community"];
        public DbParameter Grid { get; } = command.Parameters["@grid"];
        public DbParameter Version { get; } = command.Parameters["@version"];
        public DbParameter Updated { get; } = command.Parameters["@updated"];
        public DbParameter Phone { get; } = command.Parameters["@phone"];
        public DbParameter Household { get; } = command.Parameters["@household"];
        public DbParameter Data { get; } = command.Parameters["@data"];
        public DbParameter? Created { get; } = Find(command, "@created");
        public DbParameter? IdIndex { get; } = Find(command, "@idIndex");
        public DbParameter? OldVersion { get; } = Find(command, "@oldVersion");

        private static DbParameter? Find(DbCommand command, string name) =>
            command.Parameters.Contains(name) ? command.Parameters[name] : null;
    }

    /// <summary>
    /// 48 bits of creation time (Unix milliseconds) then 80 random bits, base32 (RFC 4648, lower case,
    /// no padding): 26 characters, as UUIDv7 does. 80 random bits make an id as unguessable as a random
    /// one (no id can be derived from another, and there is no count to read off); the time prefix makes
    /// ids created together sort together, so inserting them touches a few neighbouring leaves of the
    /// primary-key B-tree instead of a random leaf each (docs/storage.md, "Seeding"). An id reveals when
    /// its record was created, which the row's <c>created_at</c> records anyway.
    /// </summary>
    internal static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes[..8], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 16);
        // The OS CSPRNG in per-thread batches, as nonces are (a system call per id is most of its cost).
        NonceSource.Fill(bytes[6..]);
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
