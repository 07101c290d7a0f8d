using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Residents;

/// <summary>
/// One problem with one input record: its row (1-based data row; for CSV the header is row 1 and the
/// first resident row 2), the field key, and a reason. The reason never contains an L3+ value.
/// </summary>
public sealed record RecordError(int Row, string Field, string Reason)
{
    public override string ToString() => $"row {Row}, field {Field}: {Reason}";
}

/// <summary>A validated, normalised resident record, ready for the writer.</summary>
public sealed record ValidResident(int Row, IReadOnlyDictionary<string, string> Fields, Jurisdiction Community, string? GridCode)
{
    public string IdNumber => Fields["id_number"];

    public string? Phone => Fields.GetValueOrDefault("phone");

    public string CommunityCode => Community.Code;

    public string StreetCode => Community.Parent!;

    public string DistrictCode => Community.DistrictCode;
}

/// <summary>Either a valid record or every problem found in it.</summary>
public sealed record ValidationOutcome(ValidResident? Resident, IReadOnlyList<RecordError> Errors)
{
    public bool IsValid => Resident is not null;
}

/// <summary>
/// Validates a whole input record against the schema (the negative list: unknown keys are
/// rejected), the required fields, each field's rule and the jurisdiction tree. A record may be
/// partial: absent or empty fields are simply not collected.
/// </summary>
internal sealed class ResidentValidator(ResidentSchema schema, JurisdictionTree tree, TimeProvider time)
{
    public ResidentSchema Schema => schema;

    public ValidationOutcome Validate(int row, IEnumerable<KeyValuePair<string, string?>> input)
    {
        var errors = new List<RecordError>();
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in input)
        {
            if (!schema.TryGet(key, out _))
            {
                errors.Add(new RecordError(row, key, "unknown field (not in the resident schema)"));
                continue;
            }
            if (!string.IsNullOrWhiteSpace(value))
            {
                raw[key] = value;
            }
        }
        foreach (var field in schema.Fields.Where(f => f.Required && !raw.ContainsKey(f.Key)))
        {
            errors.Add(new RecordError(row, field.Key, "required"));
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var values = new Dictionary<string, string>(raw.Count, StringComparer.Ordinal);
        string? community = null;
        // The community goes first: grid and compound are checked against it.
        if (raw.TryGetValue("community", out var rawCommunity))
        {
            var reason = FieldValueValidator.Validate(schema["community"], rawCommunity, null, tree, today, out var code);
            if (reason is null)
            {
                community = code;
                values["community"] = code;
            }
            else
            {
                errors.Add(new RecordError(row, "community", Quote(schema["community"], reason, rawCommunity)));
            }
        }
        foreach (var (key, value) in raw)
        {
            if (key == "community")
            {
                continue;
            }
            var field = schema[key];
            var reason = FieldValueValidator.Validate(field, value, community, tree, today, out var normalized);
            if (reason is null)
            {
                values[key] = normalized;
            }
            else if (community is not null || field.Rule.Kind is not (FieldRuleKind.Compound or FieldRuleKind.Jurisdiction))
            {
                errors.Add(new RecordError(row, key, Quote(field, reason, value)));
            }
        }

        if (values.TryGetValue("id_number", out var id) && values.TryGetValue("birth_date", out var birth)
            && ChineseIdNumber.BirthDateOf(id) is { } fromId && fromId.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) != birth)
        {
            errors.Add(new RecordError(row, "birth_date", "does not match the birth date in the ID number"));
        }

        if (errors.Count > 0)
        {
            return new ValidationOutcome(null, errors);
        }
        values.TryGetValue("grid", out var grid);
        return new ValidationOutcome(new ValidResident(row, values, tree.Find(community!)!, grid), errors);
    }

    /// <summary>Only L1/L2 values (codes, compounds) may be repeated back in an error; never L3+.</summary>
    private static string Quote(FieldDefinition field, string reason, string value) =>
        field.Level <= SensitivityLevel.L2 && value.Length <= 40 ? $"{reason} ('{value.Trim()}')" : reason;
}
