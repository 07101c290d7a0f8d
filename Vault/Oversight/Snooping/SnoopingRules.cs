using System.Globalization;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Oversight.Snooping;

/// <summary>One snooping rule of <c>policies/snooping-rules.csv</c>: whether it runs, its threshold and its named parameters.</summary>
public sealed record SnoopingRule(string Code, bool Enabled, double Threshold, IReadOnlyDictionary<string, double> Parameters, string LabelZh, string LabelEn)
{
    public double Param(string name) => Parameters.TryGetValue(name, out var v) ? v : throw new InvalidDataException($"snooping rule '{Code}' needs parameter '{name}'");
}

/// <summary>
/// The snooping rules as data (issue 16, item 4), read from <c>policies/snooping-rules.csv</c> and
/// checked at start: every known rule present with the parameters it reads, nothing unknown, every
/// number a number. A privacy officer tunes thresholds by editing the file, as with the policy.
/// </summary>
public sealed class SnoopingRules
{
    public const string FileName = "snooping-rules.csv";

    public const string OutsideUsualArea = "outside_usual_area";
    public const string Burst = "burst";
    public const string NightReveal = "night_reveal";
    public const string RareL4Purpose = "rare_l4_purpose";
    public const string RepeatedResident = "repeated_resident";

    /// <summary>Each rule and the parameters it reads.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Known = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [OutsideUsualArea] = ["baseline_days", "min_history", "usual_min"],
        [Burst] = ["baseline_days", "peer_factor", "own_factor"],
        [NightReveal] = ["night_from", "night_until"],
        [RareL4Purpose] = ["baseline_days", "max_share", "min_baseline"],
        [RepeatedResident] = ["window_days", "baseline_days", "established_days"],
    };

    private static readonly string[] Columns = ["code", "enabled", "threshold", "params", "label_zh", "label_en"];

    public SnoopingRules(IEnumerable<SnoopingRule> rules) => All = [.. rules];

    public IReadOnlyList<SnoopingRule> All { get; }

    public SnoopingRule? Find(string code) => All.FirstOrDefault(r => r.Code == code);

    /// <summary>The most days of history any enabled rule reads before the day it judges.</summary>
    public int BaselineDays => (int)All.Where(r => r.Enabled).Select(r => Math.Max(r.Parameters.GetValueOrDefault("baseline_days"), r.Parameters.GetValueOrDefault("window_days"))).DefaultIfEmpty(0).Max();

    public static SnoopingRules LoadOrThrow(string policiesDirectory)
    {
        var (rules, errors) = Load(Path.Combine(policiesDirectory, FileName));
        return errors.Count == 0 ? rules! : throw new InvalidDataException(string.Join("; ", errors.Select(e => $"{e.File}:{e.Line}: {e.Column}: {e.Reason}")));
    }

    public static (SnoopingRules? Rules, IReadOnlyList<PolicyFileError> Errors) Load(string path)
    {
        var (rows, errors) = PolicyCsv.Read(path, Columns);
        var problems = new List<PolicyFileError>(errors);
        var rules = new List<SnoopingRule>();
        foreach (var row in rows)
        {
            var c = row.Cells;
            void Fail(string column, string reason) => problems.Add(new PolicyFileError(FileName, row.Line, column, reason));
            if (!Known.TryGetValue(c["code"], out var needs))
            {
                Fail("code", $"unknown rule '{c["code"]}' (known: {string.Join(", ", Known.Keys)})");
                continue;
            }
            if (!bool.TryParse(c["enabled"], out var enabled))
            {
                Fail("enabled", "expected true or false");
            }
            if (!double.TryParse(c["threshold"], NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold) || threshold <= 0)
            {
                Fail("threshold", "expected a positive number");
            }
            var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var pair in c["params"].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0 || !double.TryParse(pair[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
                {
                    Fail("params", $"'{pair}' is not name=number");
                    continue;
                }
                parameters[pair[..eq]] = value;
            }
            foreach (var missing in needs.Where(n => !parameters.ContainsKey(n)))
            {
                Fail("params", $"rule '{c["code"]}' needs {missing}=…");
            }
            foreach (var extra in parameters.Keys.Where(k => !needs.Contains(k)))
            {
                Fail("params", $"rule '{c["code"]}' has no parameter '{extra}'");
            }
            rules.Add(new SnoopingRule(c["code"], enabled, threshold, parameters, c["label_zh"], c["label_en"]));
        }
        foreach (var absent in Known.Keys.Where(k => rules.All(r => r.Code != k)))
        {
            problems.Add(new PolicyFileError(FileName, 0, "code", $"rule '{absent}' is missing (write it with enabled=false to turn it off)"));
        }
        return problems.Count == 0 ? (new SnoopingRules(rules), []) : (null, problems);
    }
}
