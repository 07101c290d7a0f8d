using DataVault.Vault.Api;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Views;

/// <summary>
/// The one place a caller's view of a resident is decided: the policy's fidelity per field
/// (<see cref="ViewDecider"/>), raised by any grant or break-glass that applies
/// (<see cref="IAccessExtension"/>), then capped for L4+ fields so their clear value needs a reveal.
/// </summary>
internal sealed class AccessResolver(ViewDecider decider, ResidentSchema schema, IEnumerable<IAccessExtension> extensions, TimeProvider time)
{
    private readonly IAccessExtension[] _extensions = [.. extensions];

    public async ValueTask<ResidentAccess> ResolveAsync(CallerContext caller, Purpose purpose, ResidentLocation resident, CancellationToken cancellationToken)
    {
        var snapshot = decider.Snapshot;
        var policy = decider.Decide(snapshot, caller, purpose.Code, resident.Jurisdiction).Fidelities;
        var held = (Fidelity[])policy.Clone();
        var sources = new RightSource[held.Length];

        var chain = new List<string>();
        var bases = new List<string> { purpose.LegalBasis };
        string? breakGlass = null;
        if (_extensions.Length > 0)
        {
            var now = time.GetUtcNow();
            foreach (var extension in _extensions)
            {
                foreach (var right in await extension.RightsAsync(caller, purpose, resident, now, cancellationToken))
                {
                    if (!schema.TryGet(right.FieldKey, out var field))
                    {
                        continue;
                    }
                    var i = IndexOf(field);
                    var source = right.Kind == ExtraRightKind.BreakGlass ? RightSource.BreakGlass : RightSource.Grant;
                    // A break-glass marks every field it covers, even one the policy already allowed:
                    // the read happened under the emergency and the resident's log must say so.
                    if (right.Fidelity <= held[i] && source != RightSource.BreakGlass)
                    {
                        continue;
                    }
                    held[i] = right.Fidelity > held[i] ? right.Fidelity : held[i];
                    sources[i] = source;
                    if (source == RightSource.BreakGlass)
                    {
                        breakGlass ??= right.Chain.FirstOrDefault();
                    }
                    foreach (var link in right.Chain)
                    {
                        if (!chain.Contains(link))
                        {
                            chain.Add(link);
                        }
                    }
                    if (!bases.Contains(right.LegalBasis))
                    {
                        bases.Add(right.LegalBasis);
                    }
                }
            }
        }

        var fields = new List<FieldAccess>();
        for (var i = 0; i < held.Length; i++)
        {
            if (held[i] == Fidelity.None)
            {
                continue;
            }
            var field = schema.Fields[i];
            var served = held[i] == Fidelity.Clear && field.Level >= SensitivityLevel.L4 && sources[i] != RightSource.BreakGlass
                ? Fidelity.Masked
                : held[i];
            fields.Add(new FieldAccess(field, served, held[i], sources[i]));
        }
        return new ResidentAccess(caller, purpose, resident, fields, chain, breakGlass, string.Join("; ", bases), snapshot.Version);
    }

    private readonly Dictionary<string, int> _index = schema.Fields.Select((f, i) => (f.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);

    private int IndexOf(FieldDefinition field) => _index[field.Key];
}
