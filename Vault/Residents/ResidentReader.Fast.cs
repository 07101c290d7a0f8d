using System.Collections.Concurrent;
using DataVault.Vault.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Residents;

/// <summary>One resident row as stored: its jurisdiction and version, and the blob still sealed.</summary>
internal sealed record ResidentRecord(string Id, string DistrictCode, string StreetCode, string CommunityCode, string? GridCode, int Version, byte[] Data)
{
    /// <summary>What the record's buckets are bound to.</summary>
    public RecordAddress Address => new(Id, DistrictCode, StreetCode, CommunityCode, GridCode, Version);
}

/// <summary>
/// The by-id read every scoped view starts with, without EF on SQLite. Through EF a lookup costs a
/// context, a pooled connection open (and with it the durability PRAGMAs the interceptor runs on every
/// open) and a query pipeline, several times the primary-key lookup itself. Here a few connections stay
/// open, each with its statement prepared once, and are lent to one reader at a time. On PostgreSQL the
/// lookup is one statement on an Npgsql data source (auto-prepared per connection, see
/// <see cref="VaultDbContextFactory.TunedForPostgres"/>); an in-memory SQLite (where every connection is
/// another database) keeps the EF path.
/// </summary>
internal sealed partial class ResidentReader : IDisposable
{
    // The id is not read back: the key compares exactly (binary collation), so the row's id is the one asked for.
    private const string FindSql = "SELECT district_code, street_code, community_code, grid_code, version, data FROM residents WHERE id = $id";
    private const string PostgresFindSql = "SELECT district_code, street_code, community_code, grid_code, version, data FROM residents WHERE id = $1";

    private readonly Lock _fastGate = new();
    private FastPath? _fast;
    private Npgsql.NpgsqlDataSource? _postgres;
    private bool _fastChecked;

    /// <summary>The row with this id, or null; nothing decrypted yet (the caller opens what its view serves).</summary>
    private async ValueTask<ResidentRecord?> FindRecordAsync(IDbContextFactory<VaultDbContext> contexts, string id, CancellationToken ct)
    {
        if (FastPathFor(contexts) is { } fast)
        {
            ct.ThrowIfCancellationRequested();
            return fast.Find(id);
        }
        if (_postgres is { } postgres)
        {
            return await FindOnPostgresAsync(postgres, id, ct);
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<ResidentRow>().AsNoTracking().Where(r => r.Id == id)
            .Select(r => new ResidentRecord(r.Id, r.DistrictCode, r.StreetCode, r.CommunityCode, r.GridCode, r.Version, r.Data))
            .SingleOrDefaultAsync(ct);
    }

    private static async ValueTask<ResidentRecord?> FindOnPostgresAsync(Npgsql.NpgsqlDataSource postgres, string id, CancellationToken ct)
    {
        await using var find = postgres.CreateCommand(PostgresFindSql);
        find.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await find.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, ct);
        return await reader.ReadAsync(ct) ? RecordOf(id, reader) : null;
    }

    /// <summary>The row <see cref="FindSql"/> (or <see cref="PostgresFindSql"/>) selects, as a record.</summary>
    private static ResidentRecord RecordOf(string id, System.Data.Common.DbDataReader reader) => new(
        id,
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetInt32(4),
        reader.GetFieldValue<byte[]>(5));

    private FastPath? FastPathFor(IDbContextFactory<VaultDbContext> contexts)
    {
        if (Volatile.Read(ref _fastChecked))
        {
            return _fast;
        }
        lock (_fastGate)
        {
            if (!_fastChecked)
            {
                using var db = contexts.CreateDbContext();
                var connectionString = db.Database.IsSqlite() ? db.Database.GetConnectionString() : null;
                if (connectionString is not null && !IsInMemory(connectionString))
                {
                    // Pooling off: these connections carry query_only and are held by us, so none may ever go
                    // back to Microsoft.Data.Sqlite's pool and be handed to a writer.
                    _fast = new FastPath(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
                }
                else if (contexts is VaultDbContextFactory { PostgresDataSource: { } postgres })
                {
                    // PostgreSQL: the same lookup as one statement on the node's data source, without a context.
                    _postgres = postgres;
                }
                Volatile.Write(ref _fastChecked, true);
            }
            return _fast;
        }
    }

    private static bool IsInMemory(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        return builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:";
    }

    public void Dispose()
    {
        lock (_fastGate)
        {
            _fast?.Dispose();
            _fast = null;
            _postgres = null; // the factory's, disposed with it
        }
    }

    /// <summary>Open read-only connections with the lookup prepared, lent to one caller at a time.</summary>
    private sealed class FastPath(string connectionString) : IDisposable
    {
        // More idle connections than cores buys nothing: SQLite reads are CPU-bound once the pages are cached.
        private readonly int _maxIdle = Math.Max(4, Environment.ProcessorCount * 2);
        private readonly ConcurrentBag<Lookup> _idle = [];
        private volatile bool _disposed;

        public ResidentRecord? Find(string id)
        {
            var lookup = _idle.TryTake(out var idle) ? idle : new Lookup(connectionString);
            var returned = false;
            try
            {
                var record = lookup.Find(id);
                if (!_disposed && _idle.Count < _maxIdle)
                {
                    _idle.Add(lookup);
                    returned = true;
                }
                return record;
            }
            finally
            {
                if (!returned)
                {
                    // A lookup that failed is dropped with its connection: its state is unknown.
                    lookup.Dispose();
                }
            }
        }

        public void Dispose()
        {
            _disposed = true;
            while (_idle.TryTake(out var lookup))
            {
                lookup.Dispose();
            }
        }
    }

    private sealed class Lookup : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _find;
        private readonly SqliteParameter _id;

        public Lookup(string connectionString)
        {
            _connection = new SqliteConnection(connectionString);
            _connection.Open();
            using (var pragma = _connection.CreateCommand())
            {
                // This connection only ever reads: make SQLite refuse anything else on it.
                pragma.CommandText = "PRAGMA query_only = ON;";
                pragma.ExecuteNonQuery();
            }
            _find = _connection.CreateCommand();
            _find.CommandText = FindSql;
            _id = _find.Parameters.Add("$id", SqliteType.Text);
            _find.Prepare();
        }

        public ResidentRecord? Find(string id)
        {
            _id.Value = id;
            // Autocommit: the read transaction ends with the reader, so a held connection never pins the WAL.
            using var reader = _find.ExecuteReader();
            return reader.Read() ? RecordOf(id, reader) : null;
        }

        public void Dispose()
        {
            _find.Dispose();
            _connection.Dispose();
        }
    }
}
