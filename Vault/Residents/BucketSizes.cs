using System.Globalization;
using System.Numerics;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Residents;

/// <summary>
/// The levels a resident record has a bucket for, and the size every bucket's plaintext is padded to.
/// A bucket's floor is the largest content the schema's validation rules allow at that level (every
/// field present at its longest: text:N as 3·N UTF-8 bytes, codes, enums, dates and integers at their
/// longest), so every valid record's bucket of a level has the same size whatever it holds: the size
/// tells nothing about which facts, or how long a name, a resident has. Content past the floor (a
/// value stored before validation was tightened) is padded to the next power of two.
/// </summary>
internal sealed class BucketSizes
{
    private readonly int[] _floor = new int[(int)SensitivityLevel.L5 + 1];
    private readonly string[][] _keysByLevel = new string[(int)SensitivityLevel.L5 + 1][];

    public BucketSizes(ResidentSchema schema)
    {
        for (var level = SensitivityLevel.L1; level <= SensitivityLevel.L5; level++)
        {
            var fields = schema.Fields.Where(f => f.Level == level).ToArray();
            _keysByLevel[(int)level] = [.. fields.Select(f => f.Key)];
            _floor[(int)level] = ResidentBlob.ContentPrefixSize(fields.Length) + fields.Sum(f => ResidentBlob.EntrySize(f.Key, MaxValueBytes(f.Rule)));
        }
        Levels = [.. Enum.GetValues<SensitivityLevel>().Where(l => _keysByLevel[(int)l].Length > 0).Order()];
    }

    /// <summary>The levels the schema declares a field at, ascending: every record has exactly these buckets.</summary>
    public IReadOnlyList<SensitivityLevel> Levels { get; }

    /// <summary>The plaintext size of a bucket of <paramref name="level"/> holding <paramref name="contentLength"/> bytes.</summary>
    public int PaddedSize(SensitivityLevel level, int contentLength)
    {
        var floor = _floor[(int)level];
        return contentLength <= floor ? floor : (int)BitOperations.RoundUpToPowerOf2((uint)contentLength);
    }

    /// <summary>
    /// Whether a read must open the bucket of <paramref name="level"/>: some field of that level is
    /// served (<paramref name="wanted"/>) or shown by presence only.
    /// </summary>
    public bool IsNeeded(SensitivityLevel level, Func<string, bool> wanted, Func<string, bool>? presenceOnly)
    {
        foreach (var key in _keysByLevel[(int)level])
        {
            if (wanted(key) || presenceOnly?.Invoke(key) == true)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The most UTF-8 bytes a valid value of this rule takes (a UTF-16 unit is at most 3 UTF-8 bytes).</summary>
    private static int MaxValueBytes(FieldRule rule) => rule.Kind switch
    {
        FieldRuleKind.Text => 3 * rule.Max,
        FieldRuleKind.Gb11643 => 18,
        FieldRuleKind.PhoneCn => 11,
        FieldRuleKind.Enum => rule.Values!.Max(v => System.Text.Encoding.UTF8.GetByteCount(v)),
        FieldRuleKind.Date => 10,
        FieldRuleKind.Int => Math.Max(Digits(rule.Min), Digits(rule.Max)),
        FieldRuleKind.Bool => 5,
        FieldRuleKind.Jurisdiction => 15,
        FieldRuleKind.Compound => 32,
        _ => 64,
    };

    private static int Digits(int value) => value.ToString(CultureInfo.InvariantCulture).Length;
}
