using DataVault.Identity.Storage;
using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Encryption;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Me;

/// <summary>How a signed-in resident's account relates to the resident records.</summary>
public enum LinkStatus
{
    /// <summary>Exactly one record: it is "me".</summary>
    Linked,

    /// <summary>The caller is not a resident signed in as a person (officers, API clients): the /me API does not exist for them.</summary>
    NotAResident,

    /// <summary>No record in the resident's community carries the account's phone number.</summary>
    NotLinked,

    /// <summary>Several records carry it (a shared household phone): none is picked, the resident is told what to do.</summary>
    Shared,
}

/// <summary>The outcome of linking an account to a record; <see cref="Resident"/> is set only when <see cref="LinkStatus.Linked"/>.</summary>
internal sealed record LinkResult(LinkStatus Status, StoredResident? Resident);

/// <summary>
/// Links a resident's sign-in to their record. The token says who signed in (<c>sub</c>, the identity
/// user) and where they live (<c>dv_jurisdiction</c>, their community); the identity store holds the
/// phone number they proved with a one-time code. The record is the one resident of that community
/// whose phone blind index matches: the phone is never decrypted or compared in the clear, and a
/// resident of another community with the same number is never reached.
/// </summary>
internal sealed class ResidentLink(IServiceScopeFactory scopes, IDbContextFactory<VaultDbContext> dbFactory, BlindIndexer indexer, ResidentReader reader)
{
    public async Task<LinkResult> ResolveAsync(CallerContext caller, CancellationToken cancellationToken)
    {
        if (caller.Kind != "user" || caller.Role != UnitRoles.Resident || caller.Jurisdiction.Length < 12)
        {
            return new LinkResult(LinkStatus.NotAResident, null);
        }
        var community = caller.Jurisdiction[..12];

        string? phone;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<VaultUser>>();
            var user = await users.FindByIdAsync(caller.Subject);
            // The account must still be the resident the token describes (a role change or a moved
            // account ends the link at once, not when the token expires).
            phone = user is { Role: UnitRoles.Resident, PhoneNumberConfirmed: true } && user.Jurisdiction == caller.Jurisdiction ? user.PhoneNumber : null;
        }
        if (phone is null)
        {
            return new LinkResult(LinkStatus.NotLinked, null);
        }

        var index = indexer.Compute(BlindIndexKind.Phone, phone);
        List<string> ids;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            ids = await db.Set<ResidentRow>().AsNoTracking()
                .Where(r => r.PhoneIndex == index && r.CommunityCode == community)
                .Select(r => r.Id).Take(2).ToListAsync(cancellationToken);
        }
        if (ids.Count > 1)
        {
            return new LinkResult(LinkStatus.Shared, null);
        }
        var resident = ids.Count == 1 ? await reader.FindAsync(ids[0], cancellationToken) : null;
        return resident is null ? new LinkResult(LinkStatus.NotLinked, null) : new LinkResult(LinkStatus.Linked, resident);
    }
}
