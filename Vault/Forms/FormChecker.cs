using System.Globalization;
using DataVault.Identity.Units;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Forms;

/// <summary>What a form reads of one field, and at which fidelity, because of which part of it (a JSON path).</summary>
public sealed record FormNeed(string Field, Fidelity Needs, string Path);

/// <summary>
/// Does the policy (with the grants in force) give a form's filler what the form needs? Decided the
/// way a read is (<see cref="AccessResolver"/>, with the cap that keeps an L4 field's clear value for
/// a logged reveal), at every residence jurisdiction (community, grid) the filler reaches. A column
/// the filler may not see at its fidelity refuses the form at definition, and again before a fill,
/// with the reason: never a column silently blanked.
/// </summary>
internal sealed class FormChecker(AccessResolver resolver, ResidentSchema schema, DataVaultPolicyFolder folder, JurisdictionTree tree, PurposeCatalog purposes)
{
    /// <summary>Every field the form reads, at the highest fidelity any part of it needs (each with the first path that needs it).</summary>
    public static IReadOnlyList<FormNeed> Needs(FormDefinition form, ResidentSchema schema)
    {
        var needs = new List<FormNeed>();
        if (form.Rows == FormRowKinds.Aggregate)
        {
            return form.AggregateField is { } key ? [new FormNeed(key, Fidelity.Exists, "aggregateField")] : [];
        }
        for (var i = 0; i < form.Columns.Count; i++)
        {
            var c = form.Columns[i];
            if (c.Field is not null && FidelityNames.TryParse(c.Fidelity, out var fidelity))
            {
                needs.Add(new FormNeed(c.Field, fidelity, $"columns[{i}]"));
            }
            else if (c.Value is not null && FormValues.Sources.TryGetValue(c.Value, out var source) && source.Field is not null)
            {
                needs.Add(new FormNeed(source.Field, source.Needs, $"columns[{i}]"));
            }
        }
        for (var i = 0; i < form.Filter.Count; i++)
        {
            var (field, fidelity) = FormDefinitionReader.Needs(form.Filter[i], schema);
            needs.Add(new FormNeed(field, fidelity, $"filter[{i}]"));
        }
        if (form.Rows == FormRowKinds.Household)
        {
            // A household's row is its head's: telling heads from members reads their relation to the head.
            var (field, fidelity) = FormDefinitionReader.Needs(FormService.HeadOfHousehold, schema);
            needs.Add(new FormNeed(field, fidelity, "rows"));
        }
        // The need that shows most of the field (not the highest name: a flag's masked shows less than its category).
        return [.. needs.GroupBy(n => n.Field, StringComparer.Ordinal).Select(g => g.MaxBy(n => schema.TryGet(n.Field, out var f) ? FieldProjector.Shows(f, n.Needs) : n.Needs)!)];
    }

    /// <summary>The fields and fidelities one listed resident's log entry records: what the form read of them.</summary>
    public static IReadOnlyList<ServedField> Logged(IReadOnlyList<FormNeed> needs) =>
        [.. needs.Select(n => new ServedField(n.Field, n.Needs.Name()))];

    /// <summary>
    /// A definition checked for the district it is defined in: every unit that could fill it there
    /// (its role at each jurisdiction of the kind the role is held at, with its department), each over
    /// every residence it reaches. Empty when the form can be filled as defined.
    /// </summary>
    public async Task<IReadOnlyList<FormProblem>> CheckForDistrictAsync(FormDefinition form, string district, CancellationToken cancellationToken)
    {
        var units = folder.Units().Where(u => u.Role == form.FilledBy.Role && u.Department == form.FilledBy.Department
            && ResidentApi.ResidentScope.IsWithin(tree, u.Jurisdiction, district)).ToList();
        if (units.Count == 0)
        {
            return [new FormProblem("filledBy", $"本区没有 {form.FilledBy.Role} 单位 / no unit of role {form.FilledBy.Role} in district {district}")];
        }
        var problems = new List<FormProblem>();
        foreach (var (role, jurisdiction, department) in units)
        {
            var filler = new CallerContext("form-definition-check", "user", role, jurisdiction, department, UnitRoles.UnitName(role, jurisdiction, department));
            problems.AddRange(await CheckAsync(form, filler, Residences(jurisdiction), cancellationToken));
            if (problems.Count > 0)
            {
                // One unit's refusal is the answer: the others would repeat it.
                break;
            }
        }
        return problems;
    }

    /// <summary>
    /// The form checked for one filler over <paramref name="residences"/>: a problem per need the filler
    /// is not served at the fidelity it needs somewhere, naming the field, what is needed and what is held.
    /// An aggregate needs its field held (at <c>exists</c> or more) somewhere, as the aggregate query does.
    /// </summary>
    public async Task<IReadOnlyList<FormProblem>> CheckAsync(FormDefinition form, CallerContext filler, IReadOnlyList<string> residences, CancellationToken cancellationToken)
    {
        if (purposes.Find(form.Purpose) is not { } purpose)
        {
            return [new FormProblem("purpose", $"未知用途 / unknown purpose '{form.Purpose}'")];
        }
        var needs = Needs(form, schema);
        var shortfalls = needs.ToDictionary(n => n, _ => new List<(string Where, Fidelity Served)>());
        var anyHeld = false;
        foreach (var residence in residences)
        {
            var node = tree.Find(residence)!;
            var location = node.Kind == JurisdictionKind.Grid ? new ResidentLocation("", node.Parent!, node.Code) : new ResidentLocation("", node.Code, null);
            var access = await resolver.ResolveAsync(filler, purpose, location, cancellationToken);
            anyHeld |= !access.IsEmpty;
            foreach (var need in needs)
            {
                var served = access.Find(need.Field)?.Served ?? Fidelity.None;
                if (!FieldProjector.Covers(schema[need.Field], served, need.Needs))
                {
                    shortfalls[need].Add((residence, served));
                }
            }
        }
        if (form.Rows == FormRowKinds.Aggregate)
        {
            var need = needs.FirstOrDefault();
            var countsNothing = need is null ? !anyHeld : shortfalls[need].Count == residences.Count;
            return countsNothing
                ? [new FormProblem(need?.Path ?? "purpose", $"{filler.Role} 在此用途下不能统计{(need is null ? "居民" : Label(need.Field))} / the filler may count nothing here for {form.Purpose}")]
                : [];
        }
        return [.. shortfalls.Where(s => s.Value.Count > 0).Select(s => Refusal(s.Key, s.Value, filler, form.Purpose))];
    }

    private FormProblem Refusal(FormNeed need, List<(string Where, Fidelity Served)> at, CallerContext filler, string purpose)
    {
        var highest = at.Max(a => a.Served);
        var where = string.Join("、", at.Take(3).Select(a => tree.Find(a.Where)?.NameZh ?? a.Where)) + (at.Count > 3 ? string.Create(CultureInfo.InvariantCulture, $" 等 {at.Count} 处") : "");
        var field = schema[need.Field];
        var why = need.Needs == Fidelity.Clear && field.Level >= SensitivityLevel.L4
            ? $"{field.Key} 是 {field.Level} 字段，明文只能逐人申请查看（reveal）/ {field.Level}: its clear value leaves only by a logged reveal, never in a form"
            : highest >= need.Needs
            ? $"需要 {need.Needs.Name()}，{filler.Role} 在 {where} 只有 {highest.Name()}，而此字段的 {highest.Name()} 只显示{(FieldProjector.Shows(field, highest) == Fidelity.Exists ? "有无" : "类别")} / needs {need.Needs.Name()}; the filler's {highest.Name()} of this field shows only {(FieldProjector.Shows(field, highest) == Fidelity.Exists ? "whether a value is recorded" : "its class")}, less than {need.Needs.Name()}"
            : $"需要 {need.Needs.Name()}，{filler.Role} 在 {where} 只有 {highest.Name()} / needs {need.Needs.Name()}, the filler holds {highest.Name()} for {purpose} at {at.Count} place(s)";
        return new FormProblem(need.Path, $"{Label(need.Field)}（{need.Field}）：{why}");
    }

    private string Label(string key) => schema.TryGet(key, out var f) ? f.LabelZh : key;

    /// <summary>The residence jurisdictions (communities and grids) at or below <paramref name="code"/>.</summary>
    public IReadOnlyList<string> Residences(string code) =>
        [.. tree.Nodes.Where(n => n.Kind is JurisdictionKind.Community or JurisdictionKind.Grid && ResidentApi.ResidentScope.IsWithin(tree, n.Code, code)).Select(n => n.Code)];
}
