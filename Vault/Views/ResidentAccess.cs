using DataVault.Vault.Api;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Views;

/// <summary>Where a field's right came from: the policy, a grant, or a break-glass.</summary>
public enum RightSource
{
    Policy,
    Grant,
    BreakGlass,
}

/// <summary>
/// One field of a view: the fidelity served on a read, and the highest right the caller holds.
/// They differ for a writable field (served clear) and for L4 and L5 fields held in the clear: a read
/// serves those masked, and the clear value leaves only through a logged, reasoned reveal (DESIGN.md,
/// "Field classification", L4).
/// </summary>
public sealed record FieldAccess(FieldDefinition Field, Fidelity Served, Fidelity Held, RightSource Source)
{
    public bool Revealable => Held >= Fidelity.Clear && Served < Fidelity.Clear;

    /// <summary>May the caller change this field? Only a <c>write</c> right says so; <c>clear</c> is a read right.</summary>
    public bool Writable => Held == Fidelity.Write;
}

/// <summary>
/// What one caller may see of one resident for one purpose, under one policy version: the fields
/// (in schema order, the ones at <c>none</c> left out), the grant chains and break-glass used, and the
/// legal basis the access log records. An empty view means the resident is outside the caller's
/// reach: the API answers 404, exactly as for a resident that does not exist.
/// </summary>
public sealed record ResidentAccess(
    CallerContext Caller,
    Purpose Purpose,
    ResidentLocation Resident,
    IReadOnlyList<FieldAccess> Fields,
    IReadOnlyList<string> GrantChain,
    string? BreakGlassId,
    string LegalBasis,
    string PolicyVersion)
{
    public bool IsEmpty => Fields.Count == 0;

    /// <summary>The reason stated for the break-glass that widened this view, if one did.</summary>
    public string? BreakGlassReason { get; init; }

    public FieldAccess? Find(string fieldKey) => Fields.FirstOrDefault(f => f.Field.Key == fieldKey);
}
