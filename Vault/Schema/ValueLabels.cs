namespace DataVault.Vault.Schema;

/// <summary>
/// What an enum code reads as on paper: <c>policies/value-labels.csv</c> (field, value, label_zh,
/// label_en), one row per value of every enum field of fields.csv. Department forms print these (a
/// roster says 共青团员, not cyl_member). A code with no row prints as itself.
/// </summary>
public sealed class ValueLabels
{
    public const string FileName = "value-labels.csv";
    private static readonly string[] Columns = ["field", "value", "label_zh", "label_en"];
    private readonly Dictionary<(string Field, string Value), (string Zh, string En)> _labels;

    private ValueLabels(Dictionary<(string, string), (string, string)> labels) => _labels = labels;

    public string Label(string field, string value, bool english = false) =>
        _labels.TryGetValue((field, value), out var l) ? english ? l.En : l.Zh : value;

    public static ValueLabels LoadOrThrow(string policiesDirectory, ResidentSchema schema)
    {
        var (labels, errors) = Load(Path.Combine(policiesDirectory, FileName), schema);
        return errors.Count == 0 ? labels! : throw new InvalidDataException(string.Join("; ", errors.Select(e => $"{e.File}:{e.Line}: {e.Column}: {e.Reason}")));
    }

    /// <summary>Reads the file; every row must name an enum field and one of its values, once; every enum value needs a row.</summary>
    public static (ValueLabels? Labels, IReadOnlyList<PolicyFileError> Errors) Load(string path, ResidentSchema schema)
    {
        var (rows, errors) = PolicyCsv.Read(path, Columns);
        var problems = new List<PolicyFileError>(errors);
        var labels = new Dictionary<(string, string), (string, string)>();
        foreach (var row in rows)
        {
            var c = row.Cells;
            if (!schema.TryGet(c["field"], out var field) || field.Type != FieldType.Enum)
            {
                problems.Add(new(FileName, row.Line, "field", $"'{c["field"]}' is not an enum field of fields.csv"));
            }
            else if (field.Rule.Values?.Contains(c["value"]) != true)
            {
                problems.Add(new(FileName, row.Line, "value", $"'{c["value"]}' is not a value of {field.Key}"));
            }
            else if (!labels.TryAdd((field.Key, c["value"]), (c["label_zh"], c["label_en"])))
            {
                problems.Add(new(FileName, row.Line, "value", $"{field.Key}={c["value"]} is labelled twice"));
            }
        }
        foreach (var field in schema.Fields.Where(f => f.Type == FieldType.Enum))
        {
            foreach (var value in (field.Rule.Values ?? []).Where(v => !labels.ContainsKey((field.Key, v))))
            {
                problems.Add(new(FileName, 0, "value", $"{field.Key}={value} has no label"));
            }
        }
        return problems.Count == 0 ? (new ValueLabels(labels), []) : (null, problems);
    }
}
