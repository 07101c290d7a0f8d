using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace DataVault.Policy.Matching;

/// <summary>
/// Casbin's built-in matcher functions, with the reference's semantics (casbin/util builtin operators).
/// Regular expressions are compiled once per pattern and cached; a match is bounded by a timeout so that
/// a hostile pattern in a policy cannot stall decisions.
/// </summary>
internal static partial class BuiltinFunctions
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly ConcurrentDictionary<string, Regex> RegexCache = new(StringComparer.Ordinal);

    /// <summary>Name, arity and implementation over string arguments.</summary>
    internal sealed record Builtin(string Name, int Arity, Func<string[], Value> Invoke);

    public static readonly IReadOnlyDictionary<string, Builtin> All = new Dictionary<string, Builtin>(StringComparer.Ordinal)
    {
        ["keyMatch"] = new("keyMatch", 2, a => Value.FromBool(KeyMatch(a[0], a[1]))),
        ["keyMatch2"] = new("keyMatch2", 2, a => Value.FromBool(KeyMatch2(a[0], a[1]))),
        ["keyMatch3"] = new("keyMatch3", 2, a => Value.FromBool(KeyMatch3(a[0], a[1]))),
        ["keyMatch4"] = new("keyMatch4", 2, a => Value.FromBool(KeyMatch4(a[0], a[1]))),
        ["keyMatch5"] = new("keyMatch5", 2, a => Value.FromBool(KeyMatch5(a[0], a[1]))),
        ["keyGet"] = new("keyGet", 2, a => Value.FromString(KeyGet(a[0], a[1]))),
        ["keyGet2"] = new("keyGet2", 3, a => Value.FromString(KeyGet2(a[0], a[1], a[2]))),
        ["keyGet3"] = new("keyGet3", 3, a => Value.FromString(KeyGet3(a[0], a[1], a[2]))),
        ["regexMatch"] = new("regexMatch", 2, a => Value.FromBool(RegexMatch(a[0], a[1]))),
        ["ipMatch"] = new("ipMatch", 2, a => Value.FromBool(IpMatch(a[0], a[1]))),
        ["globMatch"] = new("globMatch", 2, a => Value.FromBool(GlobMatch(a[0], a[1]))),
        ["timeMatch"] = new("timeMatch", 2, a => Value.FromBool(TimeMatch(a[0], a[1], TimeProvider.System.GetUtcNow()))),
    };

    /// <summary>Calls a builtin with checked arguments: the count and that every argument is a string.</summary>
    public static Value Invoke(Builtin builtin, ReadOnlySpan<Value> args)
    {
        if (args.Length != builtin.Arity)
        {
            throw new MatcherException($"{builtin.Name}: expected {builtin.Arity} arguments, but got {args.Length}");
        }
        var strings = new string[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            strings[i] = args[i].AsString ?? throw new MatcherException($"{builtin.Name}: argument must be a string");
        }
        return builtin.Invoke(strings);
    }

    /// <summary>Calls a builtin by name with CLR arguments (the conformance table's function rows).</summary>
    public static object? Invoke(string name, params object?[] args)
    {
        if (!All.TryGetValue(name, out var builtin))
        {
            throw new MatcherException($"unknown function '{name}'");
        }
        var values = args.Select(Value.FromObject).ToArray();
        return Invoke(builtin, values).ToObject();
    }

    public static bool KeyMatch(string key1, string key2)
    {
        var i = key2.IndexOf('*', StringComparison.Ordinal);
        if (i < 0)
        {
            return key1 == key2;
        }
        return key1.Length > i ? string.CompareOrdinal(key1, 0, key2, 0, i) == 0 : key1 == key2[..i];
    }

    public static bool KeyMatch2(string key1, string key2)
    {
        var pattern = ColonParameter().Replace(key2.Replace("/*", "/.*", StringComparison.Ordinal), "[^/]+");
        return RegexMatch(key1, "^" + pattern + "$");
    }

    public static bool KeyMatch3(string key1, string key2)
    {
        var pattern = BraceParameter().Replace(key2.Replace("/*", "/.*", StringComparison.Ordinal), "[^/]+");
        return RegexMatch(key1, "^" + pattern + "$");
    }

    public static bool KeyMatch4(string key1, string key2)
    {
        var tokens = new List<string>();
        var pattern = BraceParameterCapture().Replace(key2.Replace("/*", "/.*", StringComparison.Ordinal), m =>
        {
            tokens.Add(m.Groups[1].Value);
            return "([^/]+)";
        });
        var match = GetRegex("^" + pattern + "$").Match(key1);
        if (!match.Success)
        {
            return false;
        }
        // The same name bound twice must capture the same text: /parent/{id}/child/{id}.
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            var captured = match.Groups[i + 1].Value;
            if (!values.TryAdd(tokens[i], captured) && values[tokens[i]] != captured)
            {
                return false;
            }
        }
        return true;
    }

    public static bool KeyMatch5(string key1, string key2)
    {
        var q = key1.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            key1 = key1[..q];
        }
        var pattern = BraceParameter().Replace(key2.Replace("/*", "/.*", StringComparison.Ordinal), "[^/]+");
        return RegexMatch(key1, "^" + pattern + "$");
    }

    public static string KeyGet(string key1, string key2)
    {
        var i = key2.IndexOf('*', StringComparison.Ordinal);
        if (i < 0)
        {
            return "";
        }
        if (key1.Length > i && string.CompareOrdinal(key1, 0, key2, 0, i) == 0)
        {
            return key1[i..];
        }
        return "";
    }

    public static string KeyGet2(string key1, string key2, string pathVar)
    {
        key2 = key2.Replace("/*", "/.*", StringComparison.Ordinal);
        var keys = ColonParameter().Matches(key2).Select(m => m.Value).ToList();
        var pattern = "^" + ColonParameter().Replace(key2, "([^/]+)") + "$";
        var match = GetRegex(pattern).Match(key1);
        if (!match.Success)
        {
            return "";
        }
        for (var i = 0; i < keys.Count; i++)
        {
            if (pathVar == keys[i][1..])
            {
                return match.Groups[i + 1].Value;
            }
        }
        return "";
    }

    public static string KeyGet3(string key1, string key2, string pathVar)
    {
        key2 = key2.Replace("/*", "/.*", StringComparison.Ordinal);
        var keys = BraceParameter().Matches(key2).Select(m => m.Value).ToList();
        var pattern = "^" + BraceParameter().Replace(key2, "([^/]+?)") + "$";
        var match = GetRegex(pattern).Match(key1);
        if (!match.Success)
        {
            return "";
        }
        for (var i = 0; i < keys.Count; i++)
        {
            if (pathVar == keys[i][1..^1])
            {
                return match.Groups[i + 1].Value;
            }
        }
        return "";
    }

    /// <summary>Unanchored search, as Go's <c>regexp.MatchString(pattern, key1)</c>.</summary>
    public static bool RegexMatch(string key1, string pattern)
    {
        try
        {
            return GetRegex(pattern).IsMatch(key1);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new MatcherException("regexMatch: the pattern took too long to match");
        }
    }

    private static Regex GetRegex(string pattern)
    {
        if (RegexCache.TryGetValue(pattern, out var cached))
        {
            return cached;
        }
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (ArgumentException e)
        {
            throw new MatcherException($"invalid regular expression '{pattern}': {e.Message}");
        }
        if (RegexCache.Count < 10_000)
        {
            RegexCache.TryAdd(pattern, regex);
        }
        return regex;
    }

    public static bool IpMatch(string ip1, string ip2)
    {
        var address = ParseIp(ip1) ?? throw new MatcherException("invalid argument: ip1 in IPMatch() function is not an IP address.");
        var slash = ip2.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            var other = ParseIp(ip2) ?? throw new MatcherException("invalid argument: ip2 in IPMatch() function is neither an IP address nor a CIDR.");
            return Normalise(address).Equals(Normalise(other));
        }
        var network = ParseIp(ip2[..slash]);
        if (network is null || !int.TryParse(ip2.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            throw new MatcherException("invalid argument: ip2 in IPMatch() function is neither an IP address nor a CIDR.");
        }
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        if (a.Length != n.Length)
        {
            if (a.Length == 16 && address.IsIPv4MappedToIPv6)
            {
                a = address.MapToIPv4().GetAddressBytes();
            }
            else
            {
                return false;
            }
        }
        if (prefix > a.Length * 8)
        {
            throw new MatcherException("invalid argument: ip2 in IPMatch() function is neither an IP address nor a CIDR.");
        }
        for (var bit = 0; bit < prefix; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask))
            {
                return false;
            }
        }
        return true;
    }

    private static IPAddress Normalise(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    /// <summary>Strict parsing as Go's <c>net.ParseIP</c>: dotted quads or IPv6, not "1" or "0x7f.1".</summary>
    private static IPAddress? ParseIp(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(text, out var v6) ? v6 : null;
        }
        return DottedQuad().IsMatch(text) && IPAddress.TryParse(text, out var v4) ? v4 : null;
    }

    /// <summary>
    /// Glob matching by path segments, as the reference's tests define it: a segment that is exactly
    /// <c>**</c> matches zero or more whole segments; elsewhere <c>*</c> and <c>?</c> stay inside one segment
    /// (so <c>foo**</c> is <c>foo*</c>), with <c>[...]</c> classes and <c>\</c> escapes.
    /// </summary>
    public static bool GlobMatch(string key1, string pattern) =>
        Segments(pattern.Split('/'), 0, key1.Split('/'), 0);

    private static bool Segments(string[] pattern, int pi, string[] name, int ni)
    {
        while (pi < pattern.Length)
        {
            if (pattern[pi] == "**")
            {
                for (var skip = ni; skip <= name.Length; skip++)
                {
                    if (Segments(pattern, pi + 1, name, skip))
                    {
                        return true;
                    }
                }
                return false;
            }
            if (ni >= name.Length || !Glob(pattern[pi], 0, name[ni], 0))
            {
                return false;
            }
            pi++;
            ni++;
        }
        return ni == name.Length;
    }

    private static bool Glob(string p, int pi, string s, int si)
    {
        while (pi < p.Length)
        {
            var c = p[pi];
            switch (c)
            {
                case '*':
                {
                    while (pi < p.Length && p[pi] == '*')
                    {
                        pi++;
                    }
                    for (var k = si; ; k++)
                    {
                        if (Glob(p, pi, s, k))
                        {
                            return true;
                        }
                        if (k >= s.Length || s[k] == '/')
                        {
                            return false;
                        }
                    }
                }
                case '?':
                    if (si >= s.Length || s[si] == '/')
                    {
                        return false;
                    }
                    pi++;
                    si++;
                    break;
                case '[':
                {
                    var (matched, next) = MatchClass(p, pi, si < s.Length ? s[si] : '\0');
                    if (si >= s.Length || !matched)
                    {
                        return false;
                    }
                    pi = next;
                    si++;
                    break;
                }
                case '\\':
                    pi++;
                    if (pi >= p.Length)
                    {
                        throw new MatcherException("globMatch: syntax error in pattern");
                    }
                    if (si >= s.Length || s[si] != p[pi])
                    {
                        return false;
                    }
                    pi++;
                    si++;
                    break;
                default:
                    if (si >= s.Length || s[si] != c)
                    {
                        return false;
                    }
                    pi++;
                    si++;
                    break;
            }
        }
        return si == s.Length;
    }

    private static (bool Matched, int Next) MatchClass(string p, int pi, char c)
    {
        var i = pi + 1;
        var negate = i < p.Length && p[i] == '^';
        if (negate)
        {
            i++;
        }
        var matched = false;
        var first = true;
        while (true)
        {
            if (i >= p.Length)
            {
                throw new MatcherException("globMatch: syntax error in pattern");
            }
            if (p[i] == ']' && !first)
            {
                i++;
                break;
            }
            first = false;
            var lo = p[i] == '\\' && i + 1 < p.Length ? p[++i] : p[i];
            i++;
            var hi = lo;
            if (i + 1 < p.Length && p[i] == '-' && p[i + 1] != ']')
            {
                i++;
                hi = p[i] == '\\' && i + 1 < p.Length ? p[++i] : p[i];
                i++;
            }
            if (lo <= c && c <= hi)
            {
                matched = true;
            }
        }
        return (matched != negate, i);
    }

    /// <summary>
    /// <c>timeMatch(start, end)</c>: true while now is after start and before end; <c>_</c> is unbounded.
    /// Times use the reference layout <c>2006-01-02 15:04:05</c>, read as UTC. Compared field by field so
    /// that year 0000 (which <see cref="DateTime"/> cannot hold) works as the reference's far past.
    /// </summary>
    public static bool TimeMatch(string start, string end, DateTimeOffset now)
    {
        var current = now.UtcDateTime;
        long nowKey = Key(current.Year, current.Month, current.Day, current.Hour, current.Minute, current.Second);
        if (start != "_")
        {
            if (ParseTime(start) is not { } s)
            {
                throw new MatcherException($"timeMatch: cannot parse '{start}' as 2006-01-02 15:04:05");
            }
            if (nowKey <= s)
            {
                return false;
            }
        }
        if (end != "_")
        {
            if (ParseTime(end) is not { } e)
            {
                throw new MatcherException($"timeMatch: cannot parse '{end}' as 2006-01-02 15:04:05");
            }
            if (nowKey >= e)
            {
                return false;
            }
        }
        return true;
    }

    private static long Key(int y, int mo, int d, int h, int mi, int s) => ((((((long)y * 13 + mo) * 32 + d) * 24 + h) * 60 + mi) * 61) + s;

    private static long? ParseTime(string text)
    {
        var m = TimeLayout().Match(text);
        if (!m.Success)
        {
            return null;
        }
        int G(int i) => int.Parse(m.Groups[i].ValueSpan, CultureInfo.InvariantCulture);
        var (y, mo, d, h, mi, s) = (G(1), G(2), G(3), G(4), G(5), G(6));
        if (mo is < 1 or > 12 || d < 1 || d > (y == 0 ? (mo == 2 ? 29 : DateTime.DaysInMonth(2000, mo)) : DateTime.DaysInMonth(y, mo)) || h > 23 || mi > 59 || s > 59)
        {
            return null;
        }
        return Key(y, mo, d, h, mi, s);
    }

    [GeneratedRegex(":[^/]+")]
    private static partial Regex ColonParameter();

    [GeneratedRegex(@"\{[^/]+?\}")]
    private static partial Regex BraceParameter();

    [GeneratedRegex(@"\{([^/]+?)\}")]
    private static partial Regex BraceParameterCapture();

    [GeneratedRegex(@"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")]
    private static partial Regex DottedQuad();

    [GeneratedRegex(@"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$")]
    private static partial Regex TimeLayout();
}
