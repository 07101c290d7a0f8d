using DataVault.Policy;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Oversight;

/// <summary>A rule's time window as an explanation shows it (Beijing time, either side may be open).</summary>
public sealed record ExplainedWindow(string? From, string? Until);

/// <summary>
/// One policy line that matches the request: where it is, what it says, the right it gives this
/// request (the highest rung at which the enforcer still matches it), whether it is the line the
/// decision rests on, and how it reaches the request (<see cref="Via"/>: the role link, field group
/// or jurisdiction scope it matched through, each naming its file and line where it has one).
/// </summary>
public sealed record ExplainedRule(string File, int Line, string Text, string Fidelity, bool Deciding, ExplainedWindow? Window, IReadOnlyList<string> Via);

/// <summary>A fact about the decision with a stable code and text in both languages (the codes are listed in docs/oversight.md).</summary>
public sealed record ExplanationNote(string Code, string Zh, string En);

/// <summary>What the policy alone gives one request: the fidelity, every line that matched, and notes on why.</summary>
public sealed record PolicyExplanation(Fidelity Fidelity, IReadOnlyList<ExplainedRule> Rules, IReadOnlyList<ExplanationNote> Notes)
{
    public ExplainedRule? Deciding => Rules.FirstOrDefault(r => r.Deciding);
}

/// <summary>
/// Explains the policy side of a decision from the enforcer itself, so the explanation cannot drift
/// from what is enforced: the fidelity is <see cref="ViewDecider.Highest"/>; the deciding line is the
/// one the enforcer names for that rung (<see cref="Enforcer.EnforceEx"/>); every matching line comes
/// from <see cref="Enforcer.MatchingRules"/> at each rung. Only the notes for a refusal read the rules
/// as DataVault's model writes them (role, jurisdiction, department, field, fidelity, purpose), to say
/// which condition failed. Used by the API, the console, the CLI against policy files, and the
/// resident portal's "who may see my data".
/// </summary>
internal static class PolicyExplainer
{
    private const string PolicyFile = DataVaultPolicyFolder.PolicyFile;

    public static PolicyExplanation Explain(Enforcer enforcer, string composedPolicy, ViewKey key, FieldDefinition field, JurisdictionTree tree)
    {
        var fidelity = ViewDecider.Highest(enforcer, key, field);
        var lines = composedPolicy.Split('\n');
        var windows = PolicyWindows.Scan(composedPolicy, PolicyFile);

        // The highest rung at which each matching line still matches: the right that line gives.
        var given = new Dictionary<int, (Fidelity Fidelity, PolicyRule Rule)>();
        foreach (var rung in Enum.GetValues<Fidelity>().Order())
        {
            foreach (var rule in enforcer.MatchingRules(Request(key, field, rung)))
            {
                given[rule.Line ?? 0] = (rung, rule);
            }
        }
        var deciding = fidelity > Fidelity.None ? enforcer.EnforceEx(Request(key, field, fidelity)).Rule?.Line : null;
        var rules = given.OrderBy(g => g.Key).Select(g => new ExplainedRule(
            g.Value.Rule.File ?? PolicyFile,
            g.Key,
            g.Key > 0 && g.Key <= lines.Length ? lines[g.Key - 1].TrimEnd('\r') : g.Value.Rule.ToString(),
            g.Value.Fidelity.Name(),
            g.Key == deciding,
            windows.ByRuleLine.TryGetValue(g.Key, out var w) ? new ExplainedWindow(Format(w.From), Format(w.Until)) : null,
            Via(enforcer, lines, g.Value.Rule.Values, key, field))).ToList();


        return new PolicyExplanation(fidelity, rules, Notes(enforcer, lines, key, field, fidelity, tree));
    }

    /// <summary>The enforcer request DataVault's model reads: r = sub, sub_jur, dept, res_jur, field, level, fidelity, purpose.</summary>
    public static object?[] Request(ViewKey key, FieldDefinition field, Fidelity fidelity) =>
        [key.Role, key.CallerJurisdiction, key.Department, key.ResidentJurisdiction, field.Key, field.Level.ToString(), fidelity.Name(), key.Purpose];

    private static string? Format(DateTimeOffset? at) => at is null ? null : PolicyWindow.Format(at);

    /// <summary>How a line reaches the request: through an inherited role, a field group, a jurisdiction scope.</summary>
    private static List<string> Via(Enforcer enforcer, string[] lines, IReadOnlyList<string> rule, ViewKey key, FieldDefinition field)
    {
        var via = new List<string>();
        if (rule.Count < 6)
        {
            return via;
        }
        if (rule[0] != key.Role && RolePath(enforcer, lines, key.Role, rule[0]) is { } path)
        {
            via.Add($"role {string.Join(" → ", path.Select(p => p.Role))} ({string.Join(", ", path.Skip(1).Select(p => p.Line > 0 ? $"{PolicyFile}:{p.Line}" : "g"))})");
        }
        if (rule[3] != field.Key)
        {
            via.Add($"field {field.Key} ∈ {rule[3]} ({ResidentSchema.FileName})");
        }
        if (rule[1] != DataVaultPolicyFolder.Everywhere)
        {
            via.Add($"resident within {rule[1]} ({JurisdictionTree.FileName})");
        }
        return via;
    }

    /// <summary>The shortest chain of <c>g</c> links from a role to an inherited one, each with the line that links it.</summary>
    private static List<(string Role, int Line)>? RolePath(Enforcer enforcer, string[] lines, string from, string to)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal) { [from] = "" };
        var frontier = new List<string> { from };
        for (var depth = 0; depth < 10 && frontier.Count > 0 && !previous.ContainsKey(to); depth++)
        {
            var next = new List<string>();
            foreach (var role in frontier)
            {
                foreach (var parent in enforcer.GetRolesForUser(role))
                {
                    if (previous.TryAdd(parent, role))
                    {
                        next.Add(parent);
                    }
                }
            }
            frontier = next;
        }
        if (!previous.ContainsKey(to))
        {
            return null;
        }
        var links = RoleLinkLines(lines);
        var path = new List<(string, int)>();
        for (var role = to; role.Length > 0; role = previous[role])
        {
            var child = previous[role];
            path.Add((role, child.Length > 0 && links.TryGetValue((child, role), out var line) ? line : 0));
        }
        path.Reverse();
        return path;
    }

    /// <summary>Each <c>g, child, parent</c> line of the policy text by its two roles, with its 1-based line.</summary>
    private static Dictionary<(string Child, string Parent), int> RoleLinkLines(string[] lines)
    {
        var links = new Dictionary<(string, string), int>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (CsvLine.Split(lines[i].TrimEnd('\r'), out _) is { Count: >= 3 } cells && cells[0] == "g")
            {
                links.TryAdd((cells[1], cells[2]), i + 1);
            }
        }
        return links;
    }

    /// <summary>Why the decision is what it is, beyond the lines themselves; for a refusal, which condition failed.</summary>
    private static List<ExplanationNote> Notes(Enforcer enforcer, string[] lines, ViewKey key, FieldDefinition field, Fidelity fidelity, JurisdictionTree tree)
    {
        var notes = new List<ExplanationNote>();
        if (fidelity >= Fidelity.Clear && field.Level >= SensitivityLevel.L4)
        {
            notes.Add(new("l4_clear_by_reveal", $"{field.Level} 字段：读取时脱敏显示，明文仅能通过有理由、有记录的“查看明文”获取",
                $"{field.Level} field: a read serves it masked; its clear value leaves only through a reasoned, logged reveal"));
        }
        if (fidelity == Fidelity.Write)
        {
            notes.Add(new("writable", "可修改此字段（写入权限同时包含明文读取）", "may change this field (write includes reading it in the clear)"));
        }
        if (fidelity > Fidelity.None)
        {
            return notes;
        }
        if (key.CallerJurisdiction.Length == 0 || !ResidentApi.ResidentScope.IsWithin(tree, key.ResidentJurisdiction, key.CallerJurisdiction))
        {
            notes.Add(new("out_of_reach", $"居民所在辖区 {key.ResidentJurisdiction} 不在调用方辖区 {key.CallerJurisdiction} 之内",
                $"the resident's jurisdiction {key.ResidentJurisdiction} is not within the caller's {key.CallerJurisdiction}"));
            return notes;
        }
        var roles = enforcer.GetImplicitRolesForUser(key.Role).Prepend(key.Role).ToHashSet(StringComparer.Ordinal);
        var forPurpose = enforcer.GetPolicy().Where(r => r.Count >= 6 && roles.Contains(r[0]) && r[5] == key.Purpose).ToList();
        if (forPurpose.Count == 0)
        {
            notes.Add(new("no_rule_for_purpose", $"策略中没有该角色用于目的 {key.Purpose} 的任何规则", $"the policy has no line for this role and purpose {key.Purpose}"));
            return notes;
        }
        var names = new HashSet<string>(StringComparer.Ordinal) { field.Key, "cat:" + field.Category, "owner:" + field.Department };
        var forField = forPurpose.Where(r => names.Contains(r[3])).ToList();
        if (forField.Count == 0 && ClosedWindowRules(lines).Any(r => roles.Contains(r[1]) && r[6] == key.Purpose && names.Contains(r[4])))
        {
            notes.Add(new("outside_window", "涉及此字段的规则当前不在其时间窗口内", "the lines naming this field are outside their time window now"));
        }
        else if (forField.Count == 0)
        {
            notes.Add(new("no_rule_for_field", $"该角色用于此目的的规则都不涉及字段 {field.Key}", $"no line for this role and purpose names the field {field.Key}, its category or its owner"));
        }
        else if (field.Level == SensitivityLevel.L5)
        {
            notes.Add(new("l5_needs_exact_rule", "L5 字段：只有精确指明该字段、且限定本部门的规则才能生效；类别、归属部门或通配规则都不行",
                "L5 field: only a line naming exactly this field for exactly the caller's department reaches it; categories, owners and wildcards never do"));
        }
        else if (forField.All(r => r[2] != "*" && r[2] != key.Department))
        {
            notes.Add(new("other_department", "涉及此字段的规则属于其他部门", "the lines naming this field are for another department"));
        }
        else
        {
            notes.Add(new("rule_scope_elsewhere", "涉及此字段的规则限定在其他辖区", "the lines naming this field are scoped to another jurisdiction"));
        }
        return notes;
    }

    /// <summary>The rules the composition left out because their window is not open (kept as comments).</summary>
    private static IEnumerable<IReadOnlyList<string>> ClosedWindowRules(string[] lines) =>
        lines.Where(l => l.StartsWith(DataVaultPolicyFolder.OutsideWindow, StringComparison.Ordinal))
            .Select(l => CsvLine.Split(l[DataVaultPolicyFolder.OutsideWindow.Length..].TrimEnd('\r'), out _))
            .Where(c => c is { Count: 7 } && c[0] == "p")
            .Select(c => c!);
}
