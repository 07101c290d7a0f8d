using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Grants;

/// <summary>
/// What a chain of grants is worth for residents of one jurisdiction at one instant: for each field,
/// the minimum over every link of the chain, and over the root grantor's policy rights as the policy
/// stands now. That last term is the attenuation guarantee: whatever was checked when the grants were
/// made, no chain ever yields more than its root holds today (the policy may have shrunk since).
/// </summary>
internal sealed class GrantChains(ViewDecider decider, ResidentSchema schema, JurisdictionTree tree)
{
    private readonly Dictionary<string, int> _index = schema.Fields.Select((f, i) => (f.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);

    public ResidentSchema Schema => schema;

    public int IndexOf(string fieldKey) => _index.TryGetValue(fieldKey, out var i) ? i : -1;

    /// <summary>
    /// The fidelity per schema field (schema order) a chain yields for a resident in
    /// <paramref name="residentJurisdiction"/> at <paramref name="now"/>, or null when the chain is not
    /// in force (a link revoked, expired, not yet valid, missing, of another purpose, or the resident
    /// outside any link's grantee jurisdiction).
    /// </summary>
    public Fidelity[]? Effective(IReadOnlyList<Grant> chain, string residentJurisdiction, DateTimeOffset now)
    {
        var leaf = chain[^1];
        foreach (var link in chain)
        {
            if (!link.IsInForceAt(now) || link.Purpose != leaf.Purpose || !Within(residentJurisdiction, link.Grantee.Jurisdiction))
            {
                return null;
            }
        }
        var root = chain[0];
        var policy = decider.Decide(decider.Snapshot, GrantorCaller(root), leaf.Purpose, residentJurisdiction).Fidelities;
        var result = new Fidelity[policy.Length];
        foreach (var key in leaf.Fields)
        {
            var i = IndexOf(key);
            // L5 is the statutory department's alone (DESIGN.md, L5 row): never reachable by grant.
            if (i < 0 || schema.Fields[i].Level == SensitivityLevel.L5)
            {
                continue;
            }
            var fidelity = policy[i];
            foreach (var link in chain)
            {
                var held = link.Fields.Contains(key, StringComparer.Ordinal) ? link.MaxFidelity : Fidelity.None;
                fidelity = held < fidelity ? held : fidelity;
            }
            result[i] = fidelity;
        }
        return result;
    }

    /// <summary>The root grantor as a policy subject: a decision reads only role, jurisdiction and department.</summary>
    public static CallerContext GrantorCaller(Grant root) =>
        new(root.GrantorSubject, "user", root.Grantor.Role, root.Grantor.Jurisdiction, root.Grantor.Department, root.Grantor.Unit);

    /// <summary>Whether <paramref name="inner"/> is <paramref name="outer"/> or lies below it, walking the tree's explicit parents.</summary>
    public bool Within(string inner, string outer)
    {
        var node = tree.Find(inner);
        for (var depth = 0; node is not null && depth < 8; depth++)
        {
            if (node.Code == outer)
            {
                return true;
            }
            node = node.Parent is null ? null : tree.Find(node.Parent);
        }
        return false;
    }

    public bool IsKnownJurisdiction(string code) => tree.Find(code) is not null;
}
