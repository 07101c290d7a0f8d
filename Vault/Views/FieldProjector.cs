using System.Globalization;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Views;

/// <summary>One field as served: the fidelity, the value at that fidelity (null for <c>exists</c>), and whether a value is recorded.</summary>
public sealed record ServedValue(string Fidelity, string? Value, bool Present);

/// <summary>
/// Renders a stored value at a fidelity. <c>masked</c> applies the field's masking rule
/// (<see cref="Masking"/>); <c>category</c> keeps only the class: an enum, flag or small number as
/// is, a date as its decade, free text and codes as "present"; <c>exists</c> says only whether a
/// value is recorded.
/// </summary>
public static class FieldProjector
{
    public static ServedValue Project(FieldDefinition field, Fidelity fidelity, string? value) => fidelity switch
    {
        _ when value is null => new ServedValue(fidelity.Name(), null, false),
        Fidelity.Exists => new ServedValue(fidelity.Name(), null, true),
        Fidelity.Category => new ServedValue(fidelity.Name(), Category(field, value), true),
        Fidelity.Masked => new ServedValue(fidelity.Name(), Masking.Mask(field, value), true),
        Fidelity.Clear => new ServedValue(fidelity.Name(), value, true),
        _ => throw new ArgumentOutOfRangeException(nameof(fidelity), "a field at fidelity none is not served"),
    };

    /// <summary>
    /// Whether serving a field at a fidelity reads its value, or only whether one is recorded. A read
    /// leaves the envelopes of the second kind sealed (ResidentCodec.SealedPresent marks them).
    /// </summary>
    public static bool NeedsValue(FieldDefinition field, Fidelity fidelity) => fidelity switch
    {
        Fidelity.None or Fidelity.Exists => false,
        Fidelity.Category => field.Type is not (FieldType.String or FieldType.Code),
        Fidelity.Masked => field.Masking switch
        {
            MaskingRule.Exists => false,
            MaskingRule.Category => field.Type is not (FieldType.String or FieldType.Date or FieldType.Code),
            _ => true,
        },
        _ => true,
    };

    /// <summary>
    /// How much a fidelity shows of this field, on the ladder exists &lt; category &lt; masked &lt; clear.
    /// The ladder is not the same for every field: <c>masked</c> under the <c>exists</c> masking rule
    /// shows only presence (so less than <c>category</c>, which shows a flag's value), and under the
    /// <c>category</c> rule a date or text shows only presence and an enum, flag or number its class.
    /// </summary>
    public static Fidelity Shows(FieldDefinition field, Fidelity fidelity) => fidelity.Readable() switch
    {
        Fidelity.Masked => field.Masking switch
        {
            MaskingRule.Exists => Fidelity.Exists,
            MaskingRule.Category => field.Type is FieldType.Date ? Fidelity.Exists : Fidelity.Category,
            _ => Fidelity.Masked,
        },
        var f => f,
    };

    /// <summary>
    /// Whether a caller served <paramref name="held"/> may be given this field at <paramref name="needed"/>:
    /// only when the needed rendering shows nothing the held one does not. A form or a filter that
    /// asks for a flag's category must not be served to a caller whose masked view shows only presence.
    /// </summary>
    public static bool Covers(FieldDefinition field, Fidelity held, Fidelity needed) => Shows(field, held) >= Shows(field, needed);

    public static string Category(FieldDefinition field, string value) => field.Type switch
    {
        FieldType.Enum or FieldType.Bool or FieldType.Int => value,
        FieldType.Date when value.Length >= 4 && int.TryParse(value.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            => $"{year / 10 * 10}s",
        _ => Masking.Present,
    };
}
