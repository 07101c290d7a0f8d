using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Threading.Channels;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.AccessLog;

/// <summary>The log could not make an entry durable, so the access it records must not happen.</summary>
public sealed class AccessLogUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Appends entries durably before the data they describe leaves the vault (DESIGN.md: "If the
/// entry cannot be made durable, the request fails"). Callers await <c>AppendAsync</c>;
/// a single loop commits whatever has queued up in one transaction (group commit), so throughput
/// grows with load while every caller still waits for its own commit.
/// </summary>
internal sealed partial class AccessLogWriter : IAsyncDisposable
{
    private readonly IDbContextFactory<VaultDbContext> _dbFactory;
    private readonly TreeHeadSigner _signer;
    private readonly TimeProvider _time;
    private readonly AccessLogOptions _options;
    private readonly ILogger<AccessLogWriter> _logger;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, LogFrontier> _frontiers = new(StringComparer.Ordinal);
    // The newest signed head of each log: its size and when it was signed.
    private readonly Dictionary<string, (long Size, long AtUnixMs)> _lastHeads = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public AccessLogWriter(IDbContextFactory<VaultDbContext> dbFactory, TreeHeadSigner signer, TimeProvider time, IOptions<AccessLogOptions> options, ILogger<AccessLogWriter> logger)
    {
        _dbFactory = dbFactory;
        _signer = signer;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public async Task<AccessLogReceipt> AppendAsync(AccessLogEntry entry, CancellationToken cancellationToken = default) =>
        (await AppendAsync([entry], cancellationToken))[0];

    /// <summary>Appends entries (all in one commit) and returns when they are durable.</summary>
    /// <exception cref="AccessLogUnavailableException">the entries could not be made durable.</exception>
    public Task<IReadOnlyList<AccessLogReceipt>> AppendAsync(IReadOnlyList<AccessLogEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(entries.Count);
        var pending = new PendingAppend(entries, new TaskCompletionSource<IReadOnlyList<AccessLogReceipt>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new AccessLogUnavailableException("the access log is shut down");
        }
        // Cancelling the wait does not cancel the write: once queued, an entry is recorded either way.
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Signs a tree head for every district log written since its last head.</summary>
    public async Task SignPendingTreeHeadsAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<IReadOnlyList<AccessLogReceipt>>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_queue.Writer.TryWrite(new PendingAppend([], done)))
        {
            await done.Task.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingAppend>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            var count = 0;
            var forceHeads = false;
            while (count < _options.MaxBatchEntries && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
                count += next.Entries.Count;
                forceHeads |= next.Entries.Count == 0;
            }

            try
            {
                var receipts = await WriteBatchAsync(batch, forceHeads);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Completion.TrySetResult(receipts[i]);
                }
            }
            catch (Exception ex)
            {
                // Forget what we believed about the tree: the next batch re-reads it from the store.
                _frontiers.Clear();
                LogAppendFailed(_logger, count, ex.GetType().Name);
                var failure = new AccessLogUnavailableException("the access log could not record this access durably; nothing was served", ex);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(failure);
                }
            }
        }
    }

    private async Task<List<IReadOnlyList<AccessLogReceipt>>> WriteBatchAsync(List<PendingAppend> batch, bool forceHeads)
    {
        await using var db = await _dbFactory.CreateDbContextAsync();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var shared = db.Database.IsNpgsql();
        // PostgreSQL: every log this batch touches, locked, with its size and newest head as the store has
        // them now (another node may have appended or signed since this node's last batch).
        var tips = shared ? await LockLogsAsync(db, transaction, batch, forceHeads, _options.StalledBatchTimeout) : null;
        var now = _time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();

        // Work on copies: the cached frontiers change only once the commit has succeeded.
        var working = new Dictionary<string, LogFrontier>(StringComparer.Ordinal);
        var results = new List<IReadOnlyList<AccessLogReceipt>>(batch.Count);
        var entryRows = new List<AccessLogRow>();
        var nodeRows = new List<MerkleNodeRow>();
        foreach (var pending in batch)
        {
            var receipts = new List<AccessLogReceipt>(pending.Entries.Count);
            foreach (var entry in pending.Entries)
            {
                var logId = entry.DistrictCode;
                if (!working.TryGetValue(logId, out var frontier))
                {
                    frontier = (await LoadFrontierAsync(db, logId, tips)).Clone();
                    working[logId] = frontier;
                }

                var row = ToRow(entry, frontier.Size, nowMs);
                var leaf = MerkleHash.Leaf(row.CanonicalBytes());
                var index = frontier.Size;
                entryRows.Add(row);
                foreach (var node in frontier.Append(leaf))
                {
                    nodeRows.Add(new MerkleNodeRow { LogId = logId, Level = node.Level, Index = node.Index, Hash = node.Hash });
                }
                receipts.Add(new AccessLogReceipt(logId, index, leaf, now));
            }
            results.Add(receipts);
        }

        if (forceHeads)
        {
            foreach (var logId in _frontiers.Keys.Where(id => !working.ContainsKey(id)).ToList())
            {
                // Checked against the store: another node may have appended since.
                working[logId] = (await LoadFrontierAsync(db, logId, tips)).Clone();
            }
        }
        if (tips is not null)
        {
            // Another node may have signed a newer head of these logs: never sign the same size twice.
            foreach (var logId in working.Keys)
            {
                _lastHeads[logId] = tips[logId].Head;
            }
        }

        var signed = new List<(string LogId, long Size)>();
        foreach (var (logId, frontier) in working)
        {
            var last = _lastHeads.GetValueOrDefault(logId);
            var due = forceHeads || nowMs - last.AtUnixMs >= (long)_options.TreeHeadInterval.TotalMilliseconds;
            if (due && frontier.Size > last.Size)
            {
                var root = frontier.RootHash();
                db.Add(new TreeHeadRow
                {
                    LogId = logId,
                    TreeSize = frontier.Size,
                    SignedAtUnixMs = nowMs,
                    RootHash = root,
                    KeyId = _signer.KeyId,
                    Signature = _signer.Sign(logId, frontier.Size, nowMs, root),
                });
                signed.Add((logId, frontier.Size));
            }
        }

        if (shared)
        {
            // Both tables' rows in one round trip (a batch of two unnest statements).
            await using var insert = new Npgsql.NpgsqlBatch((Npgsql.NpgsqlConnection)db.Database.GetDbConnection(), (Npgsql.NpgsqlTransaction)transaction.GetDbTransaction());
            AddUnnestInsert(db, insert, entryRows);
            AddUnnestInsert(db, insert, nodeRows);
            if (insert.BatchCommands.Count > 0)
            {
                await insert.ExecuteNonQueryAsync();
            }
        }
        else
        {
            await InsertAsync(db, transaction, entryRows);
            await InsertAsync(db, transaction, nodeRows);
        }
        await db.SaveChangesAsync();
        // Durability: the receipts are handed out only after this commit returns (synchronous=FULL on SQLite).
        await transaction.CommitAsync();

        foreach (var (logId, frontier) in working)
        {
            _frontiers[logId] = frontier;
        }
        foreach (var (logId, size) in signed)
        {
            _lastHeads[logId] = (size, nowMs);
        }
        return results;
    }

    /// <summary>
    /// Several vault nodes on one PostgreSQL append to the same district logs. Each batch takes, for
    /// every log it touches (in one order, so two batches never wait on each other in a cycle), a
    /// transaction-scoped advisory lock: the batches of all nodes for one log commit one after the
    /// other, each seeing the size the previous one committed, so none loses an (LogId, Index) race
    /// and refuses its reads. The lock ends with the transaction, also when a node dies mid-batch
    /// (PostgreSQL aborts its transaction), so there is no leader to elect and nothing to fail over.
    /// A node that freezes mid-batch keeps its connection, so the transaction also carries
    /// <c>idle_in_transaction_session_timeout</c> (<see cref="AccessLogOptions.StalledBatchTimeout"/>):
    /// PostgreSQL then ends it, and the locks, however long the freeze.
    /// </summary>
    private static async Task<Dictionary<string, LogTip>> LockLogsAsync(VaultDbContext db, IDbContextTransaction transaction, List<PendingAppend> batch, bool allKnownLogs, TimeSpan stalledBatchTimeout)
    {
        var logIds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pending in batch)
        {
            foreach (var entry in pending.Entries)
            {
                logIds.Add(entry.DistrictCode);
            }
        }
        if (allKnownLogs)
        {
            // A forced head round touches every log this node knows; they are locked too.
            logIds.UnionWith(await db.Set<TreeHeadRow>().Select(h => h.LogId).Distinct().ToListAsync());
        }

        // One round trip: the stalled-batch timeout, the locks, then each log's tip. Pipelined statements
        // run one after the other, and under READ COMMITTED each takes its snapshot when it starts, so the
        // tips are read after the locks are held and see every batch committed before them.
        var connection = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
        await using var peek = new Npgsql.NpgsqlBatch(connection, (Npgsql.NpgsqlTransaction)transaction.GetDbTransaction());
        // set_config(…, true) is SET LOCAL: this transaction only, so nothing else on the connection changes.
        peek.BatchCommands.Add(new Npgsql.NpgsqlBatchCommand("SELECT set_config('idle_in_transaction_session_timeout', $1, true)")
        {
            Parameters = { new Npgsql.NpgsqlParameter<string> { TypedValue = ((long)stalledBatchTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) } },
        });
        foreach (var logId in logIds)
        {
            peek.BatchCommands.Add(new Npgsql.NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)") { Parameters = { new Npgsql.NpgsqlParameter<long> { TypedValue = LogLockKey(logId) } } });
        }
        foreach (var logId in logIds)
        {
            peek.BatchCommands.Add(new Npgsql.NpgsqlBatchCommand(TipSql) { Parameters = { new Npgsql.NpgsqlParameter<string> { TypedValue = logId } } });
        }
        var tips = new Dictionary<string, LogTip>(StringComparer.Ordinal);
        await using var reader = await peek.ExecuteReaderAsync();
        for (var i = 0; i < 1 + logIds.Count; i++)
        {
            await reader.NextResultAsync();
        }
        foreach (var logId in logIds)
        {
            await reader.ReadAsync();
            var size = reader.IsDBNull(0) ? 0 : reader.GetInt64(0) + 1;
            var head = reader.IsDBNull(1) ? (0L, 0L) : (reader.GetInt64(1), reader.GetInt64(2));
            tips[logId] = new LogTip(size, head);
            await reader.NextResultAsync();
        }
        return tips;
    }

    /// <summary>A log's size (the highest index + 1) and newest signed head, read under its lock.</summary>
    private sealed record LogTip(long Size, (long Size, long AtUnixMs) Head);

    private const string TipSql =
        "SELECT (SELECT max(\"Index\") FROM \"AccessLog\" WHERE \"LogId\" = $1), h.\"TreeSize\", h.\"SignedAtUnixMs\" " +
        "FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT \"TreeSize\", \"SignedAtUnixMs\" FROM \"AccessLogTreeHeads\" WHERE \"LogId\" = $1 ORDER BY \"TreeSize\" DESC LIMIT 1) AS h ON true";

    /// <summary>The advisory-lock key of a district log: the first 8 bytes of SHA-256("DataVault access log " ‖ logId).</summary>
    internal static long LogLockKey(string logId) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("DataVault access log " + logId)));

    /// <summary>
    /// The frontier of a district's log. The cached one is trusted only while the store agrees on the
    /// size: another vault node may have appended since (PostgreSQL deployments run several).
    /// </summary>
    private async Task<LogFrontier> LoadFrontierAsync(VaultDbContext db, string logId, Dictionary<string, LogTip>? tips)
    {
        var size = tips is not null ? tips[logId].Size
            : await db.Set<AccessLogRow>().Where(r => r.LogId == logId).Select(r => (long?)r.Index).MaxAsync() + 1 ?? 0;
        if (_frontiers.TryGetValue(logId, out var cached) && cached.Size == size)
        {
            return cached;
        }

        // The frontier's nodes in one query (on several nodes this runs whenever another node appended):
        // every stored node whose level and index are among the frontier's, then the exact pairs. At most
        // (levels × indexes) rows come back, a few dozen, instead of one round trip per level.
        var coordinates = LogFrontier.Coordinates(size).ToList();
        var levels = coordinates.Select(c => c.Level).ToList();
        var indexes = coordinates.Select(c => c.Index).ToList();
        var candidates = await db.Set<MerkleNodeRow>()
            .Where(n => n.LogId == logId && levels.Contains(n.Level) && indexes.Contains(n.Index))
            .Select(n => new { n.Level, n.Index, n.Hash })
            .ToListAsync();
        var nodes = new List<MerkleNode>(coordinates.Count);
        foreach (var (level, index) in coordinates)
        {
            var hash = candidates.SingleOrDefault(n => n.Level == level && n.Index == index)?.Hash
                ?? throw new InvalidDataException($"Access log {logId}: frontier node ({level}, {index}) of size {size} is missing.");
            nodes.Add(new MerkleNode(level, index, hash));
        }
        var frontier = LogFrontier.FromNodes(size, nodes);
        _frontiers[logId] = frontier;
        if (tips is null)
        {
            // On PostgreSQL the batch takes every log's newest head from its tip instead.
            var lastHead = await db.Set<TreeHeadRow>().Where(h => h.LogId == logId)
                .OrderByDescending(h => h.TreeSize).Select(h => new { h.TreeSize, h.SignedAtUnixMs }).FirstOrDefaultAsync();
            _lastHeads[logId] = lastHead is null ? (0, 0) : (lastHead.TreeSize, lastHead.SignedAtUnixMs);
        }
        return frontier;
    }

    /// <summary>
    /// Inserts rows in the batch's transaction with one reused parameterised command instead of EF change
    /// tracking (2–3 entities per entry otherwise dominate a group commit's CPU). The statement is built from
    /// the EF model, so a column added to the entity is inserted too; an entity the plan cannot map
    /// (shadow properties, value converters) goes through EF as before.
    /// </summary>
    private static async Task InsertAsync<T>(VaultDbContext db, IDbContextTransaction transaction, List<T> rows) where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }
        if (PlanFor<T>(db) is not { } plan)
        {
            db.AddRange(rows);
            return;
        }
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction.GetDbTransaction();
        command.CommandText = plan.Sql;
        var parameters = new DbParameter[plan.Properties.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] = command.CreateParameter();
            parameters[i].ParameterName = "@p" + i;
            parameters[i].DbType = plan.Types[i];
            command.Parameters.Add(parameters[i]);
        }
        foreach (var row in rows)
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].Value = plan.Properties[i].GetGetter().GetClrValue(row) ?? DBNull.Value;
            }
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// PostgreSQL: the whole group commit's rows of one table as ONE statement of <paramref name="insert"/>,
    /// each column sent as an array and unnested into rows (issue 13, item 3: a statement per row, even
    /// pipelined, was most of a batch's time there). The SQL does not depend on the row count, so it is
    /// prepared once. SQLite needs none of this: a statement is a function call, not a round trip.
    /// </summary>
    private static void AddUnnestInsert<T>(VaultDbContext db, Npgsql.NpgsqlBatch insert, List<T> rows) where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }
        var plan = PlanFor<T>(db) ?? throw new InvalidOperationException($"{typeof(T).Name} has no insert plan");
        var command = new Npgsql.NpgsqlBatchCommand(plan.UnnestSql);
        for (var i = 0; i < plan.Properties.Length; i++)
        {
            var getter = plan.Properties[i].GetGetter();
            var column = Array.CreateInstance(plan.Properties[i].ClrType, rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                column.SetValue(getter.GetClrValue(rows[r]), r);
            }
            command.Parameters.Add(new Npgsql.NpgsqlParameter("@p" + i, column));
        }
        insert.BatchCommands.Add(command);
    }

    private static readonly ConcurrentDictionary<(Type, string), InsertPlan?> InsertPlans = new();

    private static InsertPlan? PlanFor<T>(VaultDbContext db) =>
        InsertPlans.GetOrAdd((typeof(T), db.Database.ProviderName ?? ""), static (_, model) => InsertPlan.For(model.FindEntityType(typeof(T))!), db.Model);

    /// <summary>The INSERT the writer uses for an entity, or null when it goes through EF (for tests).</summary>
    internal static string? InsertSqlFor(IModel model, Type entity) => model.FindEntityType(entity) is { } e ? InsertPlan.For(e)?.Sql : null;

    private sealed record InsertPlan(string Sql, string UnnestSql, IProperty[] Properties, DbType[] Types)
    {
        public static InsertPlan? For(IEntityType entity)
        {
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var properties = entity.GetProperties().ToArray();
            var types = new DbType[properties.Length];
            for (var i = 0; i < properties.Length; i++)
            {
                var p = properties[i];
                if (p.IsShadowProperty() || p.GetValueConverter() is not null || p.GetTypeMapping().Converter is not null
                    || p.ValueGenerated != ValueGenerated.Never)
                {
                    return null;
                }
                DbType? type = (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType) switch
                {
                    var t when t == typeof(string) => DbType.String,
                    var t when t == typeof(long) => DbType.Int64,
                    var t when t == typeof(int) => DbType.Int32,
                    var t when t == typeof(byte[]) => DbType.Binary,
                    _ => null,
                };
                if (type is null)
                {
                    return null;
                }
                types[i] = type.Value;
            }
            var columns = string.Join(", ", properties.Select(p => Quote(p.GetColumnName(table)!)));
            var values = string.Join(", ", properties.Select((_, i) => "@p" + i));
            var name = entity.GetSchema() is { } schema ? Quote(schema) + "." + Quote(table.Name) : Quote(table.Name);
            return new InsertPlan($"INSERT INTO {name} ({columns}) VALUES ({values})", $"INSERT INTO {name} ({columns}) SELECT * FROM unnest({values})", properties, types);
        }

        // Double quotes delimit identifiers in SQLite and PostgreSQL alike (EF names these tables in PascalCase).
        private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static AccessLogRow ToRow(AccessLogEntry entry, long index, long recordedAtUnixMs) => new()
    {
        LogId = entry.DistrictCode,
        Index = index,
        RecordedAtUnixMs = recordedAtUnixMs,
        ResidentId = entry.ResidentId,
        Action = entry.Action.ToString().ToLowerInvariant(),
        ActorUserId = entry.ActorUserId,
        ActorUnit = entry.ActorUnit,
        ActorRole = entry.ActorRole,
        ClientId = entry.ClientId,
        Fields = string.Join(';', entry.Fields.Select(f => $"{f.FieldKey}={f.Fidelity}")),
        Purpose = entry.Purpose,
        LegalBasis = entry.LegalBasis,
        GrantChain = string.Join('>', entry.GrantChain),
        PolicyVersion = entry.PolicyVersion,
        Decision = entry.Decision,
        Reason = entry.Reason,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Access log batch of {EntryCount} entries failed ({ExceptionType}); the accesses were refused")]
    private static partial void LogAppendFailed(ILogger logger, int entryCount, string exceptionType);

    private sealed record PendingAppend(IReadOnlyList<AccessLogEntry> Entries, TaskCompletionSource<IReadOnlyList<AccessLogReceipt>> Completion);
}
