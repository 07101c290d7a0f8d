using System.Globalization;

namespace DataVault.Vault.Schema;

/// <summary>
/// Citizen identity numbers per GB 11643-1999: 6-digit administrative division code, 8-digit
/// birth date, 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.
/// </summary>
public static class ChineseIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckChars = "10X98765432";

    // GB/T 2260 province-level prefixes (the first two digits of any division code).
    private static readonly HashSet<int> Provinces =
    [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
        50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
    ];

    /// <summary>Full-width to ASCII, spaces removed, a trailing lowercase x upper-cased.</summary>
    public static string Normalize(string raw) => TextNormalizer.ToAsciiCompact(raw).ToUpperInvariant();

    /// <summary>Checks a normalised ID number; returns null when valid, else a reason that never repeats the number.</summary>
    public static string? Check(string id, DateOnly today)
    {
        if (id.Length != 18)
        {
            return "ID number must have 18 characters";
        }
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(id[i]))
            {
                return "ID number must be 17 digits and a check character";
            }
        }
        if (!char.IsAsciiDigit(id[17]) && id[17] != 'X')
        {
            return "ID number must be 17 digits and a check character";
        }
        if (!Provinces.Contains((id[0] - '0') * 10 + (id[1] - '0')))
        {
            return "ID number has an unknown region prefix";
        }
        if (BirthDateOf(id) is not { } birth || birth.Year < 1900 || birth > today)
        {
            return "ID number has an invalid birth date";
        }
        return CheckCharFor(id.AsSpan(0, 17)) == id[17] ? null : "ID number check digit is wrong";
    }

    /// <summary>The ISO 7064 MOD 11-2 check character for the first 17 digits.</summary>
    public static char CheckCharFor(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }
        return CheckChars[sum % 11];
    }

    public static DateOnly? BirthDateOf(string id) =>
        DateOnly.TryParseExact(id.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}

/// <summary>Normalisation shared by codes, numbers and dates typed in Chinese input methods.</summary>
public static class TextNormalizer
{
    /// <summary>
    /// Full-width ASCII (U+FF01–U+FF5E) to ASCII; spaces (incl. the ideographic space) and hyphens
    /// removed. Returns <paramref name="raw"/> itself when there is nothing to change (the common case
    /// in a bulk import: no string is made).
    /// </summary>
    public static string ToAsciiCompact(string raw)
    {
        if (!raw.AsSpan().ContainsAny(Compacted) && !HasFullWidth(raw))
        {
            return raw;
        }
        return string.Create(CountKept(raw), raw, static (chars, raw) =>
        {
            var n = 0;
            foreach (var ch in raw)
            {
                var c = FromFullWidth(ch);
                if (!Compacted.Contains(c))
                {
                    chars[n++] = c;
                }
            }
        });
    }

    /// <summary>Full-width ASCII to ASCII, surrounding whitespace trimmed; <paramref name="raw"/> itself when nothing changes.</summary>
    public static string ToAscii(string raw)
    {
        var trimmed = raw.AsSpan().Trim(Trimmed);
        if (!HasFullWidth(trimmed))
        {
            return trimmed.Length == raw.Length ? raw : trimmed.ToString();
        }
        // U+FF01–U+FF5E map to '!'..'~': the conversion never makes a character the trim removes.
        var start = raw.Length - raw.AsSpan().TrimStart(Trimmed).Length;
        return string.Create(trimmed.Length, (raw, start), static (chars, s) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = FromFullWidth(s.raw[s.start + i]);
            }
        });
    }

    private static readonly char[] Trimmed = [' ', '\u3000', '\t'];
    private static readonly System.Buffers.SearchValues<char> Compacted = System.Buffers.SearchValues.Create(" \u3000\t-");

    private static bool HasFullWidth(ReadOnlySpan<char> value) => value.ContainsAnyInRange('\uFF01', '\uFF5E');

    private static char FromFullWidth(char c) => c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c;

    private static int CountKept(string raw)
    {
        var n = 0;
        foreach (var ch in raw)
        {
            if (!Compacted.Contains(FromFullWidth(ch)))
            {
                n++;
            }
        }
        return n;
    }
}
