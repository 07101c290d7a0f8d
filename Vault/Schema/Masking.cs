using System.Globalization;

namespace DataVault.Vault.Schema;

/// <summary>
/// The <c>masked</c> fidelity of a value, per the field's masking rule (DESIGN.md, "Field
/// classification": <c>张*</c>, <c>138****5678</c>, birth year). <c>Category</c> shows the enum
/// class or, for free text, only that a value exists; <c>Exists</c> shows only presence.
/// </summary>
public static class Masking
{
    public const string Present = "present";

    public static string Mask(FieldDefinition field, string value) => field.Masking switch
    {
        MaskingRule.None => value,
        MaskingRule.Name => MaskName(value),
        MaskingRule.Phone => MaskPhone(value),
        MaskingRule.IdNumber => MaskIdNumber(value),
        MaskingRule.BirthYear => value.Length >= 4 ? value[..4] : Present,
        MaskingRule.Address => MaskAddress(value),
        MaskingRule.Category => field.Type switch
        {
            FieldType.Enum or FieldType.Bool => value,
            FieldType.Int => value,
            FieldType.String or FieldType.Date or FieldType.Code => Present,
        },
        MaskingRule.Exists => Present,
    };

    /// <summary>Keeps the surname (first character), one <c>*</c> for every other character.</summary>
    public static string MaskName(string name)
    {
        var chars = StringInfoElements(name);
        return chars.Count <= 1 ? "*" : chars[0] + new string('*', chars.Count - 1);
    }

    /// <summary>138****5678: first 3 and last 4 digits.</summary>
    public static string MaskPhone(string phone) =>
        phone.Length < 8 ? new string('*', phone.Length) : phone[..3] + new string('*', phone.Length - 7) + phone[^4..];

    /// <summary>5101**********1234: first 4 and last 4 characters of the 18.</summary>
    public static string MaskIdNumber(string id) =>
        id.Length < 9 ? new string('*', id.Length) : id[..4] + new string('*', id.Length - 8) + id[^4..];

    /// <summary>Keeps the first 6 characters (district and street names), the rest masked.</summary>
    public static string MaskAddress(string address)
    {
        var chars = StringInfoElements(address);
        return chars.Count <= 6 ? new string('*', chars.Count) : string.Concat(chars.Take(6)) + "****";
    }

    private static List<string> StringInfoElements(string s)
    {
        var list = new List<string>(s.Length);
        var e = StringInfo.GetTextElementEnumerator(s);
        while (e.MoveNext())
        {
            list.Add((string)e.Current);
        }
        return list;
    }
}
