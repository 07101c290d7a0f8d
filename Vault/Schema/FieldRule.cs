using System.Globalization;

namespace DataVault.Vault.Schema;

/// <summary>The kind of check a field's <c>validation</c> column asks for.</summary>
public enum FieldRuleKind
{
    /// <summary><c>text:N</c>: any text of at most N characters.</summary>
    Text,
    /// <summary><c>gb11643</c>: a citizen ID number (GB 11643-1999).</summary>
    Gb11643,
    /// <summary><c>phone_cn</c>: a mainland China mobile number.</summary>
    PhoneCn,
    /// <summary><c>enum:a|b|c</c>.</summary>
    Enum,
    /// <summary><c>date</c>: ISO 8601 calendar date, not in the future.</summary>
    Date,
    /// <summary><c>int:min..max</c>.</summary>
    Int,
    /// <summary><c>bool</c>: true/false, 1/0, 是/否.</summary>
    Bool,
    /// <summary><c>jurisdiction:community</c> or <c>jurisdiction:grid</c>: a code in the jurisdiction tree.</summary>
    Jurisdiction,
    /// <summary><c>compound</c>: a residential compound of the record's community.</summary>
    Compound,
}

/// <summary>A parsed <c>validation</c> column.</summary>
public sealed record FieldRule(FieldRuleKind Kind, int Min = 0, int Max = 0, IReadOnlyList<string>? Values = null, string? JurisdictionKind = null)
{
    public static bool TryParse(string text, out FieldRule rule, out string error)
    {
        rule = new FieldRule(FieldRuleKind.Text, 0, 0);
        error = "";
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? text : text[..colon];
        var arg = colon < 0 ? "" : text[(colon + 1)..];
        switch (name)
        {
            case "text" when int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 0:
                rule = new FieldRule(FieldRuleKind.Text, 0, max);
                return true;
            case "gb11643" when arg.Length == 0:
                rule = new FieldRule(FieldRuleKind.Gb11643);
                return true;
            case "phone_cn" when arg.Length == 0:
                rule = new FieldRule(FieldRuleKind.PhoneCn);
                return true;
            case "date" when arg.Length == 0:
                rule = new FieldRule(FieldRuleKind.Date);
                return true;
            case "bool" when arg.Length == 0:
                rule = new FieldRule(FieldRuleKind.Bool);
                return true;
            case "compound" when arg.Length == 0:
                rule = new FieldRule(FieldRuleKind.Compound);
                return true;
            case "jurisdiction" when arg is "community" or "grid":
                rule = new FieldRule(FieldRuleKind.Jurisdiction, JurisdictionKind: arg);
                return true;
            case "enum" when arg.Length > 0:
                var values = arg.Split('|');
                if (values.Any(v => v.Length == 0) || values.Distinct(StringComparer.Ordinal).Count() != values.Length)
                {
                    error = "enum values must be non-empty and distinct";
                    return false;
                }
                rule = new FieldRule(FieldRuleKind.Enum, Values: values);
                return true;
            case "int":
                var parts = arg.Split("..");
                if (parts.Length == 2
                    && int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var lo)
                    && int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var hi)
                    && lo <= hi)
                {
                    rule = new FieldRule(FieldRuleKind.Int, lo, hi);
                    return true;
                }
                error = "int needs a range like int:0..20";
                return false;
            default:
                error = $"unknown validation '{text}' (expected text:N, gb11643, phone_cn, enum:a|b, date, int:a..b, bool, jurisdiction:community|grid, compound)";
                return false;
        }
    }
}
