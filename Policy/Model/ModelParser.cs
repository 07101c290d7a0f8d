using System.Text.RegularExpressions;

namespace DataVault.Policy.Model;

/// <summary>
/// Reads Casbin's model format: INI-like sections (<c>[request_definition]</c> …), <c>key = value</c> lines,
/// whole-line comments (<c>#</c> or <c>;</c>), trailing <c>#</c> comments outside quotes, and a trailing
/// backslash continuing a value on the next line. Errors carry file, line and column.
/// </summary>
internal static partial class ModelParser
{
    private static readonly Dictionary<string, char> SectionLetters = new(StringComparer.Ordinal)
    {
        ["request_definition"] = 'r',
        ["policy_definition"] = 'p',
        ["role_definition"] = 'g',
        ["policy_effect"] = 'e',
        ["matchers"] = 'm',
    };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();

    private sealed record Entry(string Section, string Key, string Value, int Line, int KeyColumn, int ValueColumn);

    public static PolicyResult<ModelDefinition> Parse(string text, string file)
    {
        var errors = new List<PolicyError>();
        var entries = new List<Entry>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        string? section = null;
        var sectionsSeen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var raw = lines[i];
            var trimmed = raw.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#' || trimmed[0] == ';')
            {
                continue;
            }
            var indent = raw.IndexOf(trimmed[0], StringComparison.Ordinal) + 1;
            if (trimmed[0] == '[')
            {
                var close = trimmed.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    errors.Add(new PolicyError(file, lineNumber, indent, "expected ']' to close the section name"));
                    continue;
                }
                var name = trimmed[1..close].Trim();
                if (!SectionLetters.ContainsKey(name))
                {
                    errors.Add(new PolicyError(file, lineNumber, indent + 1, $"unknown section [{name}]"));
                    section = null;
                    continue;
                }
                if (!sectionsSeen.Add(name))
                {
                    errors.Add(new PolicyError(file, lineNumber, indent + 1, $"duplicate section [{name}]"));
                }
                section = name;
                continue;
            }
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                errors.Add(new PolicyError(file, lineNumber, indent, "expected 'key = value'"));
                continue;
            }
            var key = raw[..eq].Trim();
            var valueStart = eq + 1;
            while (valueStart < raw.Length && char.IsWhiteSpace(raw[valueStart]))
            {
                valueStart++;
            }
            var value = StripComment(raw[valueStart..]).TrimEnd();
            // A trailing backslash continues the value on the next line.
            while (value.EndsWith('\\') && i + 1 < lines.Length)
            {
                i++;
                value = value[..^1].TrimEnd() + " " + StripComment(lines[i]).Trim();
            }
            if (section is null)
            {
                errors.Add(new PolicyError(file, lineNumber, indent, $"'{key}' is outside any section"));
                continue;
            }
            var letter = SectionLetters[section];
            if (!IsSectionKey(key, letter))
            {
                errors.Add(new PolicyError(file, lineNumber, indent, $"key '{key}' does not belong in [{section}] (expected '{letter}', '{letter}2', ...)"));
                continue;
            }
            if (entries.Exists(e => e.Key == key))
            {
                errors.Add(new PolicyError(file, lineNumber, indent, $"duplicate definition of '{key}'"));
                continue;
            }
            entries.Add(new Entry(section, key, value, lineNumber, indent, valueStart + 1));
        }

        var requests = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var policies = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var roles = new Dictionary<string, RoleDefinition>(StringComparer.Ordinal);
        var effects = new Dictionary<string, EffectKind>(StringComparer.Ordinal);
        var matchers = new Dictionary<string, MatcherDefinition>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            switch (SectionLetters[entry.Section])
            {
                case 'r':
                    if (ParseTokens(entry, file, errors) is { } r)
                    {
                        requests[entry.Key] = r;
                    }
                    break;
                case 'p':
                    if (ParseTokens(entry, file, errors) is { } p)
                    {
                        policies[entry.Key] = p;
                    }
                    break;
                case 'g':
                    if (ParseRole(entry, file, errors) is { } g)
                    {
                        roles[entry.Key] = g;
                    }
                    break;
                case 'e':
                    if (ModelDefinition.ParseEffect(entry.Value) is { } effect)
                    {
                        effects[entry.Key] = effect;
                    }
                    else
                    {
                        errors.Add(new PolicyError(file, entry.Line, entry.ValueColumn, $"unsupported policy effect '{entry.Value}'"));
                    }
                    break;
                case 'm':
                    matchers[entry.Key] = new MatcherDefinition(entry.Key, entry.Value, entry.Line, entry.ValueColumn);
                    break;
                default:
                    break;
            }
        }
        foreach (var (name, letter) in SectionLetters)
        {
            if (letter != 'g' && !sectionsSeen.Contains(name) && errors.Count == 0)
            {
                errors.Add(new PolicyError(file, 0, 0, $"missing section [{name}]"));
            }
        }
        if (errors.Count > 0)
        {
            return PolicyResult<ModelDefinition>.Failure(errors);
        }
        return PolicyResult<ModelDefinition>.Success(new ModelDefinition
        {
            File = file,
            Requests = requests,
            Policies = policies,
            Roles = roles,
            Effects = effects,
            Matchers = matchers,
        });
    }

    private static bool IsSectionKey(string key, char letter) =>
        key.Length >= 1 && key[0] == letter && key.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    /// <summary>Drops a trailing <c>#</c> or <c>;</c> comment that is outside string literals.</summary>
    private static string StripComment(string value)
    {
        char quote = '\0';
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'' or '`')
            {
                quote = c;
            }
            else if (c is '#' or ';')
            {
                return value[..i];
            }
        }
        return value;
    }

    private static string[]? ParseTokens(Entry entry, string file, List<PolicyError> errors)
    {
        var tokens = new List<string>();
        var offset = 0;
        foreach (var part in entry.Value.Split(','))
        {
            var token = part.Trim();
            var column = entry.ValueColumn + offset + (part.Length - part.TrimStart().Length);
            offset += part.Length + 1;
            if (!IdentifierPattern().IsMatch(token))
            {
                errors.Add(new PolicyError(file, entry.Line, column, $"'{token}' is not a valid field name in '{entry.Key}'"));
                return null;
            }
            if (tokens.Contains(token))
            {
                errors.Add(new PolicyError(file, entry.Line, column, $"duplicate field '{token}' in '{entry.Key}'"));
                return null;
            }
            tokens.Add(token);
        }
        return [.. tokens];
    }

    private static RoleDefinition? ParseRole(Entry entry, string file, List<PolicyError> errors)
    {
        var value = entry.Value;
        var open = value.IndexOf('(', StringComparison.Ordinal);
        var main = open < 0 ? value : value[..open];
        var conditionCount = 0;
        if (open >= 0)
        {
            var close = value.IndexOf(')', open);
            if (close < 0)
            {
                errors.Add(new PolicyError(file, entry.Line, entry.ValueColumn + open, "expected ')' to close the condition parameters"));
                return null;
            }
            var inner = value[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries);
            if (inner.Any(t => t != "_"))
            {
                errors.Add(new PolicyError(file, entry.Line, entry.ValueColumn + open + 1, "condition parameters must be '_'"));
                return null;
            }
            conditionCount = inner.Length;
        }
        var parts = main.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 2 or > 3 || parts.Any(t => t != "_"))
        {
            errors.Add(new PolicyError(file, entry.Line, entry.ValueColumn, $"role definition '{entry.Key}' must be '_, _' or '_, _, _'"));
            return null;
        }
        return new RoleDefinition(entry.Key, parts.Length == 3, conditionCount);
    }
}
