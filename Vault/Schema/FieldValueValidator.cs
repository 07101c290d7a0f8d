using System.Globalization;
using DataVault.Vault.Jurisdictions;

namespace DataVault.Vault.Schema;

/// <summary>
/// Checks and normalises one field value against its schema rule. Reasons never contain the value
/// (the caller decides whether a value of a low level may be quoted).
/// </summary>
internal static class FieldValueValidator
{
    /// <summary>Accepted date forms; the first is the stored form.</summary>
    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy/M/d", "yyyyMMdd"];

    /// <summary>Returns null and the normalised value when valid, else a reason.</summary>
    public static string? Validate(FieldDefinition field, string raw, string? community, JurisdictionTree tree, DateOnly today, out string normalized)
    {
        normalized = raw.Trim();
        var rule = field.Rule;
        switch (rule.Kind)
        {
            case FieldRuleKind.Text:
                // Control characters (NUL, escape sequences) have no place in a name or an address, and a
                // CSV export or a terminal must never receive them.
                return normalized.Length > rule.Max ? $"longer than {rule.Max} characters"
                    : normalized.Any(char.IsControl) ? "contains control characters" : null;
            case FieldRuleKind.Gb11643:
                normalized = ChineseIdNumber.Normalize(raw);
                return ChineseIdNumber.Check(normalized, today);
            case FieldRuleKind.PhoneCn:
                normalized = NormalizePhone(raw);
                return IsMobile(normalized) ? null : "not a mainland China mobile number";
            case FieldRuleKind.Enum:
                normalized = TextNormalizer.ToAscii(raw).ToLowerInvariant();
                return rule.Values!.Contains(normalized, StringComparer.Ordinal) ? null : $"not one of {string.Join('|', rule.Values!)}";
            case FieldRuleKind.Date:
                normalized = TextNormalizer.ToAscii(raw);
                if (!DateOnly.TryParseExact(normalized, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    return "not a date (yyyy-MM-dd)";
                }
                if (date > today || date.Year < 1900)
                {
                    return "date out of range";
                }
                // Already in the stored form (yyyy-MM-dd is the only 10-character format): keep the string.
                if (normalized.Length != 10 || normalized[4] != '-')
                {
                    normalized = date.ToString(DateFormats[0], CultureInfo.InvariantCulture);
                }
                return null;
            case FieldRuleKind.Int:
                normalized = TextNormalizer.ToAscii(raw);
                if (!int.TryParse(normalized, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    return "not a whole number";
                }
                // Keep the string when it is already the canonical form (no sign, no leading zeros).
                if (normalized.Length == 0 || normalized[0] is '+' or '-' || (normalized.Length > 1 && normalized[0] == '0'))
                {
                    normalized = number.ToString(CultureInfo.InvariantCulture);
                }
                return number < rule.Min || number > rule.Max ? $"out of range {rule.Min}..{rule.Max}" : null;
            case FieldRuleKind.Bool:
                var b = TextNormalizer.ToAscii(raw).ToLowerInvariant() switch
                {
                    "true" or "1" or "yes" or "y" or "是" => "true",
                    "false" or "0" or "no" or "n" or "否" => "false",
                    _ => null,
                };
                normalized = b ?? normalized;
                return b is null ? "not true/false (or 是/否)" : null;
            case FieldRuleKind.Jurisdiction:
                normalized = TextNormalizer.ToAscii(raw);
                var node = tree.Find(normalized);
                if (rule.JurisdictionKind == "community")
                {
                    return node is { Kind: JurisdictionKind.Community } ? null : "unknown community";
                }
                if (node is not { Kind: JurisdictionKind.Grid })
                {
                    return "unknown grid";
                }
                return community is not null && node.Parent != community ? "grid is not in the record's community" : null;
            case FieldRuleKind.Compound:
                normalized = TextNormalizer.ToAscii(raw).ToUpperInvariant();
                if (community is null)
                {
                    return "compound needs a community";
                }
                foreach (var compound in tree.CompoundsOf(community))
                {
                    if (compound.Code == normalized)
                    {
                        return null;
                    }
                }
                return "unknown compound for the record's community";
        }
        return "unsupported rule";
    }

    public static string NormalizePhone(string raw)
    {
        var p = TextNormalizer.ToAsciiCompact(raw).Replace("(", "", StringComparison.Ordinal).Replace(")", "", StringComparison.Ordinal);
        if (p.StartsWith("+86", StringComparison.Ordinal))
        {
            p = p[3..];
        }
        else if (p.StartsWith("0086", StringComparison.Ordinal))
        {
            p = p[4..];
        }
        else if (p.Length == 13 && p.StartsWith("86", StringComparison.Ordinal))
        {
            p = p[2..];
        }
        return p;
    }

    /// <summary>Mainland mobile numbers: 11 digits, 1 then 3–9 (MIIT numbering plan).</summary>
    public static bool IsMobile(string p) =>
        p.Length == 11 && p[0] == '1' && p[1] is >= '3' and <= '9' && p.All(char.IsAsciiDigit);
}
