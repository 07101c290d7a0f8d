using DataVault.Identity.Units;
using DataVault.Policy;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Schema;

namespace DataVault.Vault.PolicyStore;

/// <summary>
/// Coverage of the sensitive fields: for every role (department roles once per department) × every
/// L4/L5 field, whether a policy line makes an explicit decision. <c>Gaps</c> lists the pairs that are
/// decided only through <c>cat:</c>/<c>owner:</c> groups, or not at all.
/// </summary>
public sealed record PolicyCoverage(int? Version, int? DraftId, int Pairs, int Explicit, int ExplicitlyDenied, int Implicit, int Undecided,
    IReadOnlyList<PolicyCoverageEntry> Entries, IReadOnlyList<PolicyCoverageEntry> Gaps);

/// <summary>
/// <c>Status</c>: <c>explicit</c> (a line names the field for the role with a fidelity above none),
/// <c>explicitly_denied</c> (only <c>none</c> lines name it), <c>implicit</c> (reached only through a
/// category or owner group) or <c>undecided</c> (no line reaches it). <c>Lines</c>: the deciding lines of
/// the hand-written policy.
/// </summary>
public sealed record PolicyCoverageEntry(string Role, string? Department, string Field, string Level, string Status, IReadOnlyList<int> Lines);

internal static class PolicyCoverageCalculator
{
    public const string Explicit = "explicit";
    public const string ExplicitlyDenied = "explicitly_denied";
    public const string Implicit = "implicit";
    public const string Undecided = "undecided";

    public static PolicyCoverage Compute(DataVaultPolicyFolder folder, Enforcer enforcer, int? version, int? draftId)
    {
        // A windowed line is an explicit decision only while its window is open (as of the composition's
        // instant): coverage describes what decides now, and after the window a pair falls back to its other lines.
        var rules = folder.Rules().Where(r => r.DecidesAt(folder.ComposedAt)).ToList();
        var sensitive = folder.Schema.Fields.Where(f => f.Level >= SensitivityLevel.L4).ToList();
        var entries = new List<PolicyCoverageEntry>();
        foreach (var role in folder.Roles.Order(StringComparer.Ordinal))
        {
            var held = enforcer.GetImplicitRolesForUser(role).Append(role).ToHashSet(StringComparer.Ordinal);
            IReadOnlyList<string?> departments = folder.DepartmentRoles.Contains(role) ? [.. UnitRoles.Departments] : [null];
            foreach (var department in departments)
            {
                var mine = rules.Where(r => held.Contains(r.Role) && (r.Department == "*" || r.Department == (department ?? ""))).ToList();
                foreach (var field in sensitive)
                {
                    var named = mine.Where(r => r.Field == field.Key).ToList();
                    var grouped = mine.Where(r => r.Field == "cat:" + field.Category || r.Field == "owner:" + field.Department).ToList();
                    var (status, lines) =
                        named.Any(r => r.Fidelity != "none") ? (Explicit, named)
                        : named.Count > 0 ? (ExplicitlyDenied, named)
                        : grouped.Count > 0 ? (Implicit, grouped)
                        : (Undecided, []);
                    entries.Add(new PolicyCoverageEntry(role, department, field.Key, field.Level.ToString(), status, [.. lines.Select(l => l.Line)]));
                }
            }
        }
        var gaps = entries.Where(e => e.Status is Implicit or Undecided).ToList();
        return new PolicyCoverage(version, draftId, entries.Count,
            entries.Count(e => e.Status == Explicit), entries.Count(e => e.Status == ExplicitlyDenied),
            entries.Count(e => e.Status == Implicit), entries.Count(e => e.Status == Undecided), entries, gaps);
    }
}
