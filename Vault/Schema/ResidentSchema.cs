using System.Collections.Frozen;

namespace DataVault.Vault.Schema;

/// <summary>
/// The resident schema loaded from <c>policies/fields.csv</c>. It is also the negative list: a field
/// that is not declared here cannot be stored (FIELD-NOTES.md, "What the studies ask for").
/// </summary>
public sealed class ResidentSchema
{
    public const string FileName = "fields.csv";

    public static readonly IReadOnlyList<string> Columns =
        ["key", "label_zh", "label_en", "type", "category", "department", "level", "masking", "validation", "indexed", "required"];

    /// <summary>Field keys the rest of the vault relies on by name (issue 2, item 2).</summary>
    public static readonly IReadOnlyList<string> MandatoryKeys = ["name", "id_number", "phone", "community"];

    private readonly FrozenDictionary<string, FieldDefinition> _byKey;
    private readonly FrozenDictionary<string, FieldDefinition>.AlternateLookup<ReadOnlySpan<char>> _byKeySpan;

    private ResidentSchema(IReadOnlyList<FieldDefinition> fields)
    {
        Fields = fields;
        _byKey = fields.ToFrozenDictionary(f => f.Key, StringComparer.Ordinal);
        _byKeySpan = _byKey.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public IReadOnlyList<FieldDefinition> Fields { get; }

    public FieldDefinition this[string key] => _byKey[key];

    public bool TryGet(string key, out FieldDefinition field) => _byKey.TryGetValue(key, out field!);

    /// <summary>As <see cref="TryGet(string, out FieldDefinition)"/>, without a string: a read looks up every key of a stored blob.</summary>
    public bool TryGet(ReadOnlySpan<char> key, out FieldDefinition field) => _byKeySpan.TryGetValue(key, out field!);

    public static ResidentSchema LoadOrThrow(string path)
    {
        var (schema, errors) = Load(path);
        return schema ?? throw new InvalidOperationException("Invalid resident schema: " + string.Join("; ", errors));
    }

    /// <summary>Loads and checks the schema; returns every problem found (with line and column) instead of the first.</summary>
    public static (ResidentSchema? Schema, IReadOnlyList<PolicyFileError> Errors) Load(string path)
    {
        var (rows, readErrors) = PolicyCsv.Read(path, Columns);
        var errors = readErrors.ToList();
        var fields = new List<FieldDefinition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var c = row.Cells;
            void Fail(string column, string reason) => errors.Add(new PolicyFileError(FileName, row.Line, column, reason));

            var key = c["key"];
            if (key.Length == 0 || !key.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                Fail("key", "must be lower_snake_case");
                continue;
            }
            if (!seen.Add(key))
            {
                Fail("key", $"duplicate field '{key}'");
                continue;
            }
            var ok = true;
            if (!Enum.TryParse<FieldType>(c["type"], ignoreCase: true, out var type) || c["type"].Any(char.IsUpper))
            {
                Fail("type", $"unknown type '{c["type"]}'");
                ok = false;
            }
            if (c["level"] is not ("L1" or "L2" or "L3" or "L4" or "L5"))
            {
                Fail("level", $"unknown level '{c["level"]}' (expected L1..L5)");
                ok = false;
            }
            var masking = ParseMasking(c["masking"]);
            if (masking is null)
            {
                Fail("masking", $"unknown masking '{c["masking"]}'");
                ok = false;
            }
            if (!FieldRule.TryParse(c["validation"], out var rule, out var ruleError))
            {
                Fail("validation", ruleError);
                ok = false;
            }
            var indexed = ParseBool(c["indexed"]);
            var required = ParseBool(c["required"]);
            if (indexed is null)
            {
                Fail("indexed", "must be true or false");
                ok = false;
            }
            if (required is null)
            {
                Fail("required", "must be true or false");
                ok = false;
            }
            if (c["label_zh"].Length == 0 || c["label_en"].Length == 0 || c["category"].Length == 0 || c["department"].Length == 0)
            {
                Fail("label_zh", "labels, category and department must not be empty");
                ok = false;
            }
            if (!ok)
            {
                continue;
            }

            var level = (SensitivityLevel)(c["level"][1] - '0');
            // DESIGN.md: L5 never has an equality index (a blind index would let anyone holding the
            // index key test "is this ID number a drug user?").
            if (indexed == true && level == SensitivityLevel.L5)
            {
                Fail("indexed", "an L5 field is never indexed");
                continue;
            }
            fields.Add(new FieldDefinition(key, c["label_zh"], c["label_en"], type, c["category"], c["department"], level,
                masking!.Value, rule, indexed!.Value, required!.Value));
        }

        foreach (var key in MandatoryKeys.Where(k => !seen.Contains(k)))
        {
            errors.Add(new PolicyFileError(FileName, 0, "key", $"mandatory field '{key}' is missing"));
        }
        return errors.Count == 0 ? (new ResidentSchema(fields), errors) : (null, errors);
    }

    private static MaskingRule? ParseMasking(string text) => text switch
    {
        "none" => MaskingRule.None,
        "name" => MaskingRule.Name,
        "phone" => MaskingRule.Phone,
        "id_number" => MaskingRule.IdNumber,
        "birth_year" => MaskingRule.BirthYear,
        "address" => MaskingRule.Address,
        "category" => MaskingRule.Category,
        "exists" => MaskingRule.Exists,
        _ => null,
    };

    private static bool? ParseBool(string text) => text switch
    {
        "true" => true,
        "false" => false,
        _ => null,
    };
}
