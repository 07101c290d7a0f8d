using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Integrity;
using DataVault.Vault.Residents;

namespace DataVault.Vault.Views;

/// <summary>
/// A resident as one caller may see them: the projected fields (only those the view allows: even
/// the community is a field, absent when not allowed), the L4+ fields the caller may reveal, the
/// grants or break-glass that widened the view, and the log entry that recorded the access.
/// <see cref="Version"/> is the record's version, the ETag for a conditional update.
/// </summary>
public sealed record ResidentView(
    string Id,
    int Version,
    string Purpose,
    string PolicyVersion,
    IReadOnlyDictionary<string, ServedValue> Fields,
    IReadOnlyList<string> Revealable,
    IReadOnlyList<string> GrantChain,
    string? BreakGlass,
    AccessLogReference Log);

/// <summary>
/// A resident of a list, lookup or export that was not served because its stored record failed its
/// integrity check (<see cref="Code"/> is <c>record_integrity_failed</c>); the privacy officers see it as an incident.
/// </summary>
public sealed record WithheldResident(string Id, string Code);

/// <summary>Where the access that served a view was recorded (the resident can fetch its inclusion proof).</summary>
public sealed record AccessLogReference(string LogId, long Index);

/// <summary>
/// Serves residents through scoped views. Every path here ends in the same two steps: project the
/// fields the caller's view allows, then append the access-log entries, awaited, before anything
/// is returned; if the log refuses, the caller gets the exception and no data (fail closed).
/// </summary>
internal sealed class ResidentViews(ResidentReader reader, AccessResolver resolver, AccessLogWriter log, IntegrityIncidents incidents)
{
    /// <summary>One resident by id; null when it does not exist or is outside the caller's reach (the API's 404).</summary>
    public async Task<ResidentView?> ReadAsync(CallerContext caller, Purpose purpose, string id, CancellationToken cancellationToken)
    {
        var read = await PrepareReadAsync(caller, purpose, id, cancellationToken);
        if (read is null)
        {
            return null;
        }
        var receipt = await log.AppendAsync(LogEntry(read.Access, AccessAction.Read, ServedOf(read.Access)), cancellationToken);
        return Project(read.Stored, read.Access, receipt);
    }

    /// <summary>A read decided and fetched, not yet logged: nothing of it may leave before its log entry is durable.</summary>
    internal sealed record PreparedRead(StoredResident Stored, ResidentAccess Access);

    /// <summary>
    /// The part of a read before the log: fetch, decide, open. Null when the resident does not exist or
    /// the view is empty (outside reach). Separate so the benchmark can time the log on its own.
    /// </summary>
    internal async Task<PreparedRead?> PrepareReadAsync(CallerContext caller, Purpose purpose, string id, CancellationToken cancellationToken)
    {
        // Decide before decrypting: the row's jurisdiction columns place the resident (the grid column is
        // written from the same validated value as the grid field), and only the fields the view serves are
        // opened. A resident outside reach is never decrypted at all.
        if (await RecordWithinReachAsync(caller, purpose, id, cancellationToken) is not (var record, var access))
        {
            return null;
        }
        return OpenForView(record, access);
    }

    /// <summary>
    /// Opens the buckets of <paramref name="record"/> that <paramref name="access"/> serves, no other.
    /// Fields served only as "recorded or not" stay sealed: their projection never reads the value.
    /// Throws <see cref="RecordIntegrityException"/> when the record fails to open.
    /// </summary>
    private PreparedRead OpenForView(ResidentRecord record, ResidentAccess access) => access.Fields is FieldAccessList list
        ? new PreparedRead(reader.Open(record, list.NeedsValue, list.PresenceOnly), access)
        : new PreparedRead(reader.Open(record, key => access.Find(key) is not null), access);

    /// <summary>
    /// Decides a sealed record's view on its row's jurisdiction columns and opens what that view serves;
    /// null (nothing opened) when the view is empty. Throws <see cref="RecordIntegrityException"/> when it fails to open.
    /// </summary>
    internal async ValueTask<PreparedRead?> PrepareAsync(CallerContext caller, Purpose purpose, ResidentRecord record, CancellationToken cancellationToken, Func<ResidentAccess, bool>? admit = null)
    {
        var access = await resolver.ResolveAsync(caller, purpose, LocationOf(record), cancellationToken);
        return access.IsEmpty || admit?.Invoke(access) == false ? null : OpenForView(record, access);
    }

    /// <summary>
    /// Serves a page of sealed records as <see cref="ServeAsync"/> does, deciding before decrypting: each
    /// record's view is resolved on its row's jurisdiction columns, a record outside it is skipped without
    /// being opened, and the others are opened only for the fields their view serves. A record that fails
    /// to open is withheld (a marker, and an integrity incident) while the rest of the page is served.
    /// <paramref name="admit"/>: a further condition on a view, checked before anything is opened (households
    /// serve only members whose view shows the household code).
    /// </summary>
    public async Task<(IReadOnlyList<ResidentView> Served, IReadOnlyList<WithheldResident> Withheld)> ServeRecordsAsync(
        CallerContext caller, Purpose purpose, AccessAction action, IReadOnlyList<ResidentRecord> records, CancellationToken cancellationToken,
        Func<ResidentAccess, bool>? admit = null)
    {
        var reads = new List<PreparedRead>(records.Count);
        var withheld = new List<WithheldResident>();
        foreach (var record in records)
        {
            try
            {
                if (await PrepareAsync(caller, purpose, record, cancellationToken, admit) is { } read)
                {
                    reads.Add(read);
                }
            }
            catch (RecordIntegrityException failure)
            {
                await incidents.RecordAsync(failure.Record, cancellationToken);
                withheld.Add(new WithheldResident(record.Id, WithheldRecord.Code));
            }
        }
        return (await LogAndProjectAsync(reads, action, cancellationToken), withheld);
    }

    /// <summary>Logs one entry per read in one durable commit, then projects each read with its receipt.</summary>
    /// <summary>
    /// Serves reads prepared elsewhere (each access possibly narrowed to some of its fields, as the change
    /// feed narrows an update to the fields that changed): one entry per read, all durable, then the views.
    /// </summary>
    internal Task<IReadOnlyList<ResidentView>> ServePreparedAsync(List<PreparedRead> reads, AccessAction action, CancellationToken cancellationToken) =>
        LogAndProjectAsync(reads, action, cancellationToken);

    private async Task<IReadOnlyList<ResidentView>> LogAndProjectAsync(List<PreparedRead> reads, AccessAction action, CancellationToken cancellationToken)
    {
        if (reads.Count == 0)
        {
            return [];
        }
        var receipts = await log.AppendAsync([.. reads.Select(r => LogEntry(r.Access, action, ServedOf(r.Access)))], cancellationToken);
        return [.. reads.Select((r, i) => Project(r, receipts[i]))];
    }

    /// <summary>
    /// One resident, fully opened, with the caller's access, for paths that act on the whole record
    /// (reveal, update). Null when it does not exist or is outside reach. Reach is decided on the row's
    /// jurisdiction columns before anything is opened, so a damaged record outside reach is a 404 like
    /// any other and a caller learns of an integrity failure only for a resident it may see.
    /// </summary>
    public async Task<(StoredResident Stored, ResidentAccess Access)?> FindWithinReachAsync(CallerContext caller, Purpose purpose, string id, CancellationToken cancellationToken, bool bulk = false)
    {
        return await RecordWithinReachAsync(caller, purpose, id, cancellationToken, bulk) is (var record, var access)
            ? (reader.Open(record, null), access)
            : null;
    }

    /// <summary>The sealed row and the caller's non-empty access to it, decided on the row's jurisdiction columns; null otherwise.</summary>
    private async Task<(ResidentRecord Record, ResidentAccess Access)?> RecordWithinReachAsync(CallerContext caller, Purpose purpose, string id, CancellationToken cancellationToken, bool bulk = false)
    {
        if (await reader.FindRecordAsync(id, cancellationToken) is not { } record)
        {
            return null;
        }
        var access = await resolver.ResolveAsync(caller, purpose, LocationOf(record), cancellationToken, bulk);
        return access.IsEmpty ? null : (record, access);
    }

    /// <summary>
    /// The markers of withheld records (failed to open) that the caller could have been served: a record
    /// outside the caller's view is left out silently, as it would have been had it opened.
    /// </summary>
    public async Task<IReadOnlyList<WithheldResident>> WithheldWithinReachAsync(CallerContext caller, Purpose purpose, IReadOnlyList<WithheldRecord> withheld, CancellationToken cancellationToken)
    {
        if (withheld.Count == 0)
        {
            return [];
        }
        var markers = new List<WithheldResident>(withheld.Count);
        foreach (var w in withheld)
        {
            var access = await resolver.ResolveAsync(caller, purpose, new ResidentLocation(w.Id, w.CommunityCode, w.GridCode), cancellationToken);
            if (!access.IsEmpty)
            {
                markers.Add(new WithheldResident(w.Id, WithheldRecord.Code));
            }
        }
        return markers;
    }

    private static IEnumerable<ServedField> ServedOf(ResidentAccess access) =>
        access.Fields is FieldAccessList list ? list.Served : access.Fields.Select(f => new ServedField(f.Field.Key, f.Served.Name()));

    /// <summary>The view of a prepared read, once its log entry is durable (the receipt proves it).</summary>
    internal static ResidentView Project(PreparedRead read, AccessLogReceipt receipt) => Project(read.Stored, read.Access, receipt);

    /// <summary>
    /// Projects stored residents for a caller, drops those outside reach, and logs one entry per
    /// resident served, all in one durable commit, before returning. Lists, lookups and exports use it.
    /// </summary>
    public async Task<IReadOnlyList<ResidentView>> ServeAsync(CallerContext caller, Purpose purpose, AccessAction action, IReadOnlyList<StoredResident> residents, CancellationToken cancellationToken)
    {
        var reads = new List<PreparedRead>(residents.Count);
        foreach (var stored in residents)
        {
            var access = await resolver.ResolveAsync(caller, purpose, LocationOf(stored), cancellationToken);
            if (!access.IsEmpty)
            {
                reads.Add(new PreparedRead(stored, access));
            }
        }
        return await LogAndProjectAsync(reads, action, cancellationToken);
    }

    /// <summary>The caller's access to a stored resident; <paramref name="bulk"/> as <see cref="AccessResolver.ResolveAsync"/> (no break-glass rights).</summary>
    public Task<ResidentAccess> ResolveAsync(CallerContext caller, Purpose purpose, StoredResident stored, CancellationToken cancellationToken, bool bulk = false) =>
        resolver.ResolveAsync(caller, purpose, LocationOf(stored), cancellationToken, bulk).AsTask();

    public static ResidentLocation LocationOf(StoredResident stored) => new(stored.Id, stored.CommunityCode, stored.Values.GetValueOrDefault("grid"));

    /// <summary>Where a sealed row places its resident: its jurisdiction columns (the grid column is written from the validated grid field).</summary>
    public static ResidentLocation LocationOf(ResidentRecord record) => new(record.Id, record.CommunityCode, record.GridCode);

    /// <summary>
    /// The access-log entry for an access: who, which client, purpose, legal basis, grants, policy
    /// version, fields and fidelity, and for a break-glass the reason its requester stated. Never a value.
    /// </summary>
    public static AccessLogEntry LogEntry(ResidentAccess access, AccessAction action, IEnumerable<ServedField> served) => new(
        access.Resident.ResidentId,
        access.Resident.DistrictCode,
        access.BreakGlassId is not null && action == AccessAction.Read ? AccessAction.BreakGlass : action,
        access.Caller.Subject,
        access.Caller.Unit,
        access.Caller.Role,
        access.Caller.ClientId,
        [.. served],
        access.Purpose.Code,
        access.LegalBasis,
        access.GrantChain,
        access.PolicyVersion,
        access.BreakGlassId is null ? "allow" : "allow:break-glass")
    {
        Reason = access.BreakGlassReason,
    };

    private static ResidentView Project(StoredResident stored, ResidentAccess access, AccessLogReceipt receipt)
    {
        var fields = new Dictionary<string, ServedValue>(access.Fields.Count, StringComparer.Ordinal);
        foreach (var f in access.Fields)
        {
            fields[f.Field.Key] = FieldProjector.Project(f.Field, f.Served, stored.Values.GetValueOrDefault(f.Field.Key));
        }
        return new ResidentView(
            stored.Id,
            stored.Version,
            access.Purpose.Code,
            access.PolicyVersion,
            fields,
            access.Fields is FieldAccessList list ? list.Revealable : [.. access.Fields.Where(f => f.Revealable).Select(f => f.Field.Key)],
            access.GrantChain,
            access.BreakGlassId,
            new AccessLogReference(receipt.LogId, receipt.Index));
    }
}
