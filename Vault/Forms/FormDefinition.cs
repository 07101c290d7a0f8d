using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using DataVault.Identity.Units;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Forms;

/// <summary>
/// A department form (一表通, issue 15 item 1) as data: what the department prints (title, columns in
/// order with their Chinese titles), which residents it lists (the filter), who fills it (a role, and
/// the department for a caseworker) for which purpose, and at which jurisdiction level. The vault fills
/// it from the one record under the policy and grants in force; docs/forms.md has the format.
/// </summary>
public sealed partial record FormDefinition
{
    public required string Code { get; init; }
    public required string Title { get; init; }
    public string? TitleEn { get; init; }

    /// <summary>Who the form goes to, as the department names itself (区民政局); shown under the title.</summary>
    public string? Recipient { get; init; }

    public required FormFiller FilledBy { get; init; }
    public required string Purpose { get; init; }

    /// <summary>The level a fill covers at least: <c>community</c> (one community at a time, or all of a street or district), <c>street</c> or <c>district</c>.</summary>
    public string Level { get; init; } = "community";

    /// <summary><c>resident</c>: one row per resident; <c>aggregate</c>: counts per jurisdiction of <see cref="Level"/>, k-anonymous.</summary>
    public string Rows { get; init; } = FormRowKinds.Resident;

    public IReadOnlyList<FormFilter> Filter { get; init; } = [];
    public IReadOnlyList<FormColumn> Columns { get; init; } = [];

    /// <summary>For <c>rows: aggregate</c>: the field counted per category (absent: residents counted).</summary>
    public string? AggregateField { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // A null where the definition needs a value ("filledBy": null) is a mistake of shape (422), not a crash.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Codes the API's routes use next to a form's code (<c>/forms/fills</c>): never a form's.</summary>
    public static readonly IReadOnlySet<string> ReservedCodes = new HashSet<string>(StringComparer.Ordinal) { "fills" };

    // \z, not $: "$" also matches before a final newline, which would let "dibao\n" through.
    [GeneratedRegex(@"^[a-z][a-z0-9_]{1,47}\z", RegexOptions.CultureInvariant)]
    public static partial Regex CodePattern();
}

public sealed record FormFiller(string Role, string? Department = null);

public static class FormRowKinds
{
    public const string Resident = "resident";
    /// <summary>One row per household (一户一码), described by its head's record: the filter and columns are the head's.</summary>
    public const string Household = "household";
    public const string Aggregate = "aggregate";
}

/// <summary>
/// One column: a schema field at a stated fidelity (<c>field</c> + <c>fidelity</c>), or a value the
/// vault derives (<c>value</c>: see <see cref="FormValues"/>). <c>labels: false</c> prints an enum's
/// code instead of its Chinese label.
/// </summary>
public sealed record FormColumn
{
    public required string Title { get; init; }
    public string? Field { get; init; }
    public string? Fidelity { get; init; }
    public string? Value { get; init; }
    public bool Labels { get; init; } = true;
}

/// <summary>
/// One condition every listed resident meets: on a field (<c>field</c>) or a derived value
/// (<c>value</c>: <c>age</c>), with <c>op</c> eq, ne, in, present, absent, ge, gt, le, lt and
/// <c>equals</c> (a string: a code, true/false, a number) or <c>among</c> (for in).
/// </summary>
public sealed record FormFilter
{
    public string? Field { get; init; }
    public string? Value { get; init; }
    public required string Op { get; init; }
    /// <summary>The value compared with (JSON <c>equals</c>).</summary>
    [JsonPropertyName("equals")]
    public string? Target { get; init; }
    public IReadOnlyList<string>? Among { get; init; }
}

/// <summary>The values a column or filter can derive, and what each needs of the record.</summary>
public static class FormValues
{
    public const string RowNumber = "row_number";
    public const string Age = "age";
    public const string AgeBand = "age_band";
    public const string CommunityName = "community_name";
    public const string GridName = "grid_name";
    public const string Blank = "blank";

    /// <summary>Each derived value → the field it is computed from and the fidelity it needs of it (none: it reads nothing).</summary>
    public static readonly IReadOnlyDictionary<string, (string? Field, Fidelity Needs)> Sources = new Dictionary<string, (string?, Fidelity)>(StringComparer.Ordinal)
    {
        [RowNumber] = (null, Fidelity.None),
        [Blank] = (null, Fidelity.None),
        // Age in whole years from the year of birth (the masked birth date): what the policy gives a
        // caseworker; the full date is not needed for a roster's 年龄.
        [Age] = ("birth_date", Fidelity.Masked),
        [AgeBand] = ("birth_date", Fidelity.Masked),
        // The fill reads community by community (the jurisdiction columns, as a list does), so naming
        // a listed resident's community tells the filler nothing it did not ask for.
        [CommunityName] = (null, Fidelity.None),
        [GridName] = ("grid", Fidelity.Clear),
    };
}

/// <summary>A mistake in a definition, at a JSON path (<c>columns[2].fidelity</c>), in words for the person who wrote it.</summary>
public sealed record FormProblem(string Path, string Reason);

/// <summary>Reads and checks the shape of a definition: everything that does not depend on the policy.</summary>
public static class FormDefinitionReader
{
    public static readonly string[] FilterOps = ["eq", "ne", "in", "present", "absent", "ge", "gt", "le", "lt"];
    private static readonly string[] Levels = ["community", "street", "district"];

    public static (FormDefinition? Form, IReadOnlyList<FormProblem> Problems) Read(string json, ResidentSchema schema, PurposeCatalog purposes)
    {
        FormDefinition? form;
        try
        {
            form = JsonSerializer.Deserialize<FormDefinition>(json, FormDefinition.Json);
        }
        catch (JsonException e)
        {
            return (null, [new FormProblem(e.Path ?? "$", "不是有效的表单定义 JSON / not a form definition: " + FirstSentence(e.Message))]);
        }
        if (form is null)
        {
            return (null, [new FormProblem("$", "表单定义为空 / the definition is empty")]);
        }
        var problems = Check(form, schema, purposes);
        return problems.Count == 0 ? (form, []) : (null, problems);
    }

    public static IReadOnlyList<FormProblem> Check(FormDefinition form, ResidentSchema schema, PurposeCatalog purposes)
    {
        var problems = new List<FormProblem>();
        void Fail(string path, string reason) => problems.Add(new FormProblem(path, reason));
        if (!FormDefinition.CodePattern().IsMatch(form.Code))
        {
            Fail("code", "2–48 个小写字母、数字或下划线，字母开头 / 2–48 lowercase letters, digits or _, starting with a letter");
        }
        else if (FormDefinition.ReservedCodes.Contains(form.Code))
        {
            Fail("code", $"'{form.Code}' 是保留字 / '{form.Code}' is reserved (an API route)");
        }
        if (string.IsNullOrWhiteSpace(form.Title) || form.Title.Length > 100)
        {
            Fail("title", "标题必填，不超过 100 字 / a title of 1–100 characters is required");
        }
        // Text printed into the file: a control character is not text (and makes an XLSX that Excel refuses to open).
        foreach (var (path, text) in new[] { ("title", form.Title), ("titleEn", form.TitleEn), ("recipient", form.Recipient) }
                     .Concat(form.Columns.Select((c, i) => ($"columns[{i}].title", c?.Title))))
        {
            if (text is not null && text.Any(char.IsControl))
            {
                Fail(path, "不能含控制字符（换行、制表符等）/ no control characters (newlines, tabs…)");
            }
        }
        if (form.FilledBy.Role is UnitRoles.Resident)
        {
            Fail("filledBy", "居民不填报表单 / residents do not fill forms");
        }
        else if (UnitRoles.Validate(form.FilledBy.Role, "510107", form.FilledBy.Department) is { } unit)
        {
            Fail("filledBy", unit);
        }
        if (purposes.Find(form.Purpose) is null)
        {
            Fail("purpose", $"未知用途 '{form.Purpose}' / unknown purpose (purposes.csv)");
        }
        if (!Levels.Contains(form.Level))
        {
            Fail("level", "community、street 或 district / community, street or district");
        }
        if (form.Rows is not (FormRowKinds.Resident or FormRowKinds.Household or FormRowKinds.Aggregate))
        {
            Fail("rows", "resident、household 或 aggregate / resident, household or aggregate");
        }
        if (form.Rows == FormRowKinds.Aggregate)
        {
            if (form.Columns.Count > 0 || form.Filter.Count > 0)
            {
                Fail("columns", "统计表的列由统计字段决定，不能另列字段或筛选 / an aggregate form's columns are its field's categories: no columns or filter");
            }
            if (form.AggregateField is { } key && (!schema.TryGet(key, out var f) || f.Level >= SensitivityLevel.L5))
            {
                Fail("aggregateField", "不是可统计的字段 / not a field that can be counted (L5 never is)");
            }
            return problems;
        }
        if (form.AggregateField is not null)
        {
            Fail("aggregateField", "只用于 rows: aggregate / only for rows: aggregate");
        }
        if (form.Columns.Count is 0 or > 60)
        {
            Fail("columns", "1–60 列 / 1 to 60 columns");
        }
        for (var i = 0; i < form.Columns.Count; i++)
        {
            var c = form.Columns[i];
            var path = $"columns[{i}]";
            if (c is null)
            {
                Fail(path, "列不能为 null / a column cannot be null");
                continue;
            }
            if (string.IsNullOrWhiteSpace(c.Title) || c.Title.Length > 60)
            {
                Fail(path + ".title", "列标题必填，不超过 60 字 / a column title of 1–60 characters is required");
            }
            if ((c.Field is null) == (c.Value is null))
            {
                Fail(path, "写 field（加 fidelity）或 value 之一 / give either field (with fidelity) or value");
                continue;
            }
            if (c.Field is not null)
            {
                if (!schema.TryGet(c.Field, out var field))
                {
                    Fail(path + ".field", $"未知字段 '{c.Field}' / unknown field (fields.csv)");
                }
                else if (field.Level >= SensitivityLevel.L5)
                {
                    Fail(path + ".field", $"{field.Key} 是 L5 字段，从不进入表单 / {field.Key} is L5: it never leaves in a form");
                }
                if (!FidelityNames.TryParse(c.Fidelity, out var fidelity) || fidelity is Fidelity.None or Fidelity.Write)
                {
                    Fail(path + ".fidelity", "exists、category、masked 或 clear / exists, category, masked or clear");
                }
            }
            else if (!FormValues.Sources.ContainsKey(c.Value!))
            {
                Fail(path + ".value", $"未知派生值 '{c.Value}' / unknown value (one of: {string.Join(", ", FormValues.Sources.Keys)})");
            }
        }
        for (var i = 0; i < form.Filter.Count; i++)
        {
            if (form.Filter[i] is null)
            {
                Fail($"filter[{i}]", "条件不能为 null / a condition cannot be null");
                continue;
            }
            CheckFilter(form.Filter[i], $"filter[{i}]", schema, Fail);
        }
        return problems;
    }

    private static void CheckFilter(FormFilter f, string path, ResidentSchema schema, Action<string, string> fail)
    {
        if (!FilterOps.Contains(f.Op))
        {
            fail(path + ".op", $"one of: {string.Join(", ", FilterOps)}");
            return;
        }
        if ((f.Field is null) == (f.Value is null))
        {
            fail(path, "写 field 或 value（age）之一 / give either field or value (age)");
            return;
        }
        if (f.Value is not null && f.Value != FormValues.Age)
        {
            fail(path + ".value", "只能按 age 筛选 / the only derived value a filter takes is age");
            return;
        }
        FieldDefinition? field = null;
        if (f.Field is not null && (!schema.TryGet(f.Field, out field) || field.Level >= SensitivityLevel.L5))
        {
            fail(path + ".field", $"未知字段或 L5 字段 '{f.Field}' / unknown field, or L5 (never filtered on)");
            return;
        }
        var ordered = f.Op is "ge" or "gt" or "le" or "lt";
        var numeric = f.Value == FormValues.Age || field?.Type == FieldType.Int;
        if (ordered && !numeric)
        {
            fail(path + ".op", "大小比较只用于整数字段和 age / ge, gt, le and lt need an int field or age");
        }
        if (f.Op == "in" ? f.Among is not { Count: > 0 } : f.Op is not ("present" or "absent") && f.Target is null)
        {
            fail(path, f.Op == "in" ? "in 需要 among 列表 / 'in' needs an 'among' list" : $"{f.Op} 需要 equals / '{f.Op}' needs 'equals'");
        }
        if (numeric && f.Target is { } n && !int.TryParse(n, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            fail(path + ".equals", "需要整数 / an integer");
        }
        if (field is not null && f.Op is "eq" or "ne" or "in")
        {
            foreach (var v in f.Target is null ? f.Among ?? [] : [f.Target])
            {
                if (!IsValue(field, v))
                {
                    fail(path, $"'{v}' 不是 {field.Key} 的取值 / not a value {field.Key} can take");
                }
            }
        }
    }

    /// <summary>Can <paramref name="field"/> hold <paramref name="value"/>? Codes of an enum, true/false, an int in range; free text and dates take any value.</summary>
    private static bool IsValue(FieldDefinition field, string value) => field.Type switch
    {
        FieldType.Enum => field.Rule.Values?.Contains(value) == true,
        FieldType.Bool => value is "true" or "false",
        FieldType.Int => int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && (field.Rule.Kind != FieldRuleKind.Int || n >= field.Rule.Min && n <= field.Rule.Max),
        _ => true,
    };

    private static string FirstSentence(string message) => message.Split(". ")[0];

    /// <summary>
    /// The fidelity a filter needs of its field: presence needs <c>exists</c>; comparing a code, a
    /// boolean or a number needs <c>category</c> (where the value is its category); comparing free text
    /// or a date needs <c>clear</c>; age needs the year of birth (<c>masked</c>). Listing a resident
    /// because of the condition tells the reader its outcome, so the fill logs the field at that fidelity.
    /// </summary>
    public static (string Field, Fidelity Needs) Needs(FormFilter filter, ResidentSchema schema)
    {
        if (filter.Value == FormValues.Age)
        {
            return ("birth_date", Fidelity.Masked);
        }
        var field = schema[filter.Field!];
        return filter.Op is "present" or "absent" ? (field.Key, Fidelity.Exists)
            : field.Type is FieldType.Enum or FieldType.Bool or FieldType.Int ? (field.Key, Fidelity.Category)
            : (field.Key, Fidelity.Clear);
    }
}
