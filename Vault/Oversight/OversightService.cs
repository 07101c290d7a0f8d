using DataVault.Identity.Units;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Problems;
using DataVault.Vault.ResidentApi;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Oversight;

/// <summary>The outcome of an oversight question: the answer, or a problem with its stable code.</summary>
internal sealed record OversightOutcome<T>(T? Value, ProblemType? Problem, string? Detail)
{
    public static OversightOutcome<T> Ok(T value) => new(value, null, null);

    public static OversightOutcome<T> Fail(ProblemType problem, string detail) => new(default, problem, detail);
}

/// <summary>
/// The questions a privacy officer or auditor asks of the vault about access rights: explain one
/// decision, who can see a field, what can a unit see. Every question is bounded by the officer's own
/// jurisdiction (a district's officer asks about its units and residents only). A question about one
/// resident reads where that resident lives, which is itself an access: it is allowed only if the
/// officer's own <c>audit</c> view of the resident shows the community in the clear, and it is logged
/// (action <c>explain</c>) before the answer leaves, so the resident sees that their rights were looked at.
/// </summary>
internal sealed class OversightService(
    DecisionExplainer explainer,
    ReverseQueries reverse,
    AccessResolver resolver,
    ResidentReader reader,
    AccessLogWriter log,
    PurposeCatalog purposes,
    ResidentSchema schema,
    JurisdictionTree tree)
{
    /// <summary>The purpose an oversight question about one resident is logged under: the auditor's, which a privacy officer inherits.</summary>
    public const string OversightPurpose = "audit";

    /// <summary>The question's subject unit as the request names it.</summary>
    public sealed record UnitQuery(string? Role, string? Jurisdiction, string? Department, string? Subject);

    public async Task<OversightOutcome<DecisionExplanation>> ExplainAsync(CallerContext officer, UnitQuery unit, string? fieldKey, string? purposeCode, string? residentId, string? residentJurisdiction, CancellationToken cancellationToken)
    {
        if (Unit(officer, unit) is not { } caller)
        {
            return Invalid<DecisionExplanation>(UnitError(officer, unit));
        }
        if (!schema.TryGet(fieldKey ?? "", out var field))
        {
            return Invalid<DecisionExplanation>($"未知字段 / Unknown field '{fieldKey}' (see fields.csv).");
        }
        if (purposes.Find(purposeCode) is not { } purpose)
        {
            return Invalid<DecisionExplanation>($"未知用途 / Unknown purpose '{purposeCode}' (see GET /api/v1/purposes).");
        }
        var located = await LocateAsync(officer, residentId, residentJurisdiction, cancellationToken);
        if (located.Problem is not null)
        {
            return OversightOutcome<DecisionExplanation>.Fail(located.Problem, located.Detail!);
        }
        var (location, logged) = located.Value!;
        var explanation = await explainer.ExplainAsync(caller, purpose, location, field, cancellationToken);
        return OversightOutcome<DecisionExplanation>.Ok(logged is null ? explanation : explanation with { Log = logged });
    }

    public async Task<OversightOutcome<WhoCanSeeAnswer>> WhoCanSeeAsync(CallerContext officer, string? fieldKey, string? residentId, string? jurisdiction, CancellationToken cancellationToken)
    {
        if (!schema.TryGet(fieldKey ?? "", out var field))
        {
            return Invalid<WhoCanSeeAnswer>($"未知字段 / Unknown field '{fieldKey}' (see fields.csv).");
        }
        if (residentId is null && jurisdiction is not null)
        {
            if (tree.Find(jurisdiction) is null || !ResidentScope.IsWithin(tree, jurisdiction, officer.Jurisdiction))
            {
                return OversightOutcome<WhoCanSeeAnswer>.Fail(ProblemCatalog.NotFound, $"在您的辖区内没有辖区 {jurisdiction} / No jurisdiction {jurisdiction} within yours.");
            }
            return OversightOutcome<WhoCanSeeAnswer>.Ok(await reverse.WhoCanSeeAsync(field, reverse.ResidencesWithin(jurisdiction), null, jurisdiction, cancellationToken));
        }
        var located = await LocateAsync(officer, residentId, null, cancellationToken);
        if (located.Problem is not null)
        {
            return OversightOutcome<WhoCanSeeAnswer>.Fail(located.Problem, located.Detail!);
        }
        var (location, logged) = located.Value!;
        var answer = await reverse.WhoCanSeeAsync(field, [location.Jurisdiction], location, location.Jurisdiction, cancellationToken);
        return OversightOutcome<WhoCanSeeAnswer>.Ok(answer with { Log = logged });
    }

    public async Task<OversightOutcome<WhatCanAnswer>> WhatCanAsync(CallerContext officer, UnitQuery unit, CancellationToken cancellationToken)
    {
        if (Unit(officer, unit) is not { } caller)
        {
            return Invalid<WhatCanAnswer>(UnitError(officer, unit));
        }
        return OversightOutcome<WhatCanAnswer>.Ok(await reverse.WhatCanAsync(caller, cancellationToken));
    }

    /// <summary>The unit asked about, when it is a valid unit within the officer's jurisdiction.</summary>
    private CallerContext? Unit(CallerContext officer, UnitQuery unit) =>
        unit.Role is { } role && unit.Jurisdiction is { } jurisdiction && UnitRoles.Validate(role, jurisdiction, unit.Department) is null
        && role != UnitRoles.Resident && tree.Find(jurisdiction) is not null && ResidentScope.IsWithin(tree, jurisdiction, officer.Jurisdiction)
            ? new CallerContext(unit.Subject ?? "", "user", role, jurisdiction, unit.Department, UnitRoles.UnitName(role, jurisdiction, unit.Department))
            : null;

    private string UnitError(CallerContext officer, UnitQuery unit)
    {
        if (unit.Role is null || unit.Jurisdiction is null)
        {
            return "需要 role 和 jurisdiction（部门经办人还需 department）/ role and jurisdiction are required (and department for a caseworker).";
        }
        if (UnitRoles.Validate(unit.Role, unit.Jurisdiction, unit.Department) is { } reason)
        {
            return $"单位无效 / Invalid unit: {reason}.";
        }
        return unit.Role == UnitRoles.Resident
            ? "居民不是工作单位 / A resident is not a unit; see the resident's own portal."
            : $"辖区 {unit.Jurisdiction} 不在您的辖区 {officer.Jurisdiction} 之内 / Jurisdiction {unit.Jurisdiction} is not within yours ({officer.Jurisdiction}).";
    }

    /// <summary>
    /// Where the question is about: one resident (located, and the officer's access logged) or a
    /// residence jurisdiction (a community or grid within the officer's).
    /// </summary>
    private async Task<OversightOutcome<(ResidentLocation Location, AccessLogReference? Logged)>> LocateAsync(CallerContext officer, string? residentId, string? residentJurisdiction, CancellationToken cancellationToken)
    {
        if (residentId is null == residentJurisdiction is null)
        {
            return Invalid<(ResidentLocation, AccessLogReference?)>("需要 resident 或 residentJurisdiction 之一 / Give exactly one of resident or residentJurisdiction.");
        }
        if (residentJurisdiction is not null)
        {
            var node = tree.Find(residentJurisdiction);
            if (node is not { Kind: JurisdictionKind.Community or JurisdictionKind.Grid } || !ResidentScope.IsWithin(tree, node.Code, officer.Jurisdiction))
            {
                return Invalid<(ResidentLocation, AccessLogReference?)>($"residentJurisdiction 必须是您辖区内的社区或网格 / residentJurisdiction must be a community or grid within yours ({officer.Jurisdiction}).");
            }
            var community = node.Kind == JurisdictionKind.Grid ? node.Parent! : node.Code;
            return OversightOutcome<(ResidentLocation, AccessLogReference?)>.Ok((new ResidentLocation("", community, node.Kind == JurisdictionKind.Grid ? node.Code : null), null));
        }
        var notFound = OversightOutcome<(ResidentLocation, AccessLogReference?)>.Fail(ProblemCatalog.NotFound, "在您的权限范围内没有该居民 / No such resident within your reach.");
        if (await reader.FindRecordAsync(residentId!, cancellationToken) is not { } record)
        {
            return notFound;
        }
        var location = ResidentViews.LocationOf(record);
        var own = await resolver.ResolveAsync(officer, purposes.Find(OversightPurpose)!, location, cancellationToken);
        // The answer names where the resident lives: the officer's own view must show that in the clear.
        var located = own.Fields.Where(f => f.Field.Category == "jurisdiction" && f.Served == Fidelity.Clear).ToList();
        if (!located.Any(f => f.Field.Key == "community"))
        {
            return notFound;
        }
        var receipt = await log.AppendAsync(ResidentViews.LogEntry(own, AccessAction.Explain, located.Select(f => new ServedField(f.Field.Key, f.Served.Name()))), cancellationToken);
        return OversightOutcome<(ResidentLocation, AccessLogReference?)>.Ok((location, new AccessLogReference(receipt.LogId, receipt.Index)));
    }

    private static OversightOutcome<T> Invalid<T>(string detail) => OversightOutcome<T>.Fail(ProblemCatalog.ValidationFailed, detail);
}
