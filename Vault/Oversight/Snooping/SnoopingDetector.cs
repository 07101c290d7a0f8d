using System.Globalization;
using DataVault.Vault.PolicyFiles;

namespace DataVault.Vault.Oversight.Snooping;

/// <summary>
/// One access-log entry as the snooping rules read it: who, when, which resident, what, under which
/// purpose, and whether it showed an L4+ field in the clear.
/// </summary>
public sealed record LoggedRead(string LogId, long Index, DateTimeOffset At, string ResidentId, string Action, string Actor, string ActorUnit, string ActorRole, string Purpose, bool TouchesL4);

/// <summary>A log entry named as evidence: its log and index (its inclusion proof is fetched by those).</summary>
public sealed record EvidenceEntry(string LogId, long Index);

/// <summary>
/// What one rule found about one caller on one day: the residents concerned, the entries that show
/// it, the figure measured against the threshold, and a summary in both languages (no field value:
/// only counts, codes and ids). <see cref="SubjectKey"/> tells findings of one rule and day apart
/// (the resident of a repeated-reads finding, the purpose of a rare-purpose one).
/// </summary>
public sealed record SnoopingFinding(
    string Rule, DateOnly Day, string Actor, string ActorUnit, string ActorRole, string SubjectKey,
    IReadOnlyList<string> Residents, IReadOnlyList<EvidenceEntry> Evidence, double Measured, double Threshold, string SummaryZh, string SummaryEn);

/// <summary>
/// The snooping rules (issue 16, item 4) as a pure function of the access log: given one Beijing
/// calendar day, the entries of that day and of the days before it that the rules read, and where
/// each resident lives, it returns what each enabled rule finds. Pure, so the same code judges the
/// live log (the scanner) and a simulated month of work in the tests.
/// Only accesses that show a resident's data count: reads, list entries, reveals, exports.
/// Aggregates, writes, oversight questions and break-glass (reviewed on their own queue) do not.
/// </summary>
public static class SnoopingDetector
{
    /// <summary>The most evidence entries one finding names (the count is in the summary).</summary>
    public const int MaxEvidence = 50;

    private static readonly HashSet<string> Counted = new(StringComparer.Ordinal) { "read", "list", "reveal", "export" };

    // A resident on a list page or in an export was not looked up: repeated reads count only these.
    private static readonly HashSet<string> Targeted = new(StringComparer.Ordinal) { "read", "reveal" };

    public static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(PolicyWindow.Beijing).DateTime);

    /// <summary>The instant a Beijing day starts.</summary>
    public static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), PolicyWindow.Beijing);

    public static IReadOnlyList<SnoopingFinding> Detect(SnoopingRules rules, DateOnly day, IEnumerable<LoggedRead> entries, Func<string, string?> residenceOf)
    {
        var reads = entries.Where(e => Counted.Contains(e.Action)).Select(e => (Read: e, Day: DayOf(e.At))).Where(e => e.Day <= day).ToList();
        var today = reads.Where(e => e.Day == day).Select(e => e.Read).ToList();
        var findings = new List<SnoopingFinding>();
        if (today.Count == 0)
        {
            return findings;
        }
        foreach (var rule in rules.All.Where(r => r.Enabled))
        {
            switch (rule.Code)
            {
                case SnoopingRules.OutsideUsualArea:
                    findings.AddRange(OutsideUsualArea(rule, day, today, History(reads, day, rule), residenceOf));
                    break;
                case SnoopingRules.Burst:
                    findings.AddRange(Burst(rule, day, today, History(reads, day, rule)));
                    break;
                case SnoopingRules.NightReveal:
                    findings.AddRange(NightReveal(rule, day, today));
                    break;
                case SnoopingRules.RareL4Purpose:
                    findings.AddRange(RareL4Purpose(rule, day, today, History(reads, day, rule)));
                    break;
                case SnoopingRules.RepeatedResident:
                    findings.AddRange(RepeatedResident(rule, day, reads));
                    break;
            }
        }
        return findings;
    }

    private static List<(LoggedRead Read, DateOnly Day)> History(List<(LoggedRead Read, DateOnly Day)> reads, DateOnly day, SnoopingRule rule)
    {
        var from = day.AddDays(-(int)rule.Param("baseline_days"));
        return [.. reads.Where(e => e.Day >= from && e.Day < day)];
    }

    /// <summary>Residents read in areas (grid, or community without a grid) where the caller's history shows almost no reads.</summary>
    private static IEnumerable<SnoopingFinding> OutsideUsualArea(SnoopingRule rule, DateOnly day, List<LoggedRead> today, List<(LoggedRead Read, DateOnly Day)> history, Func<string, string?> residenceOf)
    {
        var past = history.ToLookup(h => h.Read.Actor, h => h.Read.ResidentId, StringComparer.Ordinal);
        foreach (var actor in today.GroupBy(r => r.Actor, StringComparer.Ordinal))
        {
            var seen = past[actor.Key].Distinct(StringComparer.Ordinal).ToList();
            if (seen.Count < rule.Param("min_history"))
            {
                continue; // too little history to know the caller's usual areas (a new member of staff)
            }
            var usual = seen.Select(residenceOf).OfType<string>().GroupBy(a => a, StringComparer.Ordinal)
                .Where(g => g.Count() >= rule.Param("usual_min")).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
            var outside = actor.Where(r => residenceOf(r.ResidentId) is { } area && !usual.Contains(area)).ToList();
            var residents = outside.Select(r => r.ResidentId).Distinct(StringComparer.Ordinal).ToList();
            if (residents.Count >= rule.Threshold)
            {
                var areas = outside.Select(r => residenceOf(r.ResidentId)!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                yield return Finding(rule, day, actor.First(), "", residents, outside, residents.Count,
                    $"{residents.Count} 位居民不在其常去片区（{string.Join("、", areas)}）",
                    $"{residents.Count} residents outside the caller's usual areas ({string.Join(", ", areas)})");
            }
        }
    }

    /// <summary>Far more residents in a day than the role's other callers that day, and than the caller's own busiest day before.</summary>
    private static IEnumerable<SnoopingFinding> Burst(SnoopingRule rule, DateOnly day, List<LoggedRead> today, List<(LoggedRead Read, DateOnly Day)> history)
    {
        var counts = today.GroupBy(r => r.Actor, StringComparer.Ordinal)
            .Select(g => (Actor: g.Key, First: g.First(), Reads: g.ToList(), Residents: g.Select(r => r.ResidentId).Distinct(StringComparer.Ordinal).Count()))
            .ToList();
        var ownBusiest = history.GroupBy(h => (h.Read.Actor, h.Day))
            .GroupBy(g => g.Key.Actor, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Days: g.Count(), Max: g.Max(d => d.Select(x => x.Read.ResidentId).Distinct(StringComparer.Ordinal).Count())), StringComparer.Ordinal);
        foreach (var c in counts.Where(c => c.Residents >= rule.Threshold))
        {
            var peers = counts.Where(p => p.Actor != c.Actor && p.First.ActorRole == c.First.ActorRole).Select(p => p.Residents).Order().ToList();
            var peerMedian = peers.Count >= 3 ? peers[peers.Count / 2] : (int?)null;
            var own = ownBusiest.GetValueOrDefault(c.Actor);
            var ownMax = own.Days >= 5 ? own.Max : (int?)null;
            if ((peerMedian is { } m && c.Residents <= rule.Param("peer_factor") * m) || (ownMax is { } o && c.Residents <= rule.Param("own_factor") * o))
            {
                continue;
            }
            yield return Finding(rule, day, c.First, "", [.. c.Reads.Select(r => r.ResidentId).Distinct(StringComparer.Ordinal)], c.Reads, c.Residents,
                $"当日读取 {c.Residents} 位居民（同岗位中位数 {Show(peerMedian)}，本人以往单日最多 {Show(ownMax)}）",
                $"{c.Residents} residents read in the day (peers' median {Show(peerMedian)}, the caller's own busiest day before {Show(ownMax)})");
        }
    }

    private static IEnumerable<SnoopingFinding> NightReveal(SnoopingRule rule, DateOnly day, List<LoggedRead> today)
    {
        var from = (int)rule.Param("night_from");
        var until = (int)rule.Param("night_until");
        bool AtNight(DateTimeOffset at) => at.ToOffset(PolicyWindow.Beijing).Hour is var h && (h >= from || h < until);
        foreach (var actor in today.Where(r => r.Action == "reveal" && AtNight(r.At)).GroupBy(r => r.Actor, StringComparer.Ordinal))
        {
            var reveals = actor.ToList();
            if (reveals.Count >= rule.Threshold)
            {
                yield return Finding(rule, day, reveals[0], "", [.. reveals.Select(r => r.ResidentId).Distinct(StringComparer.Ordinal)], reveals, reveals.Count,
                    $"{from}:00–{until}:00 之间查看明文 {reveals.Count} 次", $"{reveals.Count} reveals between {from}:00 and {until}:00");
            }
        }
    }

    /// <summary>
    /// L4+ fields seen in the clear (which only a reasoned reveal does: a read serves them masked) under a
    /// purpose for which the role's accesses, over the baseline, almost never show one.
    /// </summary>
    private static IEnumerable<SnoopingFinding> RareL4Purpose(SnoopingRule rule, DateOnly day, List<LoggedRead> today, List<(LoggedRead Read, DateOnly Day)> history)
    {
        var baseline = history.GroupBy(h => (h.Read.ActorRole, h.Read.Purpose))
            .ToDictionary(g => g.Key, g => (Total: g.Count(), L4: g.Count(h => h.Read.TouchesL4)));
        foreach (var group in today.Where(r => r.TouchesL4).GroupBy(r => (r.Actor, r.Purpose)))
        {
            var reads = group.ToList();
            var (total, l4) = baseline.GetValueOrDefault((reads[0].ActorRole, group.Key.Purpose));
            if (total < rule.Param("min_baseline") || (double)l4 / total >= rule.Param("max_share") || reads.Count < rule.Threshold)
            {
                continue;
            }
            var share = ((double)l4 / total).ToString("P1", CultureInfo.InvariantCulture);
            yield return Finding(rule, day, reads[0], group.Key.Purpose, [.. reads.Select(r => r.ResidentId).Distinct(StringComparer.Ordinal)], reads, reads.Count,
                $"以用途 {group.Key.Purpose} 查看 L4 及以上字段明文 {reads.Count} 次（该岗位此用途以往仅 {share} 的访问如此）",
                $"{reads.Count} accesses showing L4+ fields in the clear under {group.Key.Purpose} (only {share} of the role's accesses under it did so before)");
        }
    }

    /// <summary>
    /// The same resident looked up (read or revealed, not listed) by the same caller on many days of a
    /// short window, unless it is an established relationship; found once, on the day the count reaches the threshold.
    /// </summary>
    private static IEnumerable<SnoopingFinding> RepeatedResident(SnoopingRule rule, DateOnly day, List<(LoggedRead Read, DateOnly Day)> reads)
    {
        var window = (int)rule.Param("window_days");
        var from = day.AddDays(1 - window);
        var baselineFrom = day.AddDays(-(int)rule.Param("baseline_days"));
        var targeted = reads.Where(e => e.Day >= baselineFrom && Targeted.Contains(e.Read.Action)).GroupBy(e => (e.Read.Actor, e.Read.ResidentId)).ToList();
        foreach (var pair in targeted)
        {
            // An established relationship (a resident the caller looked up on many days before the window:
            // an elderly person checked every week) is the caller's work, not a new interest.
            if (pair.Where(e => e.Day < from).Select(e => e.Day).Distinct().Count() >= rule.Param("established_days"))
            {
                continue;
            }
            var all = pair.Where(e => e.Day >= from.AddDays(-1)).ToList();
            var entries = all.Where(e => e.Day >= from).ToList();
            var days = entries.Select(e => e.Day).Distinct().Count();
            // Once per streak: the window ending today reaches the threshold, the one ending yesterday did not.
            var before = all.Where(e => e.Day < day).Select(e => e.Day).Distinct().Count();
            if (days >= rule.Threshold && before < rule.Threshold && entries.Any(e => e.Day == day))
            {
                yield return Finding(rule, day, entries[^1].Read, pair.Key.ResidentId, [pair.Key.ResidentId], [.. entries.Select(e => e.Read)], days,
                    $"{(int)rule.Param("window_days")} 天内有 {days} 天查看同一位居民", $"the same resident read on {days} days within {(int)rule.Param("window_days")}");
            }
        }
    }

    private static SnoopingFinding Finding(SnoopingRule rule, DateOnly day, LoggedRead who, string subject, IReadOnlyList<string> residents, IEnumerable<LoggedRead> evidence, double measured, string zh, string en) =>
        new(rule.Code, day, who.Actor, who.ActorUnit, who.ActorRole, subject, residents,
            [.. evidence.OrderBy(e => e.LogId, StringComparer.Ordinal).ThenBy(e => e.Index).Take(MaxEvidence).Select(e => new EvidenceEntry(e.LogId, e.Index))],
            measured, rule.Threshold, zh, en);

    private static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "—";
}
