using DataVault.Vault.Api;
using DataVault.Vault.Grants;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Oversight;

/// <summary>The caller a decision is explained for: a unit (role at a jurisdiction, with a department for caseworkers), optionally one person in it.</summary>
public sealed record ExplainedCaller(string Role, string Jurisdiction, string? Department, string Unit, string? Subject);

/// <summary>
/// A right beyond the policy that applies to the request: a grant chain (ids root first, the leaf's
/// grantor and end) or a break-glass (its id, its requester's stated reason), at the fidelity it yields now.
/// </summary>
public sealed record ExplainedExtra(string Kind, string Id, IReadOnlyList<string> Chain, string Fidelity, string LegalBasis, string? GrantorUnit, DateTimeOffset? ValidUntil, string? Reason);

/// <summary>
/// Why one caller gets what it gets of one field of one resident (or of residents of one
/// jurisdiction) for one purpose, under one policy version: the fidelity served and the right held
/// (they differ for L4+ fields held clear, and for write), where it came from, every policy line that
/// matched (the deciding one marked), every grant or break-glass that applied, and notes.
/// </summary>
public sealed record DecisionExplanation(
    string PolicyVersion,
    ExplainedCaller Caller,
    string? ResidentId,
    string ResidentJurisdiction,
    string Field,
    string Level,
    string Purpose,
    string Served,
    string Held,
    string Source,
    string PolicyFidelity,
    IReadOnlyList<ExplainedRule> Rules,
    IReadOnlyList<ExplainedExtra> Extras,
    IReadOnlyList<ExplanationNote> Notes)
{
    /// <summary>For an explanation about one resident, where the oversight access itself was logged.</summary>
    public AccessLogReference? Log { get; init; }
}

/// <summary>
/// Explains a decision by making it: the served and held fidelity come from <see cref="AccessResolver"/>,
/// the code every read goes through, and the policy side from <see cref="PolicyExplainer"/> under the
/// same snapshot; the grants and break-glass from the same extensions the resolver asks. An
/// explanation therefore cannot disagree with what the API would serve at that instant.
/// </summary>
internal sealed class DecisionExplainer(
    AccessResolver resolver,
    ViewDecider decider,
    IEnumerable<IAccessExtension> extensions,
    GrantStore grants,
    JurisdictionTree tree,
    TimeProvider time)
{
    private readonly IAccessExtension[] _extensions = [.. extensions];

    public async Task<DecisionExplanation> ExplainAsync(CallerContext caller, Purpose purpose, ResidentLocation resident, FieldDefinition field, CancellationToken cancellationToken)
    {
        // The resolver reads the running snapshot itself; if a publish lands between the two reads the
        // explanation is made again, so both halves describe one version.
        for (var attempt = 0; ; attempt++)
        {
            var snapshot = decider.Snapshot;
            var access = await resolver.ResolveAsync(caller, purpose, resident, cancellationToken);
            if (access.PolicyVersion != snapshot.Version && attempt < 3)
            {
                continue;
            }
            var key = new ViewKey(caller.Role, caller.Jurisdiction, caller.Department ?? "", resident.Jurisdiction, purpose.Code);
            var policy = PolicyExplainer.Explain(snapshot.Enforcer, snapshot.PolicyText, key, field, tree);
            var extras = await ExtrasAsync(caller, purpose, resident, field, cancellationToken);
            var served = access.Find(field.Key);
            var notes = new List<ExplanationNote>(policy.Notes);
            if (served is { Source: RightSource.Grant })
            {
                notes.Add(new("raised_by_grant", $"授权将此字段从策略的 {policy.Fidelity.Name()} 提高到 {served.Held.Name()}（不超过授权链根部授权人当前的策略权限）",
                    $"a grant raises this field from the policy's {policy.Fidelity.Name()} to {served.Held.Name()} (never above what the chain's root grantor holds under the policy now)"));
            }
            if (served is { Source: RightSource.BreakGlass })
            {
                notes.Add(new("break_glass", "紧急访问：该居民的所有字段均为明文，访问记录中标明紧急访问并附理由",
                    "break-glass: every field of this resident in the clear; the resident's log marks the access and shows its reason"));
            }
            return new DecisionExplanation(
                access.PolicyVersion,
                new ExplainedCaller(caller.Role, caller.Jurisdiction, caller.Department, caller.Unit, caller.Subject.Length > 0 ? caller.Subject : null),
                resident.ResidentId.Length > 0 ? resident.ResidentId : null,
                resident.Jurisdiction,
                field.Key,
                field.Level.ToString(),
                purpose.Code,
                (served?.Served ?? Fidelity.None).Name(),
                (served?.Held ?? Fidelity.None).Name(),
                served is null ? "none" : SourceName(served.Source),
                policy.Fidelity.Name(),
                policy.Rules,
                extras,
                notes);
        }
    }

    public static string SourceName(RightSource source) => source switch
    {
        RightSource.Policy => "policy",
        RightSource.Grant => "grant",
        RightSource.BreakGlass => "break_glass",
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };

    private async Task<List<ExplainedExtra>> ExtrasAsync(CallerContext caller, Purpose purpose, ResidentLocation resident, FieldDefinition field, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var set = await grants.CurrentAsync(cancellationToken);
        var extras = new List<ExplainedExtra>();
        foreach (var extension in _extensions)
        {
            foreach (var right in await extension.RightsAsync(caller, purpose, resident, now, cancellationToken))
            {
                if (right.FieldKey != field.Key)
                {
                    continue;
                }
                var leaf = right.Kind == ExtraRightKind.Grant && right.Chain.Count > 0 ? set.Find(right.Chain[^1]) : null;
                extras.Add(new ExplainedExtra(
                    right.Kind == ExtraRightKind.Grant ? "grant" : "break_glass",
                    right.Chain.Count > 0 ? right.Chain[^1] : "",
                    right.Chain,
                    right.Fidelity.Name(),
                    right.LegalBasis,
                    leaf?.Grantor.Unit,
                    leaf?.ValidUntil,
                    right.Reason));
            }
        }
        return extras;
    }
}
