using DataVault.Policy;

namespace DataVault.Tests.Policy;

/// <summary>
/// The C# twins of Tests/oracle/functions.js: custom matcher functions registered under the same names on
/// our engine and on npm casbin, so a model that calls them gets the same answers from both.
/// </summary>
internal static class DifferentialFunctions
{
    /// <summary>Statistical division code lengths of whole levels: province, city, district, street, community.</summary>
    private static readonly int[] LevelLengths = [2, 4, 6, 9, 12];

    public static readonly IReadOnlyDictionary<string, Func<object?[], object?>> All = new Dictionary<string, Func<object?[], object?>>(StringComparer.Ordinal)
    {
        ["jurisdictionWithin"] = args => JurisdictionWithin(Arg(args, 0), Arg(args, 1)),
        ["hasPrefix"] = args => Arg(args, 0) is { } value && Arg(args, 1) is { } prefix && value.StartsWith(prefix, StringComparison.Ordinal),
    };

    /// <summary>A code is within an ancestor when equal, or when the ancestor is a whole level's code and a proper prefix.</summary>
    public static bool JurisdictionWithin(string? child, string? ancestor)
    {
        if (child is null || string.IsNullOrEmpty(ancestor))
        {
            return false;
        }
        if (child == ancestor)
        {
            return true;
        }
        return LevelLengths.Contains(ancestor.Length) && child.Length > ancestor.Length && child.StartsWith(ancestor, StringComparison.Ordinal);
    }

    public static void Register(Enforcer enforcer, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            enforcer.AddFunction(name, All[name]);
        }
    }

    private static string? Arg(object?[] args, int index) => index < args.Length ? args[index] as string : null;
}
