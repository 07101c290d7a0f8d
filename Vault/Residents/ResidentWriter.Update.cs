using System.Data;
using System.Data.Common;
using DataVault.Vault.Encryption;
using DataVault.Vault.Households;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace DataVault.Vault.Residents;

/// <summary>How a single-resident write through the API ended.</summary>
internal enum SingleWriteStatus
{
    Done,

    /// <summary>Another resident already holds this ID number ("collect once": never a duplicate).</summary>
    IdNumberTaken,

    /// <summary>The record's version is no longer the one the caller read (If-Match failed).</summary>
    Stale,

    Missing,

    /// <summary>A member of a household the write resizes changed meanwhile: nothing was written; prepare the sizes again.</summary>
    HouseholdChanged,
}

/// <summary>
/// The outcome of one API write: the resident's new version, or why nothing was written. For
/// <see cref="SingleWriteStatus.IdNumberTaken"/>, where the resident holding the number lives, so the
/// caller can be told its id only when it is within their reach.
/// </summary>
internal sealed record SingleWriteResult(SingleWriteStatus Status, int Version, StoredResidentLocation? Holder = null);

/// <summary>Where a stored resident lives (no values).</summary>
internal sealed record StoredResidentLocation(string Id, string CommunityCode, string? GridCode);

/// <summary>
/// Another member of a household that a write joins or leaves, re-sealed with its new household size
/// for version <c>OldVersion + 1</c> (Households/HouseholdSizes.cs): stored in the writer's transaction,
/// only if the member is still at <c>OldVersion</c>.
/// </summary>
internal sealed record HouseholdMemberWrite(string Id, string DistrictCode, int OldVersion, ResidentPlace Place, byte[] Data);

internal sealed partial class ResidentWriter
{
    /// <summary>
    /// Creates one resident under <paramref name="id"/>, or reports the resident that already holds
    /// the ID number and writes nothing. Never updates: a POST that names a known person is a 409.
    /// </summary>
    public async Task<SingleWriteResult> CreateAsync(string id, ValidResident resident, CancellationToken cancellationToken, HouseholdResize? household = null)
    {
        var (idIndex, phone, householdIndex, data, now) = SealOne(id, version: 1, resident);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var transaction = tx.GetDbTransaction();
            if (await HolderAsync(connection, transaction, idIndex, null, cancellationToken) is { } holder)
            {
                return new SingleWriteResult(SingleWriteStatus.IdNumberTaken, 0, holder);
            }
            await using (var insert = CreateInsert(connection, transaction))
            {
                SetLocation(insert, id, resident);
                Set(insert, "version", 1);
                Set(insert, "created", now);
                Set(insert, "updated", now);
                Set(insert, "idIndex", idIndex);
                Set(insert, "phone", (object?)phone ?? DBNull.Value);
                Set(insert, "household", householdIndex);
                Set(insert, "data", data);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            if (!await WriteHouseholdAsync(db, connection, transaction, id, household, now, cancellationToken))
            {
                return new SingleWriteResult(SingleWriteStatus.HouseholdChanged, 0);
            }
            if (ClaimsIdNumbers)
            {
                await using var claim = CreateClaim(connection, transaction, DistrictPartitioning.ClaimSql);
                await ClaimAsync(claim, id, idIndex, cancellationToken);
            }
            await using (var journal = ResidentChangeRow.Insert(connection, transaction, !IsSqlite(db)))
            {
                ResidentChangeRow.Bind(journal, resident.DistrictCode, id, ResidentChangeRow.Created, resident.Fields.Keys, null, PlaceOf(resident), 1, now);
                await journal.ExecuteNonQueryAsync(cancellationToken);
            }
            await tx.CommitAsync(cancellationToken);
            return new SingleWriteResult(SingleWriteStatus.Done, 1);
        }
        catch (DbException)
        {
            // Two creators of the same person raced past the check: the unique index kept one row.
            var racer = await HolderAsync(connection, null, idIndex, null, CancellationToken.None);
            if (racer is null)
            {
                throw;
            }
            return new SingleWriteResult(SingleWriteStatus.IdNumberTaken, 0, racer);
        }
    }

    /// <summary>
    /// The blind indexes and envelopes of one record, computed BEFORE the write transaction (see
    /// WriteAsync: the key ring may itself write to the store).
    /// </summary>
    private (byte[] IdIndex, byte[]? Phone, byte[] Household, byte[] Data, DateTime Now) SealOne(string id, int version, ValidResident resident) => (
        indexer.Compute(BlindIndexKind.IdNumber, resident.IdNumber),
        resident.Phone is { } phone ? indexer.Compute(BlindIndexKind.Phone, phone) : null,
        HouseholdIndex.Of(indexer, resident.Fields),
        codec.Seal(new RecordAddress(id, resident.DistrictCode, resident.StreetCode, resident.CommunityCode, resident.GridCode, version), resident.Fields),
        time.GetUtcNow().UtcDateTime);

    /// <summary>
    /// Replaces a resident's values (the caller merged and validated them) only if the stored version
    /// is still <paramref name="expectedVersion"/>: <c>UPDATE … WHERE id = @id AND version = @expected</c>
    /// in a transaction, so a concurrent writer makes this one fail as stale, never silently overwrite.
    /// </summary>
    /// <paramref name="changed"/> (the field keys that differ) and <paramref name="from"/> (where the
    /// resident lived) go to the change journal with it, in the same transaction.
    public async Task<SingleWriteResult> UpdateAsync(string id, int expectedVersion, ValidResident resident, IReadOnlyList<string> changed, ResidentPlace from, CancellationToken cancellationToken,
        HouseholdResize? household = null)
    {
        // Sealed for the version it will be stored as: an older version's buckets never open as this one.
        var (idIndex, phone, householdIndex, data, now) = SealOne(id, expectedVersion + 1, resident);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var transaction = tx.GetDbTransaction();
            if (await HolderAsync(connection, transaction, idIndex, id, cancellationToken) is { } holder)
            {
                return new SingleWriteResult(SingleWriteStatus.IdNumberTaken, 0, holder);
            }
            await using var update = Prepare(connection, transaction,
                $"UPDATE {T} SET district_code = @district, street_code = @street, community_code = @community, grid_code = @grid, " +
                "version = @version, updated_at = @updated, id_number_index = @idIndex, phone_index = @phone, household_index = @household, data = @data " +
                "WHERE id = @id AND version = @oldVersion",
                ("id", DbType.String), ("district", DbType.String), ("street", DbType.String), ("community", DbType.String), ("grid", DbType.String),
                ("version", DbType.Int32), ("updated", null), ("idIndex", DbType.Binary), ("phone", DbType.Binary), ("household", DbType.Binary), ("data", DbType.Binary), ("oldVersion", DbType.Int32));
            SetLocation(update, id, resident);
            Set(update, "version", expectedVersion + 1);
            Set(update, "updated", now);
            Set(update, "idIndex", idIndex);
            Set(update, "phone", (object?)phone ?? DBNull.Value);
            Set(update, "household", householdIndex);
            Set(update, "data", data);
            Set(update, "oldVersion", expectedVersion);
            if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                await using var exists = connection.CreateCommand();
                exists.Transaction = transaction;
                exists.CommandText = $"SELECT COUNT(*) FROM {T} WHERE id = @id";
                var p1 = exists.CreateParameter();
                p1.ParameterName = "@id";
                p1.Value = id;
                exists.Parameters.Add(p1);
                var found = Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
                return new SingleWriteResult(found ? SingleWriteStatus.Stale : SingleWriteStatus.Missing, 0);
            }
            if (ClaimsIdNumbers)
            {
                // The number may have changed (a corrected ID number): the claim follows it, or fails on its key.
                await using var reclaim = CreateClaim(connection, transaction, DistrictPartitioning.ReclaimSql);
                await ClaimAsync(reclaim, id, idIndex, cancellationToken);
            }
            await using (var journal = ResidentChangeRow.Insert(connection, transaction, !IsSqlite(db)))
            {
                ResidentChangeRow.Bind(journal, resident.DistrictCode, id, ResidentChangeRow.Updated, changed, from, PlaceOf(resident), expectedVersion + 1, now);
                await journal.ExecuteNonQueryAsync(cancellationToken);
            }
            if (!await WriteHouseholdAsync(db, connection, transaction, id, household, now, cancellationToken))
            {
                return new SingleWriteResult(SingleWriteStatus.HouseholdChanged, 0);
            }
            await tx.CommitAsync(cancellationToken);
            return new SingleWriteResult(SingleWriteStatus.Done, expectedVersion + 1);
        }
        catch (DbException)
        {
            var racer = await HolderAsync(connection, null, idIndex, id, CancellationToken.None);
            if (racer is null)
            {
                throw;
            }
            return new SingleWriteResult(SingleWriteStatus.IdNumberTaken, 0, racer);
        }
    }

    /// <summary>
    /// The other members' new household sizes, in the writer's transaction (each journalled as a change
    /// of household_size). False, with nothing of it kept once the caller's transaction is disposed,
    /// when a household gained or lost a member since the sizes were computed, or a member is no longer
    /// at the version its size was computed from. Each household is first locked for the transaction
    /// (PostgreSQL: an advisory lock on its index; SQLite: the one write lock this transaction holds), so
    /// two residents joining the same household at once are counted one after the other.
    /// </summary>
    private static async Task<bool> WriteHouseholdAsync(VaultDbContext db, DbConnection connection, DbTransaction transaction, string self, HouseholdResize? household, DateTime now, CancellationToken ct)
    {
        if (household is null || household.Counted.Count == 0)
        {
            return true;
        }
        var postgres = !IsSqlite(db);
        // In index order: two movers between the same two households lock them in the same order.
        foreach (var counted in household.Counted.OrderBy(c => Convert.ToHexString(c.Index), StringComparer.Ordinal))
        {
            if (postgres)
            {
                await using var lockHousehold = Prepare(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("key", DbType.Int64));
                Set(lockHousehold, "key", System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(counted.Index));
                await lockHousehold.ExecuteNonQueryAsync(ct);
            }
            await using var count = Prepare(connection, transaction,
                $"SELECT COUNT(*) FROM {T} WHERE district_code = @district AND household_index = @index AND id <> @self",
                ("district", DbType.String), ("index", DbType.Binary), ("self", DbType.String));
            Set(count, "district", counted.DistrictCode);
            Set(count, "index", counted.Index);
            Set(count, "self", self);
            var stored = Convert.ToInt32(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            if (Math.Min(stored, HouseholdSizes.MaxMembers) != counted.Members)
            {
                return false;
            }
        }
        var members = household.Members;
        if (members.Count == 0)
        {
            return true;
        }
        await using var update = Prepare(connection, transaction,
            $"UPDATE {T} SET version = @version, updated_at = @updated, data = @data WHERE id = @id AND version = @oldVersion",
            ("id", DbType.String), ("version", DbType.Int32), ("updated", null), ("data", DbType.Binary), ("oldVersion", DbType.Int32));
        await using var journal = ResidentChangeRow.Insert(connection, transaction, !IsSqlite(db));
        foreach (var m in members)
        {
            Set(update, "id", m.Id);
            Set(update, "version", m.OldVersion + 1);
            Set(update, "updated", now);
            Set(update, "data", m.Data);
            Set(update, "oldVersion", m.OldVersion);
            if (await update.ExecuteNonQueryAsync(ct) != 1)
            {
                return false;
            }
            ResidentChangeRow.Bind(journal, m.DistrictCode, m.Id, ResidentChangeRow.Updated, [HouseholdIndex.SizeField], m.Place, m.Place, m.OldVersion + 1, now);
            await journal.ExecuteNonQueryAsync(ct);
        }
        return true;
    }

    private static ResidentPlace PlaceOf(ValidResident resident) => new(resident.CommunityCode, resident.GridCode);

    private static bool IsSqlite(VaultDbContext db) => Microsoft.EntityFrameworkCore.SqliteDatabaseFacadeExtensions.IsSqlite(db.Database);

    private static void SetLocation(DbCommand command, string id, ValidResident resident)
    {
        Set(command, "id", id);
        Set(command, "district", resident.DistrictCode);
        Set(command, "street", resident.StreetCode);
        Set(command, "community", resident.CommunityCode);
        Set(command, "grid", (object?)resident.GridCode ?? DBNull.Value);
    }

    /// <summary>The resident (other than <paramref name="except"/>) whose ID number has this blind index, if any.</summary>
    private static async Task<StoredResidentLocation?> HolderAsync(DbConnection connection, DbTransaction? transaction, byte[] idIndex, string? except, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT id, community_code, grid_code FROM {T} WHERE id_number_index = @k";
        var p = command.CreateParameter();
        p.ParameterName = "@k";
        p.DbType = DbType.Binary;
        p.Value = idIndex;
        command.Parameters.Add(p);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            if (id != except)
            {
                return new StoredResidentLocation(id, reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }
        return null;
    }
}
