using System.Globalization;

namespace DataVault.Vault.Api;

/// <summary>
/// A stated reason (reveal, break-glass) is free text the resident reads in their access log and the
/// privacy officer reviews, so it must say something: not only long enough, but not one character
/// repeated, a short pattern repeated, or only digits and punctuation (issue 14, item 8, where
/// <c>aaaaaaaaaa</c> passed). The checks are language-neutral: Chinese reasons pass on the same rules.
/// </summary>
public static class ReasonText
{
    private const int MinDistinct = 4;
    private const int MinLetters = 2;
    private const int MaxRepeatedUnit = 4;

    /// <summary>Null when <paramref name="reason"/> (already trimmed) is acceptable; else why not, in Chinese and English, without echoing it.</summary>
    public static string? Problem(string reason, int minLength, int maxLength)
    {
        var length = new StringInfo(reason).LengthInTextElements;
        if (length < minLength || length > maxLength)
        {
            return $"须为 {minLength} 到 {maxLength} 个字符 / must be {minLength} to {maxLength} characters";
        }
        var meaningful = reason.Where(char.IsLetterOrDigit).ToList();
        var saysSomething = meaningful.Count(char.IsLetter) >= MinLetters
            && meaningful.Distinct().Count() >= MinDistinct
            && meaningful.GroupBy(c => c).Max(g => g.Count()) * 2 <= meaningful.Count
            && !IsRepetition(reason);
        return saysSomething
            ? null
            : "请写明具体原因，不能是重复的字符或只有数字符号 / state an actual reason: not a repeated character or pattern, not only digits and symbols";
    }

    // "abababab", "测试测试测试": the whole text is one short unit over and over.
    private static bool IsRepetition(string text)
    {
        var compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c) && !char.IsPunctuation(c)));
        for (var unit = 1; unit <= MaxRepeatedUnit && unit < compact.Length; unit++)
        {
            if (compact.Length % unit == 0 && Enumerable.Range(unit, compact.Length - unit).All(i => compact[i] == compact[i - unit]))
            {
                return true;
            }
        }
        return false;
    }
}
