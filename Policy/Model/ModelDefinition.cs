using System.Text.RegularExpressions;

namespace DataVault.Policy.Model;

/// <summary>How the decisions of all matching rules combine into one (Casbin's <c>[policy_effect]</c>).</summary>
internal enum EffectKind
{
    /// <summary><c>some(where (p.eft == allow))</c></summary>
    AllowOverride,
    /// <summary><c>!some(where (p.eft == deny))</c></summary>
    DenyOverride,
    /// <summary><c>some(where (p.eft == allow)) &amp;&amp; !some(where (p.eft == deny))</c></summary>
    AllowAndDeny,
    /// <summary><c>priority(p.eft) || deny</c>: the first matching rule with a definite effect decides.</summary>
    Priority,
    /// <summary><c>subjectPriority(p.eft) || deny</c>: as priority, rules ordered by subject depth.</summary>
    SubjectPriority,
}

/// <summary>A <c>g</c>-type definition: <c>_, _</c> (2), <c>_, _, _</c> (with domain), plus <c>(_, _)</c> condition parameters.</summary>
internal sealed record RoleDefinition(string Key, bool HasDomain, int ConditionParameters)
{
    public int FieldCount => (HasDomain ? 3 : 2) + ConditionParameters;
}

/// <summary>A matcher expression and where its text starts in the file, so compile errors point at the right column.</summary>
internal sealed record MatcherDefinition(string Key, string Text, int Line, int Column);

/// <summary>One parsed model (.conf): immutable after parsing.</summary>
internal sealed class ModelDefinition
{
    public required string File { get; init; }
    public required IReadOnlyDictionary<string, string[]> Requests { get; init; }
    public required IReadOnlyDictionary<string, string[]> Policies { get; init; }
    public required IReadOnlyDictionary<string, RoleDefinition> Roles { get; init; }
    public required IReadOnlyDictionary<string, EffectKind> Effects { get; init; }
    public required IReadOnlyDictionary<string, MatcherDefinition> Matchers { get; init; }

    /// <summary>Recognises Casbin's five effect expressions; spacing and <c>p_eft</c>/<c>p2.eft</c> spellings are accepted.</summary>
    public static EffectKind? ParseEffect(string text)
    {
        var normal = Regex.Replace(text, @"\s+", "", RegexOptions.CultureInvariant);
        normal = Regex.Replace(normal, @"\bp[0-9]*[._]eft\b", "p.eft", RegexOptions.CultureInvariant);
        return normal switch
        {
            "some(where(p.eft==allow))" => EffectKind.AllowOverride,
            "!some(where(p.eft==deny))" => EffectKind.DenyOverride,
            "some(where(p.eft==allow))&&!some(where(p.eft==deny))" => EffectKind.AllowAndDeny,
            "priority(p.eft)||deny" => EffectKind.Priority,
            "subjectPriority(p.eft)||deny" => EffectKind.SubjectPriority,
            _ => null,
        };
    }
}
