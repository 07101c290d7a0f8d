using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.BreakGlass;

/// <summary>An approved break-glass as the view needs it: who, which resident, from when until when.</summary>
internal sealed record ActiveBreakGlass(string Id, string RequesterSubject, string RequesterUnit, string ResidentId, string CaseId, string Reason, DateTimeOffset From, DateTimeOffset Until);

/// <summary>
/// The break-glass table, and the approved requests that had not expired when last loaded, reloaded
/// after every write of this node and at least once a second (<see cref="SharedTableCache"/>: an
/// "unjustified" review on another node ends the access within a second). Whether one is active is
/// decided on every request against its <c>now</c>, so expiry needs no write.
/// </summary>
internal sealed class BreakGlassStore(IDbContextFactory<VaultDbContext> contexts, TimeProvider time, SharedChanges changes)
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    private readonly SharedTableCache _cache = new(time, changes, "break_glass");
    private ActiveSet _active = new(new CacheStamp(-1, -1), Enumerable.Empty<ActiveBreakGlass>().ToLookup(a => a.RequesterSubject));

    private sealed record ActiveSet(CacheStamp Stamp, ILookup<string, ActiveBreakGlass> BySubject);

    public async ValueTask<IEnumerable<ActiveBreakGlass>> ApprovedForAsync(string subject, CancellationToken cancellationToken) =>
        (await ActiveSetAsync(cancellationToken)).BySubject[subject];

    /// <summary>Every approved break-glass unexpired when last loaded (whether one is active is still the caller's <c>now</c> to decide).</summary>
    public async ValueTask<IEnumerable<ActiveBreakGlass>> ApprovedAsync(CancellationToken cancellationToken) =>
        (await ActiveSetAsync(cancellationToken)).BySubject.SelectMany(g => g);

    private async ValueTask<ActiveSet> ActiveSetAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _active);
        var stamp = _cache.Current;
        if (current.Stamp != stamp)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var rows = await db.Set<BreakGlassRow>().AsNoTracking()
                .Where(r => r.Status == Approved && r.ExpiresAt > now)
                .Select(r => new { r.Id, r.RequesterSubject, r.RequesterUnit, r.ResidentId, r.CaseId, r.Reason, r.DecidedAt, r.ExpiresAt })
                .ToListAsync(cancellationToken);
            var lookup = rows.Select(r => new ActiveBreakGlass(r.Id, r.RequesterSubject, r.RequesterUnit, r.ResidentId, r.CaseId, r.Reason, Utc(r.DecidedAt!.Value), Utc(r.ExpiresAt!.Value)))
                .ToLookup(a => a.RequesterSubject, StringComparer.Ordinal);
            current = new ActiveSet(stamp, lookup);
            Volatile.Write(ref _active, current);
        }
        return current;
    }

    public async Task<BreakGlassRow?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<BreakGlassRow>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
    }

    public async Task InsertAsync(BreakGlassRow row, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.Add(row);
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            _cache.Changed();
        }
    }

    /// <summary>Moves a pending request to approved or rejected; false when it was no longer pending (a concurrent decision won).</summary>
    public async Task<bool> DecideAsync(string id, bool approve, string decidedBy, DateTime at, DateTime? expiresAt, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var status = approve ? Approved : Rejected;
            return await db.Set<BreakGlassRow>().Where(r => r.Id == id && r.Status == Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.DecidedBy, decidedBy)
                    .SetProperty(r => r.DecidedAt, at).SetProperty(r => r.ExpiresAt, expiresAt), cancellationToken) == 1;
        }
        finally
        {
            _cache.Changed();
        }
    }

    /// <summary>Undoes a decision whose log entry could not be written (fail closed: no approval without its entry).</summary>
    public async Task UndecideAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await db.Set<BreakGlassRow>().Where(r => r.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, Pending).SetProperty(r => r.DecidedBy, (string?)null)
                    .SetProperty(r => r.DecidedAt, (DateTime?)null).SetProperty(r => r.ExpiresAt, (DateTime?)null), cancellationToken);
        }
        finally
        {
            _cache.Changed();
        }
    }

    /// <summary>Records a review of an approved, unreviewed request; an "unjustified" one also ends it now. False when already reviewed.</summary>
    public async Task<bool> ReviewAsync(string id, string outcome, string note, string reviewedBy, DateTime at, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var unjustified = outcome == "unjustified";
            return await db.Set<BreakGlassRow>().Where(r => r.Id == id && r.Status == Approved && r.ReviewedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ReviewOutcome, outcome).SetProperty(r => r.ReviewNote, note)
                    .SetProperty(r => r.ReviewedBy, reviewedBy).SetProperty(r => r.ReviewedAt, at)
                    .SetProperty(r => r.ExpiresAt, r => unjustified && r.ExpiresAt > at ? at : r.ExpiresAt), cancellationToken) == 1;
        }
        finally
        {
            _cache.Changed();
        }
    }

    /// <summary>Requests of a district (or of one requester), newest first, filtered by status, after an opaque position.</summary>
    public async Task<IReadOnlyList<BreakGlassRow>> ListAsync(string? district, string? requester, string? status, DateTime now, (DateTime At, string Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Set<BreakGlassRow>().AsNoTracking();
        if (district is not null)
        {
            query = query.Where(r => r.DistrictCode == district);
        }
        if (requester is not null)
        {
            query = query.Where(r => r.RequesterSubject == requester);
        }
        query = status switch
        {
            "pending" => query.Where(r => r.Status == Pending),
            "rejected" => query.Where(r => r.Status == Rejected),
            "active" => query.Where(r => r.Status == Approved && r.ExpiresAt > now),
            "expired" => query.Where(r => r.Status == Approved && r.ExpiresAt <= now),
            "pending_review" => query.Where(r => r.Status == Approved && r.ReviewedAt == null),
            "reviewed" => query.Where(r => r.ReviewedAt != null),
            _ => query,
        };
        if (after is { } a)
        {
            query = query.Where(r => r.RequestedAt < a.At || (r.RequestedAt == a.At && string.Compare(r.Id, a.Id) < 0));
        }
        return await query.OrderByDescending(r => r.RequestedAt).ThenByDescending(r => r.Id).Take(limit).ToListAsync(cancellationToken);
    }

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
