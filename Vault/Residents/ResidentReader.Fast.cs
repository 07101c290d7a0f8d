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

    /// <summary>
    /// A page of one community, one grid or a whole district, as <see cref="PageQuery"/> shapes it (the
    /// leading part of an index ending in id, walked from the cursor), selecting what
    /// <see cref="RecordOf"/> reads and the id last. A street's merged walk stays on EF.
    /// </summary>
    private static string PageSql(PageKind kind, bool postgres)
    {
        // Parameters in the order PageParameters names them: district, [code,] after, take.
        string P(int i, string name) => postgres ? "$" + i : name;
        var within = kind switch
        {
            PageKind.Community => $" AND community_code = {P(2, "$code")}",
            PageKind.Grid => $" AND grid_code = {P(2, "$code")}",
            _ => "",
        };
        var next = kind == PageKind.District ? 2 : 3;
        return $"SELECT district_code, street_code, community_code, grid_code, version, data, id FROM residents " +
            $"WHERE district_code = {P(1, "$district")}{within} AND id > {P(next, "$after")} ORDER BY id LIMIT {P(next + 1, "$take")}";
    }

    /// <summary>The values of <see cref="PageSql"/>'s parameters, in order.</summary>
    private static object[] PageParameters(PageKind kind, string district, string code, string after, int take) =>
        kind == PageKind.District ? [district, after, take] : [district, code, after, take];

    internal enum PageKind
    {
        District,
        Community,
        Grid,
    }

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

    /// <summary>
    /// One page without EF (SQLite's lent connections, or one statement on PostgreSQL's data source);
    /// null when there is no such path (an in-memory SQLite), and the caller falls back to EF.
    /// <paramref name="code"/> is the community or grid code (the district's, unused, for a district page).
    /// </summary>
    private async ValueTask<List<ResidentRecord>?> PageFastAsync(IDbContextFactory<VaultDbContext> contexts, PageKind kind, string district, string code, string? afterId, int take, CancellationToken ct)
    {
        if (FastPathFor(contexts) is { } fast)
        {
            ct.ThrowIfCancellationRequested();
            return fast.Page(kind, district, code, afterId ?? "", take);
        }
        if (_postgres is not { } postgres)
        {
            return null;
        }
        await using var page = postgres.CreateCommand(PageSql(kind, postgres: true));
        foreach (var value in PageParameters(kind, district, code, afterId ?? "", take))
        {
            page.Parameters.Add(value is int n ? new Npgsql.NpgsqlParameter<int> { TypedValue = n } : new Npgsql.NpgsqlParameter<string> { TypedValue = (string)value });
        }
        await using var reader = await page.ExecuteReaderAsync(ct);
        var records = new List<ResidentRecord>(take);
        while (await reader.ReadAsync(ct))
        {
            records.Add(RecordOf(reader.GetString(6), reader));
        }
        return records;
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

        // Static lambdas with their state passed in: the by-id read is the hot path, and allocates no closure.
        public ResidentRecord? Find(string id) => Lend(id, static (lookup, id) => lookup.Find(id));

        public List<ResidentRecord> Page(PageKind kind, string district, string code, string after, int take) =>
            Lend((kind, district, code, after, take), static (lookup, p) => lookup.Page(p.kind, p.district, p.code, p.after, p.take));

        private T Lend<TState, T>(TState state, Func<Lookup, TState, T> use)
        {
            var lookup = _idle.TryTake(out var idle) ? idle : new Lookup(connectionString);
            var returned = false;
            try
            {
                var result = use(lookup, state);
                if (!_disposed && _idle.Count < _maxIdle)
                {
                    _idle.Add(lookup);
                    returned = true;
                }
                return result;
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

        private readonly SqliteCommand?[] _pages = new SqliteCommand?[3];

        public List<ResidentRecord> Page(PageKind kind, string district, string code, string after, int take)
        {
            var values = PageParameters(kind, district, code, after, take);
            var page = _pages[(int)kind] ??= Prepared(PageSql(kind, postgres: false), values);
            for (var i = 0; i < values.Length; i++)
            {
                page.Parameters[i].Value = values[i];
            }
            var records = new List<ResidentRecord>(take);
            using var reader = page.ExecuteReader();
            while (reader.Read())
            {
                records.Add(RecordOf(reader.GetString(6), reader));
            }
            return records;
        }

        private SqliteCommand Prepared(string sql, object[] values)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            // SQLite binds $names; the page's appear in the statement in the order of its values.
            var names = System.Text.RegularExpressions.Regex.Matches(sql, @"\$[a-z]+").Select(m => m.Value).ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters.Add(names[i], values[i] is int ? SqliteType.Integer : SqliteType.Text);
            }
            command.Prepare();
            return command;
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
            foreach (var page in _pages)
            {
                page?.Dispose();
            }
            _connection.Dispose();
        }
    }
}
