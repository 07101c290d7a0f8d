using DataVault.Policy;
using DataVault.Vault.Api;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Views;

/// <summary>The cache key of a policy decision: everything the model's request reads except field and fidelity.</summary>
internal readonly record struct ViewKey(string Role, string CallerJurisdiction, string Department, string ResidentJurisdiction, string Purpose);

/// <summary>
/// What the policy allows one caller over residents of one jurisdiction: a fidelity per schema field
/// (schema order), and the view it makes when no grant or break-glass adds to it, built once with the
/// decision so that a read the policy alone decides allocates nothing to describe its fields.
/// </summary>
internal sealed class FieldRights
{
    public FieldRights(Fidelity[] fidelities, IReadOnlyList<FieldDefinition> fields)
    {
        Fidelities = fidelities;
        var view = new List<FieldAccess>();
        for (var i = 0; i < fidelities.Length; i++)
        {
            if (fidelities[i] > Fidelity.None)
            {
                view.Add(AccessResolver.Access(fields[i], fidelities[i], RightSource.Policy));
            }
        }
        PolicyView = new FieldAccessList(view);
    }

    public Fidelity[] Fidelities { get; }

    public FieldAccessList PolicyView { get; }

    public bool Any => PolicyView.Count > 0;
}

/// <summary>
/// Decides, under the current policy, the highest fidelity the policy allows a caller for each field
/// of a resident in a given jurisdiction, for a purpose: for every field it asks the enforcer for
/// <c>write</c>, then <c>clear</c>, <c>masked</c>, <c>category</c> and <c>exists</c>, and keeps the first allowed.
/// A decision depends only on (role, caller jurisdiction, department, resident jurisdiction,
/// purpose), so it is made once per policy version and cached on the snapshot.
/// </summary>
internal sealed class ViewDecider(PolicyRuntime policy, ResidentSchema schema)
{
    public PolicySnapshot Snapshot => policy.Current;

    public FieldRights Decide(PolicySnapshot snapshot, CallerContext caller, string purpose, string residentJurisdiction)
    {
        var key = new ViewKey(caller.Role, caller.Jurisdiction, caller.Department ?? "", residentJurisdiction, purpose);
        return snapshot.Decisions.GetOrAdd(key, static (k, state) => state.Self.Compute(state.Snapshot, k), (Self: this, Snapshot: snapshot));
    }

    /// <summary>
    /// The highest right the policy gives one field, exactly as the model says it (no caching): each
    /// right asked of the enforcer from <c>write</c> down, the first allowed kept.
    /// </summary>
    public static Fidelity Highest(Enforcer enforcer, in ViewKey key, FieldDefinition field)
    {
        foreach (var fidelity in FidelityNames.Rights)
        {
            if (enforcer.Enforce(key.Role, key.CallerJurisdiction, key.Department, key.ResidentJurisdiction, field.Key, field.Level.ToString(), fidelity.Name(), key.Purpose))
            {
                return fidelity;
            }
        }
        return Fidelity.None;
    }

    private FieldRights Compute(PolicySnapshot snapshot, ViewKey key)
    {
        var fields = schema.Fields;
        var result = new Fidelity[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            result[i] = Highest(snapshot.Enforcer, key, fields[i]);
        }
        return new FieldRights(result, fields);
    }
}
