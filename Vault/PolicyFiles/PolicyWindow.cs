using System.Globalization;
using DataVault.Policy;

namespace DataVault.Vault.PolicyFiles;

/// <summary>
/// A time window on one hand-written <c>p</c> rule: the rule decides from <see cref="From"/>
/// (inclusive) until <see cref="Until"/> (exclusive); a missing side is open. It is written as a
/// comment on the line before the rule (docs/policy-model.md, "Time windows"), which Casbin and the
/// npm oracle ignore, so the model stays unchanged: the composition leaves the rule out whenever the
/// window is not open.
/// </summary>
internal sealed record PolicyWindow(DateTimeOffset? From, DateTimeOffset? Until)
{
    /// <summary>The word that makes a comment a window annotation: <c># window: FROM/UNTIL</c>.</summary>
    public const string Keyword = "window";

    /// <summary>China Standard Time (no daylight saving): the offset windows are written in.</summary>
    public static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    // Minutes or seconds, with an explicit offset or Z: a timestamp without an offset would mean
    // different instants on differently configured nodes, so it is an error, not a guess.
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'",
    ];

    public bool IsOpenAt(DateTimeOffset at) => (From is not { } from || from <= at) && (Until is not { } until || at < until);

    /// <summary>The earliest side of the window strictly after <paramref name="at"/>: when the rule next starts or stops deciding.</summary>
    public DateTimeOffset? NextBoundaryAfter(DateTimeOffset at) =>
        From is { } from && from > at ? from
        : Until is { } until && until > at ? until
        : null;

    /// <summary>The annotation line, in Beijing time: <c># window: 2026-12-01T00:00:00+08:00/2026-12-31T23:59:59+08:00</c>.</summary>
    public string ToAnnotation() => $"# {Keyword}: {Format(From)}/{Format(Until)}";

    public static string Format(DateTimeOffset? at) =>
        at is { } t ? t.ToOffset(Beijing).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) : "";

    /// <summary>
    /// Whether <paramref name="line"/> is a window annotation: a comment whose first word is
    /// <c>window</c> (any case, with or without the colon). Recognised broadly on purpose: a mistyped
    /// annotation that passed as an ordinary comment would make a time-limited rule permanent.
    /// </summary>
    public static bool IsAnnotation(string line, out int afterKeyword)
    {
        afterKeyword = 0;
        var i = SkipSpaces(line, 0);
        if (i >= line.Length || line[i] != '#')
        {
            return false;
        }
        i = SkipSpaces(line, i + 1);
        if (string.Compare(line, i, Keyword, 0, Keyword.Length, StringComparison.OrdinalIgnoreCase) != 0)
        {
            return false;
        }
        var end = i + Keyword.Length;
        if (end < line.Length && char.IsLetterOrDigit(line[end]))
        {
            return false;
        }
        afterKeyword = end;
        return true;
    }

    /// <summary>Parses an annotation line (<see cref="IsAnnotation"/> is true); the error's column is 1-based.</summary>
    public static PolicyWindow? Parse(string line, out (int Column, string Message)? error)
    {
        error = null;
        if (!IsAnnotation(line, out var i))
        {
            error = (1, "not a window annotation");
            return null;
        }
        i = SkipSpaces(line, i);
        if (i >= line.Length || line[i] != ':')
        {
            error = (i + 1, "expected ':' after 'window': write '# window: FROM/UNTIL' (ISO 8601 with an offset; either side may be empty)");
            return null;
        }
        var start = SkipSpaces(line, i + 1);
        var value = line[start..].TrimEnd();
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = (start + 1, "a window is 'FROM/UNTIL' with a '/' between them; either side may be empty ('FROM/' or '/UNTIL')");
            return null;
        }
        var fromText = value[..slash].Trim();
        var untilText = value[(slash + 1)..].Trim();
        if (fromText.Length == 0 && untilText.Length == 0)
        {
            error = (start + 1, "a window needs a start, an end or both");
            return null;
        }
        DateTimeOffset? from = null;
        DateTimeOffset? until = null;
        if (fromText.Length > 0)
        {
            if (!TryParseInstant(fromText, out var f))
            {
                error = (start + 1 + value.IndexOf(fromText, StringComparison.Ordinal), Unreadable(fromText));
                return null;
            }
            from = f;
        }
        var untilColumn = start + 1 + slash + 1 + (value[(slash + 1)..].Length - value[(slash + 1)..].TrimStart().Length);
        if (untilText.Length > 0)
        {
            if (!TryParseInstant(untilText, out var u))
            {
                error = (untilColumn, Unreadable(untilText));
                return null;
            }
            until = u;
        }
        if (from is { } a && until is { } b && b <= a)
        {
            error = (untilColumn, $"the window ends ({Format(b)}) at or before it starts ({Format(a)})");
            return null;
        }
        return new PolicyWindow(from, until);
    }

    public static bool TryParseInstant(string text, out DateTimeOffset at) =>
        DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at);

    private static string Unreadable(string text) =>
        $"'{text}' is not a timestamp with an offset (ISO 8601, e.g. 2026-12-01T00:00+08:00 or 2026-11-30T16:00:00Z)";

    private static int SkipSpaces(string line, int i)
    {
        while (i < line.Length && char.IsWhiteSpace(line[i]))
        {
            i++;
        }
        return i;
    }
}

/// <summary>
/// The windows of a hand-written policy text: which rule line each limits, the rule lines left out
/// because their annotation does not parse (fail closed), and every annotation error with its line
/// and column. Line numbers are 1-based.
/// </summary>
internal sealed class PolicyWindows
{
    private PolicyWindows(Dictionary<int, PolicyWindow> byRuleLine, HashSet<int> blocked, List<PolicyError> errors)
    {
        ByRuleLine = byRuleLine;
        Blocked = blocked;
        Errors = errors;
    }

    /// <summary>The window of the <c>p</c> rule at each line that has one.</summary>
    public IReadOnlyDictionary<int, PolicyWindow> ByRuleLine { get; }

    /// <summary>Rule lines right after an annotation that does not parse: composed as never open.</summary>
    public IReadOnlySet<int> Blocked { get; }

    /// <summary>The annotation errors, reported against <c>policy.csv</c> (the caller sets the file).</summary>
    public IReadOnlyList<PolicyError> Errors { get; }

    public static PolicyWindows Scan(string handWrittenPolicy, string policyPath)
    {
        var lines = handWrittenPolicy.Split('\n');
        var byRuleLine = new Dictionary<int, PolicyWindow>();
        var blocked = new HashSet<int>();
        var errors = new List<PolicyError>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (!PolicyWindow.IsAnnotation(line, out _))
            {
                continue;
            }
            var window = PolicyWindow.Parse(line, out var error);
            var next = i + 1 < lines.Length ? lines[i + 1].TrimEnd('\r') : "";
            var kind = CsvLine.Split(next, out _) is { Count: > 0 } cells ? cells[0] : "";
            if (kind != "p")
            {
                var message = kind.StartsWith('g')
                    ? $"a window limits a 'p' rule; a '{kind}' line (role or group link) cannot carry one"
                    : "a window annotation must be directly followed by the 'p' rule it limits";
                errors.Add(new PolicyError(policyPath, i + 1, 1, message));
                continue;
            }
            if (error is { } e)
            {
                errors.Add(new PolicyError(policyPath, i + 1, e.Column, e.Message));
                blocked.Add(i + 2);
                continue;
            }
            byRuleLine[i + 2] = window!;
        }
        return new PolicyWindows(byRuleLine, blocked, errors);
    }

    /// <summary>The earliest boundary of any window strictly after <paramref name="at"/>, or null when no window changes after it.</summary>
    public DateTimeOffset? NextBoundaryAfter(DateTimeOffset at) =>
        ByRuleLine.Values.Select(w => w.NextBoundaryAfter(at)).Where(b => b is not null).Min();
}
