using System.Collections;
using System.Collections.Frozen;
using DataVault.Vault.AccessLog;
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

    /// <summary>
    /// The caller's access to one resident. <paramref name="bulk"/>: for a use that copies many residents
    /// out of the vault (an export, a form, the change feed). A break-glass is one person's logged emergency
    /// access to one resident; it never flows into a file or a department system's copy, so bulk uses
    /// leave its rights out and see the policy and grants only.
    /// </summary>
    public async ValueTask<ResidentAccess> ResolveAsync(CallerContext caller, Purpose purpose, ResidentLocation resident, CancellationToken cancellationToken, bool bulk = false)
    {
        var snapshot = decider.Snapshot;
        var rights = decider.Decide(snapshot, caller, purpose.Code, resident.Jurisdiction);
        List<ExtraRight>? extra = null;
        if (_extensions.Length > 0)
        {
            var now = time.GetUtcNow();
            foreach (var extension in _extensions)
            {
                var found = await extension.RightsAsync(caller, purpose, resident, now, cancellationToken);
                foreach (var right in found)
                {
                    if (!(bulk && right.Kind == ExtraRightKind.BreakGlass))
                    {
                        (extra ??= []).Add(right);
                    }
                }
            }
        }
        // The common case: the policy alone decides, and its view was built once with the decision.
        return extra is null
            ? new ResidentAccess(caller, purpose, resident, rights.PolicyView, [], null, purpose.LegalBasis, snapshot.Version)
            : Widen(caller, purpose, resident, rights, extra, snapshot.Version);
    }

    private ResidentAccess Widen(CallerContext caller, Purpose purpose, ResidentLocation resident, FieldRights rights, List<ExtraRight> extra, string policyVersion)
    {
        var held = (Fidelity[])rights.Fidelities.Clone();
        var sources = new RightSource[held.Length];
        var chain = new List<string>();
        var bases = new List<string> { purpose.LegalBasis };
        string? breakGlass = null;
        string? breakGlassReason = null;
        foreach (var right in extra)
        {
            if (!_index.TryGetValue(right.FieldKey, out var i))
            {
                continue;
            }
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
                breakGlassReason ??= right.Reason;
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

        var fields = new List<FieldAccess>();
        for (var i = 0; i < held.Length; i++)
        {
            if (held[i] != Fidelity.None)
            {
                fields.Add(Access(schema.Fields[i], held[i], sources[i]));
            }
        }
        return new ResidentAccess(caller, purpose, resident, new FieldAccessList(fields), chain, breakGlass, string.Join("; ", bases), policyVersion)
        {
            BreakGlassReason = breakGlassReason,
        };
    }

    /// <summary>
    /// A field as served: a writable field reads as clear; an L4+ field held in the clear is served
    /// masked (its clear value leaves only through a logged reveal), except under break-glass, which is
    /// itself the logged emergency access.
    /// </summary>
    public static FieldAccess Access(FieldDefinition field, Fidelity held, RightSource source)
    {
        var readable = held.Readable();
        var served = readable == Fidelity.Clear && field.Level >= SensitivityLevel.L4 && source != RightSource.BreakGlass
            ? Fidelity.Masked
            : readable;
        return new FieldAccess(field, served, held, source);
    }

    private readonly FrozenDictionary<string, int> _index = schema.Fields.Select((f, i) => (f.Key, i)).ToFrozenDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);
}

/// <summary>
/// The fields of a view in schema order, with what a read needs of them precomputed: which envelopes
/// it must decrypt, which it leaves sealed (presence only), and the field list its log entry records.
/// A view widened by a grant builds one per read, so the sets are plain hash sets: cheap to build.
/// </summary>
internal sealed class FieldAccessList : IReadOnlyList<FieldAccess>
{
    private readonly FieldAccess[] _fields;

    public FieldAccessList(IEnumerable<FieldAccess> fields)
    {
        _fields = [.. fields];
        Served = [.. _fields.Select(f => new ServedField(f.Field.Key, f.Served.Name()))];
        Revealable = [.. _fields.Where(f => f.Revealable).Select(f => f.Field.Key)];
        var needed = new HashSet<string>(StringComparer.Ordinal);
        var presence = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in _fields)
        {
            (FieldProjector.NeedsValue(f.Field, f.Served) ? needed : presence).Add(f.Field.Key);
        }
        NeedsValue = needed.Contains;
        PresenceOnly = presence.Contains;
    }

    /// <summary>The served fields whose projection reads the value (the envelopes a read must open).</summary>
    public Func<string, bool> NeedsValue { get; }

    /// <summary>The served fields whose projection shows only whether a value is recorded (left sealed).</summary>
    public Func<string, bool> PresenceOnly { get; }

    /// <summary>Each field's key and served fidelity, as the access log records them.</summary>
    public IReadOnlyList<ServedField> Served { get; }

    /// <summary>The L4+ fields held clear but served masked.</summary>
    public IReadOnlyList<string> Revealable { get; }

    public int Count => _fields.Length;

    public FieldAccess this[int index] => _fields[index];

    public IEnumerator<FieldAccess> GetEnumerator() => ((IEnumerable<FieldAccess>)_fields).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
