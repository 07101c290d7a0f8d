using DataVault.Vault.Api;

namespace DataVault.Vault.Views;

/// <summary>Where a resident lives, as a decision needs it. The policy tests reach against the grid when there is one.</summary>
public sealed record ResidentLocation(string ResidentId, string CommunityCode, string? GridCode)
{
    public string DistrictCode => CommunityCode[..6];

    /// <summary>The <c>res_jur</c> of a policy request: the deepest jurisdiction the resident is in.</summary>
    public string Jurisdiction => GridCode ?? CommunityCode;
}

/// <summary>Why a right beyond the policy applies.</summary>
public enum ExtraRightKind
{
    /// <summary>A grant handed down from a unit that holds the right (DESIGN.md, "Grants").</summary>
    Grant,

    /// <summary>An approved emergency access (issue 5, item 5): every field in the clear, flagged in the resident's log.</summary>
    BreakGlass,
}

/// <summary>
/// One right a caller holds over one field of one resident beyond the policy, with the chain that
/// justifies it (grant ids from the root down, or the break-glass id), its legal basis and, for a
/// break-glass, the reason its requester stated (which the resident's log shows).
/// </summary>
public sealed record ExtraRight(string FieldKey, Fidelity Fidelity, ExtraRightKind Kind, IReadOnlyList<string> Chain, string LegalBasis, string? Reason = null);

/// <summary>
/// A source of rights beyond the policy (grants, break-glass). Every scoped read asks each one;
/// a source that cannot answer must throw rather than answer "nothing", so a broken store never
/// silently widens or narrows a view without an error.
/// </summary>
public interface IAccessExtension
{
    ValueTask<IReadOnlyList<ExtraRight>> RightsAsync(CallerContext caller, Purpose purpose, ResidentLocation resident, DateTimeOffset now, CancellationToken cancellationToken);
}
