using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Grants;

/// <summary>
/// The grants table, and an in-memory set of the grants that can still be in force, reloaded after
/// every change this node makes and at least once a second (<see cref="SharedTableCache"/>). Whether
/// a grant applies is always decided against the request's <c>now</c>, never cached, so an expired
/// grant stops on the next request; a revocation on this node stops on the next request too, and one
/// made on another node within <see cref="SharedTableCache.MaxStaleness"/>.
/// </summary>
internal sealed class GrantStore(IDbContextFactory<VaultDbContext> contexts, TimeProvider time, SharedChanges changes)
{
    private readonly SharedTableCache _cache = new(time, changes, "grants");
    private GrantSet _current = GrantSet.Empty;

    public async ValueTask<GrantSet> CurrentAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _current);
        var stamp = _cache.Current;
        if (current.Stamp == stamp)
        {
            return current;
        }
        // Read the counter before loading: a change committed during the load bumps it again, so the
        // set loaded here is replaced on the next request rather than kept.
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<GrantRow>().AsNoTracking().Where(g => g.RevokedAt == null && g.ValidUntil > now).ToListAsync(cancellationToken);
        var loaded = new GrantSet(rows.Select(Grant.FromRow), stamp);
        Volatile.Write(ref _current, loaded);
        return loaded;
    }

    public async Task<Grant?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<GrantRow>().AsNoTracking().FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        return row is null ? null : Grant.FromRow(row);
    }

    public async Task InsertAsync(GrantRow row, CancellationToken cancellationToken)
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

    /// <summary>
    /// Revokes a grant and every grant below it, in one transaction; returns the ids newly revoked.
    /// A child created concurrently with the revocation and missed here still stops at use time:
    /// a chain is in force only while every ancestor is.
    /// </summary>
    public async Task<IReadOnlyList<string>> RevokeAsync(string id, string revokedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var root = await db.Set<GrantRow>().FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
            if (root is null)
            {
                return [];
            }
            var district = await db.Set<GrantRow>().Where(g => g.DistrictCode == root.DistrictCode && g.ParentId != null).ToListAsync(cancellationToken);
            var children = district.ToLookup(g => g.ParentId!, StringComparer.Ordinal);
            var revoked = new List<string>();
            var queue = new Queue<GrantRow>([root]);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (queue.TryDequeue(out var grant))
            {
                if (!seen.Add(grant.Id))
                {
                    continue;
                }
                if (grant.RevokedAt is null)
                {
                    grant.RevokedAt = now.UtcDateTime;
                    grant.RevokedBy = revokedBy;
                    revoked.Add(grant.Id);
                }
                foreach (var child in children[grant.Id])
                {
                    queue.Enqueue(child);
                }
            }
            await db.SaveChangesAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
            return revoked;
        }
        finally
        {
            _cache.Changed();
        }
    }

    /// <summary>Grants issued by or to a unit, newest first, after an opaque position.</summary>
    public async Task<IReadOnlyList<Grant>> ListAsync(string unit, bool issued, bool received, (DateTime CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Set<GrantRow>().AsNoTracking().Where(g => (issued && g.GrantorUnit == unit) || (received && g.GranteeUnit == unit));
        if (after is { } a)
        {
            query = query.Where(g => g.CreatedAt < a.CreatedAt || (g.CreatedAt == a.CreatedAt && string.Compare(g.Id, a.Id) < 0));
        }
        var rows = await query.OrderByDescending(g => g.CreatedAt).ThenByDescending(g => g.Id).Take(limit).ToListAsync(cancellationToken);
        return [.. rows.Select(Grant.FromRow)];
    }
}
