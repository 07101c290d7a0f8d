using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace DataVault.Policy.Matching;

internal enum ValueKind : byte
{
    Null,
    Bool,
    Number,
    String,
    /// <summary>An attribute object (dictionary, <see cref="JsonElement"/>, any CLR object) or an array (<c>Value[]</c>).</summary>
    Object,
}

/// <summary>
/// A matcher value without boxing: numbers are doubles (Casbin's reference compares float64), strings and
/// objects are references. Kept a struct so that evaluating a rule allocates nothing.
/// </summary>
internal readonly struct Value
{
    public static readonly Value Null;
    public static readonly Value True = new(ValueKind.Bool, 1, null);
    public static readonly Value False = new(ValueKind.Bool, 0, null);
    public static readonly Value EmptyString = new(ValueKind.String, 0, "");

    public readonly ValueKind Kind;
    public readonly double Number;
    public readonly object? Ref;

    private Value(ValueKind kind, double number, object? reference)
    {
        Kind = kind;
        Number = number;
        Ref = reference;
    }

    public static Value FromString(string s) => new(ValueKind.String, 0, s);

    public static Value FromNumber(double d) => new(ValueKind.Number, d, null);

    public static Value FromBool(bool b) => b ? True : False;

    public static Value FromArray(Value[] items) => new(ValueKind.Object, 0, items);

    public bool IsTrue => Kind == ValueKind.Bool && Number != 0;

    public string? AsString => Kind == ValueKind.String ? (string)Ref! : null;

    /// <summary>Converts a request value or attribute (string, number, bool, null, dictionary, JSON, list, object).</summary>
    public static Value FromObject(object? o) => o switch
    {
        null => Null,
        string s => FromString(s),
        bool b => FromBool(b),
        double d => FromNumber(d),
        float f => FromNumber(f),
        int i => FromNumber(i),
        long l => FromNumber(l),
        short s16 => FromNumber(s16),
        byte b8 => FromNumber(b8),
        uint u => FromNumber(u),
        ulong ul => FromNumber(ul),
        decimal m => FromNumber((double)m),
        Value v => v,
        JsonElement e => FromJson(e),
        _ => new Value(ValueKind.Object, 0, o),
    };

    public static Value FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => FromString(e.GetString()!),
        JsonValueKind.Number => FromNumber(e.GetDouble()),
        JsonValueKind.True => True,
        JsonValueKind.False => False,
        JsonValueKind.Null or JsonValueKind.Undefined => Null,
        JsonValueKind.Object or JsonValueKind.Array => new Value(ValueKind.Object, 0, e),
        _ => Null,
    };

    /// <summary>The CLR form handed to custom functions: string, double, bool, null or the attribute object.</summary>
    public object? ToObject() => Kind switch
    {
        ValueKind.Null => null,
        ValueKind.Bool => IsTrue,
        ValueKind.Number => Number,
        ValueKind.String => Ref,
        ValueKind.Object => Ref is Value[] items ? items.Select(i => i.ToObject()).ToArray() : Ref,
    };

    /// <summary>Equality as Casbin's evaluator does it: same type and same value; numbers compare numerically.</summary>
    public static bool AreEqual(in Value a, in Value b)
    {
        if (a.Kind != b.Kind)
        {
            return false;
        }
        return a.Kind switch
        {
            ValueKind.Null => true,
            ValueKind.Bool or ValueKind.Number => a.Number == b.Number,
            ValueKind.String => string.Equals((string)a.Ref!, (string)b.Ref!, StringComparison.Ordinal),
            ValueKind.Object => ReferenceEquals(a.Ref, b.Ref) || (a.Ref is JsonElement x && b.Ref is JsonElement y && JsonElement.DeepEquals(x, y)),
        };
    }

    /// <summary>The elements of an array value, or null when the value is not an array.</summary>
    public IEnumerable<Value>? AsSequence()
    {
        if (Kind != ValueKind.Object)
        {
            return null;
        }
        return Ref switch
        {
            Value[] items => items,
            JsonElement { ValueKind: JsonValueKind.Array } e => e.EnumerateArray().Select(FromJson),
            string => null,
            IEnumerable list when Ref is not IDictionary && Ref is not IReadOnlyDictionary<string, object?> => list.Cast<object?>().Select(FromObject),
            _ => null,
        };
    }

    public override string ToString() => Kind switch
    {
        ValueKind.Null => "null",
        ValueKind.Bool => IsTrue ? "true" : "false",
        ValueKind.Number => Number.ToString(CultureInfo.InvariantCulture),
        ValueKind.String => (string)Ref!,
        ValueKind.Object => Ref is Value[] items ? "[" + string.Join(", ", items) + "]" : Ref?.ToString() ?? "null",
    };
}

/// <summary>A matcher could not be evaluated for this request (wrong argument types, unknown attribute).</summary>
internal sealed class MatcherException(string message) : Exception(message);
