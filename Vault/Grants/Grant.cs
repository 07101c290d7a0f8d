using DataVault.Identity.Units;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;

namespace DataVault.Vault.Grants;

/// <summary>A unit (role held in a jurisdiction, with a department for caseworkers) as a grant names it.</summary>
public sealed record GrantUnit(string Role, string Jurisdiction, string? Department)
{
    public string Unit => UnitRoles.UnitName(Role, Jurisdiction, Department);
}

/// <summary>
/// One grant: the grantor unit lets the grantee unit see <see cref="Fields"/> up to
/// <see cref="MaxFidelity"/> for one purpose, within a window. A root grant (no parent) is backed by
/// the grantor's policy rights; a child by the parent grant its grantor holds.
/// </summary>
internal sealed record Grant(
    string Id,
    string DistrictCode,
    string? ParentId,
    string GrantorSubject,
    GrantUnit Grantor,
    GrantUnit Grantee,
    IReadOnlyList<string> Fields,
    Fidelity MaxFidelity,
    string Purpose,
    string LegalBasis,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    string? RevokedBy)
{
    /// <summary>In force at <paramref name="now"/>: not revoked and inside [valid_from, valid_until).</summary>
    public bool IsInForceAt(DateTimeOffset now) => RevokedAt is null && ValidFrom <= now && now < ValidUntil;

    public string Status(DateTimeOffset now) =>
        RevokedAt is not null ? "revoked" : now < ValidFrom ? "scheduled" : now >= ValidUntil ? "expired" : "active";

    public static Grant FromRow(GrantRow r)
    {
        FidelityNames.TryParse(r.MaxFidelity, out var fidelity);
        return new Grant(
            r.Id,
            r.DistrictCode,
            r.ParentId,
            r.GrantorSubject,
            new GrantUnit(r.GrantorRole, r.GrantorJurisdiction, r.GrantorDepartment),
            new GrantUnit(r.GranteeRole, r.GranteeJurisdiction, r.GranteeDepartment),
            r.Fields.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            fidelity,
            r.Purpose,
            r.LegalBasis,
            Utc(r.ValidFrom),
            Utc(r.ValidUntil),
            Utc(r.CreatedAt),
            r.RevokedAt is { } revoked ? Utc(revoked) : null,
            r.RevokedBy);
    }

    // SQLite hands DateTimes back as Unspecified; every stored time is UTC.
    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

/// <summary>
/// The grants that can still be in force, as of one store change: by id and by grantee unit.
/// Revoked grants and grants expired when the set was loaded are left out; a chain whose ancestor is
/// missing from the set is therefore not in force (fail closed).
/// </summary>
internal sealed class GrantSet
{
    private readonly Dictionary<string, Grant> _byId;
    private readonly Dictionary<string, Grant[]> _byGrantee;

    public GrantSet(IEnumerable<Grant> grants, CacheStamp stamp)
    {
        _byId = grants.ToDictionary(g => g.Id, StringComparer.Ordinal);
        _byGrantee = _byId.Values.GroupBy(g => g.Grantee.Unit, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        Stamp = stamp;
    }

    /// <summary>The store's change counter this set was loaded at.</summary>
    public CacheStamp Stamp { get; }

    public static readonly GrantSet Empty = new([], new CacheStamp(-1, -1));

    public Grant? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Every grant of the set, in no particular order.</summary>
    public IEnumerable<Grant> All => _byId.Values;

    public IReadOnlyList<Grant> ReceivedBy(string unit) => _byGrantee.GetValueOrDefault(unit) ?? [];

    /// <summary>The chain root → <paramref name="leaf"/>, or null when an ancestor is no longer in the set.</summary>
    public IReadOnlyList<Grant>? ChainOf(Grant leaf)
    {
        var chain = new List<Grant> { leaf };
        var current = leaf;
        while (current.ParentId is { } parentId)
        {
            // A chain deeper than the set is a cycle: impossible by construction, refused anyway.
            if (chain.Count > _byId.Count || !_byId.TryGetValue(parentId, out var parent))
            {
                return null;
            }
            chain.Add(parent);
            current = parent;
        }
        chain.Reverse();
        return chain;
    }
}
