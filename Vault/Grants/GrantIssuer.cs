using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Grants;

/// <summary>The body of <c>POST /api/v1/grants</c>. <see cref="Fields"/> may name <c>cat:&lt;category&gt;</c>; the grant stores the expanded keys.</summary>
public sealed record GrantRequest(
    string? ParentId,
    string? GranteeRole,
    string? GranteeJurisdiction,
    string? GranteeDepartment,
    IReadOnlyList<string>? Fields,
    string? MaxFidelity,
    string? Purpose,
    string? LegalBasis,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil);

/// <summary>Why a grant would exceed its grantor: the field key (or null for the whole grant) and the reason. Never a value.</summary>
public sealed record GrantViolation(string? Field, string Reason);

/// <summary>The outcome of issuing a grant: exactly one of the members is set.</summary>
internal sealed record GrantOutcome(Grant? Issued, IReadOnlyDictionary<string, string[]>? Invalid, IReadOnlyList<GrantViolation>? Exceeds, bool ParentNotFound)
{
    public static GrantOutcome Ok(Grant grant) => new(grant, null, null, false);

    public static GrantOutcome Bad(Dictionary<string, string[]> errors) => new(null, errors, null, false);

    public static GrantOutcome Exceeding(IReadOnlyList<GrantViolation> violations) => new(null, null, violations, false);

    public static readonly GrantOutcome NoParent = new(null, null, null, true);
}

/// <summary>
/// Issues grants, refusing every one that would let the grantee see more than the grantor holds
/// (attenuation; DESIGN.md, "Grants"): each field's fidelity at most what the grantor holds for the
/// purpose over the grantee's jurisdiction (its policy decision for a root grant, what the parent
/// chain yields for a child), the parent's purpose and window, downward in the territory, never L5,
/// never to the grantor's own unit.
/// </summary>
internal sealed class GrantIssuer(GrantStore store, GrantChains chains, ViewDecider decider, PurposeCatalog purposes, TimeProvider time)
{
    public const int MaxFields = 100;
    public const int MaxLegalBasis = 1000;

    public async Task<GrantOutcome> IssueAsync(CallerContext grantor, GrantRequest request, string? id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var schema = chains.Schema;

        var granteeRole = request.GranteeRole?.Trim() ?? "";
        var granteeJurisdiction = request.GranteeJurisdiction?.Trim() ?? "";
        var granteeDepartment = string.IsNullOrWhiteSpace(request.GranteeDepartment) ? null : request.GranteeDepartment.Trim();
        if (UnitRoles.Validate(granteeRole, granteeJurisdiction, granteeDepartment) is { } unitError)
        {
            errors["grantee"] = [unitError];
        }
        else if (granteeRole == UnitRoles.Resident)
        {
            errors["granteeRole"] = ["a grant goes to a unit of staff, never to a resident"];
        }
        else if (!chains.IsKnownJurisdiction(granteeJurisdiction))
        {
            errors["granteeJurisdiction"] = [$"'{granteeJurisdiction}' is not in the jurisdiction tree"];
        }

        var fields = new List<string>();
        if (request.Fields is not { Count: > 0 } requested || requested.Count > MaxFields)
        {
            errors["fields"] = [$"name 1 to {MaxFields} field keys or cat:<category>"];
        }
        else
        {
            foreach (var name in requested)
            {
                var item = name?.Trim() ?? "";
                IEnumerable<FieldDefinition> expanded = item.StartsWith("cat:", StringComparison.Ordinal)
                    ? schema.Fields.Where(f => f.Category == item[4..])
                    : schema.TryGet(item, out var field) ? [field] : [];
                var any = false;
                foreach (var f in expanded)
                {
                    any = true;
                    if (!fields.Contains(f.Key))
                    {
                        fields.Add(f.Key);
                    }
                }
                if (!any)
                {
                    errors["fields"] = [.. errors.GetValueOrDefault("fields") ?? [], $"unknown field or category '{item}'"];
                }
            }
        }

        if (!FidelityNames.TryParse(request.MaxFidelity, out var maxFidelity) || maxFidelity == Fidelity.None)
        {
            errors["maxFidelity"] = ["one of exists, category, masked, clear (read rights) or write (the right to change the fields, which reads them clear)"];
        }
        var purpose = purposes.Find(request.Purpose);
        if (purpose is null)
        {
            errors["purpose"] = ["a purpose code of GET /api/v1/purposes"];
        }
        var legalBasis = request.LegalBasis?.Trim() ?? "";
        if (legalBasis.Length == 0 || legalBasis.Length > MaxLegalBasis)
        {
            errors["legalBasis"] = [$"state the legal basis (1 to {MaxLegalBasis} characters)"];
        }
        var validFrom = request.ValidFrom?.ToUniversalTime() ?? now;
        if (request.ValidUntil is not { } until)
        {
            errors["validUntil"] = ["required: grants are time-limited"];
        }
        else if (until <= validFrom || until <= now)
        {
            errors["validUntil"] = ["must be after validFrom and in the future"];
        }
        if (errors.Count > 0)
        {
            return GrantOutcome.Bad(errors);
        }
        var validUntil = request.ValidUntil!.Value.ToUniversalTime();
        var grantee = new GrantUnit(granteeRole, granteeJurisdiction, granteeDepartment);

        var violations = new List<GrantViolation>();
        if (grantee.Unit == grantor.Unit)
        {
            violations.Add(new(null, "the grantee is the grantor's own unit"));
        }
        if (!chains.Within(granteeJurisdiction, grantor.Jurisdiction))
        {
            violations.Add(new(null, $"grants go downward: {granteeJurisdiction} is not within the grantor's jurisdiction {grantor.Jurisdiction}"));
        }

        Fidelity[] held;
        string? parentId = string.IsNullOrWhiteSpace(request.ParentId) ? null : request.ParentId.Trim();
        if (parentId is null)
        {
            held = decider.Decide(decider.Snapshot, grantor, purpose!.Code, granteeJurisdiction).Fidelities;
        }
        else
        {
            var parent = await store.FindAsync(parentId, cancellationToken);
            if (parent is null || !GrantAccess.CanSee(grantor, parent))
            {
                return GrantOutcome.NoParent;
            }
            if (parent.Grantee.Unit != grantor.Unit)
            {
                return GrantOutcome.Exceeding([new(null, "the parent grant was not granted to your unit")]);
            }
            if (parent.Purpose != purpose!.Code)
            {
                violations.Add(new(null, $"a child grant keeps its parent's purpose ({parent.Purpose})"));
            }
            if (validFrom < parent.ValidFrom || validUntil > parent.ValidUntil)
            {
                violations.Add(new(null, "the window must lie within the parent grant's window"));
            }
            var set = await store.CurrentAsync(cancellationToken);
            var chain = set.Find(parent.Id) is { } live ? set.ChainOf(live) : null;
            // What the parent chain yields over the grantee's jurisdiction now (which includes the
            // root grantor's current policy rights); a chain not in force backs nothing.
            var effective = chain is null ? null : chains.Effective(chain, granteeJurisdiction, now);
            if (effective is null)
            {
                violations.Add(new(null, "the parent grant is not in force"));
                effective = new Fidelity[schema.Fields.Count];
            }
            held = effective;
        }

        foreach (var key in fields)
        {
            var i = chains.IndexOf(key);
            var field = schema.Fields[i];
            if (field.Level == SensitivityLevel.L5)
            {
                violations.Add(new(key, "L5 fields are for the statutory department only and are never granted"));
            }
            else if (maxFidelity > held[i])
            {
                violations.Add(new(key, $"the grantor holds {held[i].Name()} for purpose {purpose!.Code} over {granteeJurisdiction}, less than {maxFidelity.Name()}"));
            }
        }
        if (violations.Count > 0)
        {
            return GrantOutcome.Exceeding(violations);
        }

        var row = new GrantRow
        {
            Id = id ?? "g-" + ResidentWriter.NewId(),
            DistrictCode = granteeJurisdiction[..6],
            ParentId = parentId,
            GrantorSubject = grantor.Subject,
            GrantorUnit = grantor.Unit,
            GrantorRole = grantor.Role,
            GrantorJurisdiction = grantor.Jurisdiction,
            GrantorDepartment = grantor.Department,
            GranteeUnit = grantee.Unit,
            GranteeRole = grantee.Role,
            GranteeJurisdiction = grantee.Jurisdiction,
            GranteeDepartment = grantee.Department,
            Fields = string.Join(' ', fields),
            MaxFidelity = maxFidelity.Name(),
            Purpose = purpose!.Code,
            LegalBasis = legalBasis,
            ValidFrom = validFrom.UtcDateTime,
            ValidUntil = validUntil.UtcDateTime,
            CreatedAt = now.UtcDateTime,
        };
        await store.InsertAsync(row, cancellationToken);
        return GrantOutcome.Ok(Grant.FromRow(row));
    }
}

/// <summary>Who may see and revoke a grant.</summary>
internal static class GrantAccess
{
    /// <summary>The grantor (person or unit), the grantee unit, or a privacy officer or auditor of the grant's district.</summary>
    public static bool CanSee(CallerContext caller, Grant grant) =>
        caller.Subject == grant.GrantorSubject || caller.Unit == grant.Grantor.Unit || caller.Unit == grant.Grantee.Unit || IsOfficerOf(caller, grant.DistrictCode, alsoAuditor: true);

    /// <summary>
    /// The grantor, or a member of the grantor unit (a department's grant must stay revocable when the
    /// person who made it moves on), or a privacy officer of the district.
    /// </summary>
    public static bool CanRevoke(CallerContext caller, Grant grant) =>
        caller.Subject == grant.GrantorSubject || caller.Unit == grant.Grantor.Unit || IsOfficerOf(caller, grant.DistrictCode, alsoAuditor: false);

    public static bool IsOfficerOf(CallerContext caller, string district, bool alsoAuditor) =>
        (caller.Role == UnitRoles.PrivacyOfficer || (alsoAuditor && caller.Role == UnitRoles.Auditor)) && caller.Jurisdiction == district;
}
