using System.Buffers.Text;
using System.Data.Common;
using System.Globalization;
using System.Text;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Integrity;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Feed;

/// <summary>
/// One change as a department system receives it. <see cref="Kind"/>: <c>created</c>, <c>updated</c>,
/// <c>moved_in</c> (now within reach), <c>moved_out</c> (no longer within reach: no data, drop your
/// copy). <see cref="Changed"/> lists the changed keys the caller may see; <see cref="Resident"/>
/// carries those fields (every visible field for created and moved_in) as the view serves them now,
/// so its version may be newer than <see cref="Version"/>, the version the change made. Kind
/// <c>withheld</c>: the resident's stored record failed its integrity check, so nothing is sent
/// (<see cref="Withheld"/> is <c>record_integrity_failed</c>); the feed moves on, and the privacy
/// officers see the incident.
/// </summary>
public sealed record FeedChange(string Position, string Kind, string ResidentId, int Version, DateTimeOffset At, IReadOnlyList<string> Changed, ResidentView? Resident, string? Withheld = null);

/// <summary>A page of the feed: the changes, the cursor to pass next (always: follow it to stay current), and whether the journal was read to its end.</summary>
public sealed record FeedPage(IReadOnlyList<FeedChange> Changes, string Cursor, bool CaughtUp, int Scanned);

/// <summary>
/// The scoped change feed (issue 15, item 2; docs/feed.md). Reads the change journal of the caller's
/// district in commit order from a cursor, keeps the changes that concern the caller (the resident is
/// within its reach after the change, or was before it), projects each through the caller's view for the
/// stated purpose (only the changed fields it may see, at its fidelity), logs each delivery (action
/// <c>feed</c>) before the page leaves, and returns the next cursor. At least once: a client that
/// crashes before storing the cursor reads the same changes again; versions tell it what it has.
/// </summary>
internal sealed class ChangeFeed(IDbContextFactory<VaultDbContext> dbs, JurisdictionTree tree, ResidentViews views, AccessResolver resolver, AccessLogWriter log, IntegrityIncidents incidents)
{
    /// <summary>Journal rows one request reads at most, delivered or not: a quiet caller's request stays bounded.</summary>
    public const int MaxScanned = 1_000;

    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public async Task<(FeedPage? Page, string? Problem)> ReadAsync(CallerContext caller, Purpose purpose, string? cursor, bool fromNow, int limit, CancellationToken ct)
    {
        var district = tree.Find(caller.Jurisdiction)?.DistrictCode;
        if (district is null)
        {
            return (null, "您的单位不在辖区树中 / Your unit's jurisdiction is not in the tree.");
        }
        var position = FeedPosition.Start;
        if (cursor is not null && !FeedCursor.TryRead(cursor, caller, purpose, out position))
        {
            return (null, "cursor 无效，或不是为此单位和用途签发的 / Not a cursor this feed issued to your unit for this purpose.");
        }
        await using var db = await dbs.CreateDbContextAsync(ct);
        var postgres = !db.Database.IsSqlite();
        if (cursor is null && fromNow)
        {
            position = await EndAsync(db, district, postgres, ct);
            return (new FeedPage([], FeedCursor.Write(caller, purpose, position), true, 0), null);
        }

        var (rows, held) = await JournalAsync(db, district, position, postgres, MaxScanned, ct);
        // The newest change of each resident in this read stands for its earlier ones (its view is the
        // same current state, with the keys of all of them), so a resident written ten times is sent once.
        var newest = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            newest[rows[i].ResidentId] = i;
        }
        var changes = new List<Pending>();
        var folds = new Dictionary<string, Fold>(StringComparer.Ordinal);
        // Residents whose earlier changes were folded and whose newest change of this read is not reached
        // yet: each will be delivered in this page either way, so each counts against the limit now.
        var open = 0;
        var processed = 0;
        for (; processed < rows.Count && changes.Count + open < limit; processed++)
        {
            var row = rows[processed];
            if (!folds.TryGetValue(row.ResidentId, out var fold))
            {
                folds[row.ResidentId] = fold = new Fold(row);
                open++;
            }
            fold.Add(row);
            if (newest[row.ResidentId] != processed)
            {
                continue;
            }
            fold.Delivered = true;
            open--;
            if (await DeliveryAsync(caller, purpose, fold, ct) is { } pending)
            {
                changes.Add(pending);
            }
        }
        // Stopped at the limit with a resident's newest change not reached: deliver it as of its last
        // change read (the view is its current state anyway), so the cursor always moves on. Its later
        // change comes again in a following page: at least once.
        foreach (var fold in folds.Values.Where(f => !f.Delivered))
        {
            if (await DeliveryAsync(caller, purpose, fold, ct) is { } pending)
            {
                changes.Add(pending);
            }
        }
        changes.Sort((a, b) => a.Row.Txid != b.Row.Txid ? a.Row.Txid.CompareTo(b.Row.Txid) : a.Row.Seq.CompareTo(b.Row.Seq));
        var reached = processed == 0 ? position : new FeedPosition(rows[processed - 1].Txid, rows[processed - 1].Seq);
        var caughtUp = processed == rows.Count && rows.Count < MaxScanned && !held;

        // One durable commit for the page's deliveries, before any of it leaves.
        var reads = changes.Where(c => c.Read is not null).Select(c => c.Read!).ToList();
        var served = await views.ServePreparedAsync(reads, AccessAction.Feed, ct);
        var byId = served.ToDictionary(v => v.Id, StringComparer.Ordinal);
        var movedOut = changes.Where(c => c.Read is null && c.Kind == "moved_out")
            .Select(c => new AccessLogEntry(c.Row.ResidentId, c.Row.DistrictCode, AccessAction.Feed, caller.Subject, caller.Unit, caller.Role, caller.ClientId,
                [], purpose.Code, purpose.LegalBasis, [], c.PolicyVersion, "allow") { Reason = "迁出您的辖区，不再同步 / moved out of your reach: no longer sent" })
            .ToList();
        if (movedOut.Count > 0)
        {
            // A "moved out" delivery tells the caller the resident left: logged with no field, so the resident sees it was told.
            await log.AppendAsync(movedOut, ct);
        }
        var page = changes.Select(c => new FeedChange(
            new FeedPosition(c.Row.Txid, c.Row.Seq).ToString(), c.Kind, c.Row.ResidentId, c.Row.Version,
            DateTimeOffset.FromUnixTimeMilliseconds(c.Row.AtUnixMs), c.Changed, byId.GetValueOrDefault(c.Row.ResidentId),
            c.Kind == Withheld ? WithheldRecord.Code : null)).ToList();
        return (new FeedPage(page, FeedCursor.Write(caller, purpose, reached), caughtUp, processed), null);
    }

    private const string Withheld = "withheld";

    private sealed record Pending(ResidentChangeRow Row, string Kind, IReadOnlyList<string> Changed, ResidentViews.PreparedRead? Read, string PolicyVersion);

    /// <summary>A resident's changes within one read, folded into one delivery: where it lived before the first, whether one created it, every key changed, and the last one read.</summary>
    private sealed class Fold(ResidentChangeRow first)
    {
        public ResidentChangeRow First { get; } = first;
        public ResidentChangeRow Last { get; private set; } = first;
        public bool Created { get; private set; }
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        public bool Delivered { get; set; }

        public void Add(ResidentChangeRow row)
        {
            Last = row;
            Created |= row.Kind == ResidentChangeRow.Created;
            Keys.UnionWith(row.Keys.Split(',', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    /// <summary>
    /// What a resident's folded changes mean to the caller: null when they do not concern it (never
    /// within its reach, or nothing it may see changed); <c>moved_out</c> when the resident was within
    /// reach before the first change and is not now; else the resident's current record narrowed to the
    /// changed fields the caller may see (every visible field for a new resident or one that moved into reach).
    /// </summary>
    private async Task<Pending?> DeliveryAsync(CallerContext caller, Purpose purpose, Fold fold, CancellationToken ct)
    {
        var first = fold.First;
        var before = await resolver.ResolveAsync(caller, purpose, new ResidentLocation(first.ResidentId, first.FromCommunity ?? first.ToCommunity, first.FromCommunity is null ? first.ToGrid : first.FromGrid), ct, bulk: true);
        // A resident created within these changes was nowhere before them.
        var wasIn = !fold.Created && !before.IsEmpty;
        var row = fold.Last;
        (StoredResident Stored, ResidentAccess Access)? now;
        try
        {
            now = await views.FindWithinReachAsync(caller, purpose, row.ResidentId, ct, bulk: true);
        }
        catch (RecordIntegrityException failure)
        {
            // A damaged record must not stop the feed for everyone behind it: marked, never sent, and
            // only to a caller that could have been served it (reach is decided on the row's columns first).
            await incidents.RecordAsync(failure.Record, ct);
            return new Pending(row, Withheld, [], null, before.PolicyVersion);
        }
        if (now is not (var stored, var access))
        {
            return wasIn ? new Pending(row, "moved_out", [], null, before.PolicyVersion) : null;
        }
        var kind = fold.Created ? "created" : wasIn ? "updated" : "moved_in";
        List<FieldAccess> visible = kind == "updated" ? [.. access.Fields.Where(f => fold.Keys.Contains(f.Field.Key))] : [.. access.Fields];
        if (visible.Count == 0)
        {
            return null;
        }
        var narrowed = access with { Fields = new FieldAccessList(visible) };
        return new Pending(row, kind, [.. visible.Select(f => f.Field.Key)], new ResidentViews.PreparedRead(stored, narrowed), access.PolicyVersion);
    }

    /// <summary>
    /// The first transaction id the feed may not read past on PostgreSQL: the oldest transaction of this
    /// database still running at the statement's snapshot, or the snapshot's xmax when none is. Every
    /// transaction below it has ended and every later one gets a higher id, so the rows below it only
    /// grow past a cursor, never behind it. Transactions of other databases in the cluster cannot write
    /// this journal and do not hold it back; a transaction whose database cannot be told any more (it
    /// ended meanwhile) counts, which is the safe side. xip holds 64-bit ids, backend_xid their low 32 bits.
    /// </summary>
    private const string PostgresHorizon = """
        (SELECT LEAST(pg_snapshot_xmax(s.snap)::text::bigint,
                (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s.snap) AS x
                 WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                                   WHERE a.backend_xid IS NOT NULL AND a.datname IS DISTINCT FROM current_database()
                                     AND a.backend_xid::text::bigint = x::text::bigint % 4294967296)))
         FROM (SELECT pg_current_snapshot() AS snap) s)
        """;

    /// <summary>How long a read waits, at most, for older transactions of this database to end when newer committed changes wait behind them.</summary>
    private static readonly TimeSpan HeldWait = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// The journal after <paramref name="after"/>, in (txid, seq) order; on PostgreSQL only below
    /// <see cref="PostgresHorizon"/>. <c>Held</c>: committed changes wait behind a transaction still
    /// running (the read waits up to <see cref="HeldWait"/> for it, so a change committed before the
    /// poll arrives in it unless an older transaction runs that long). SQLite has one writer: seq is commit order.
    /// </summary>
    private static async Task<(List<ResidentChangeRow> Rows, bool Held)> JournalAsync(VaultDbContext db, string district, FeedPosition after, bool postgres, int take, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + HeldWait;
        for (var wait = 5; ; wait = Math.Min(wait * 2, 80))
        {
            var (rows, held) = await JournalOnceAsync(db, district, after, postgres, take, ct);
            if (!held || rows.Count >= take || DateTime.UtcNow >= deadline)
            {
                return (rows, held);
            }
            await Task.Delay(wait, ct);
        }
    }

    private static async Task<(List<ResidentChangeRow> Rows, bool Held)> JournalOnceAsync(VaultDbContext db, string district, FeedPosition after, bool postgres, int take, CancellationToken ct)
    {
        var sql = postgres
            ? "WITH h AS MATERIALIZED (SELECT " + PostgresHorizon + " AS below) " +
              "SELECT seq, txid, district_code, resident_id, kind, keys, from_community, from_grid, to_community, to_grid, version, at_ms, txid >= h.below FROM resident_changes, h "
            : "SELECT seq, txid, district_code, resident_id, kind, keys, from_community, from_grid, to_community, to_grid, version, at_ms, 0 FROM resident_changes ";
        sql += $"WHERE district_code = @district AND (txid > @txid OR (txid = @txid AND seq > @seq)) ORDER BY txid, seq LIMIT {take.ToString(CultureInfo.InvariantCulture)}";
        await db.Database.OpenConnectionAsync(ct);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        Add(command, "@district", district);
        Add(command, "@txid", after.Txid);
        Add(command, "@seq", after.Seq);
        var rows = new List<ResidentChangeRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            // Rows at or past the horizon come last in (txid, seq) order: the first one ends the read.
            if (reader.GetBoolean(12))
            {
                return (rows, true);
            }
            rows.Add(new ResidentChangeRow
            {
                Seq = reader.GetInt64(0),
                Txid = reader.GetInt64(1),
                DistrictCode = reader.GetString(2),
                ResidentId = reader.GetString(3),
                Kind = reader.GetString(4),
                Keys = reader.GetString(5),
                FromCommunity = reader.IsDBNull(6) ? null : reader.GetString(6),
                FromGrid = reader.IsDBNull(7) ? null : reader.GetString(7),
                ToCommunity = reader.GetString(8),
                ToGrid = reader.IsDBNull(9) ? null : reader.GetString(9),
                Version = reader.GetInt32(10),
                AtUnixMs = reader.GetInt64(11),
            });
        }
        return (rows, false);
    }

    /// <summary>The position after the newest change visible now and below the horizon (a feed that starts "from now").</summary>
    private static async Task<FeedPosition> EndAsync(VaultDbContext db, string district, bool postgres, CancellationToken ct)
    {
        var horizon = postgres ? " AND txid < " + PostgresHorizon : "";
        await db.Database.OpenConnectionAsync(ct);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"SELECT txid, seq FROM resident_changes WHERE district_code = @district{horizon} ORDER BY txid DESC, seq DESC LIMIT 1";
        Add(command, "@district", district);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new FeedPosition(reader.GetInt64(0), reader.GetInt64(1)) : FeedPosition.Start;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}

/// <summary>A place in the journal: (txid, seq), compared in that order. <c>0.0</c> is before the first change.</summary>
public readonly record struct FeedPosition(long Txid, long Seq)
{
    public static readonly FeedPosition Start = new(0, 0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Txid}.{Seq}");

    public static bool TryParse(string text, out FeedPosition position)
    {
        var dot = text.IndexOf('.');
        position = Start;
        if (dot <= 0 || !long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var txid)
            || !long.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }
        position = new FeedPosition(txid, seq);
        return true;
    }
}

/// <summary>
/// The opaque cursor: a journal position bound to the unit and purpose it was issued for. It grants
/// nothing: every change behind it is decided again for the caller when read.
/// </summary>
internal static class FeedCursor
{
    public static string Write(CallerContext caller, Purpose purpose, FeedPosition position) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"f1|{caller.Unit}|{purpose.Code}|{position}"));

    public static bool TryRead(string cursor, CallerContext caller, Purpose purpose, out FeedPosition position)
    {
        position = FeedPosition.Start;
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return false;
        }
        var parts = Encoding.UTF8.GetString(bytes).Split('|');
        return parts.Length == 4 && parts[0] == "f1" && parts[1] == caller.Unit && parts[2] == purpose.Code && FeedPosition.TryParse(parts[3], out position);
    }
}
