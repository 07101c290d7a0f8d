using System.Text;
using DataVault.Identity.Units;
using DataVault.Policy;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Schema;

namespace DataVault.Vault.PolicyFiles;

/// <summary>
/// DataVault's own policy folder (<c>policies/</c>): the Casbin model and hand-written rules, composed
/// with the lines generated from the data files (docs/policy-model.md, "Generated lines"):
/// <c>g2, child, parent</c> for every jurisdiction with a parent, and <c>g3, field, cat:category</c> and
/// <c>g3, field, owner:department</c> for every field. The generated lines follow policy.csv, so an
/// error in a hand-written rule keeps its own line number. This is the one place the composition is
/// made; the vault's policy loader, the policy store, the verbs and the tests all use it. The rules
/// may come from the file on disk or from text (a draft, a stored version): <see cref="WithPolicy"/>.
/// A rule may carry a time window (<see cref="PolicyWindow"/>), so the composition is made as of an
/// instant (<see cref="ComposedAt"/>): a windowed rule is in <see cref="PolicyText"/> only while its
/// window is open, and <see cref="NextBoundary"/> says when the composed text next changes.
/// </summary>
internal sealed record DataVaultPolicyFolder(
    string Directory,
    string ModelText,
    string HandWrittenPolicy,
    string PolicyText,
    ResidentSchema Schema,
    JurisdictionTree Tree,
    IReadOnlyDictionary<string, string> RoleLevels,
    IReadOnlySet<string> DepartmentRoles,
    IReadOnlySet<string> Purposes)
{
    public const string ModelFile = "model.conf";
    public const string PolicyFile = "policy.csv";
    public const string RolesFile = "roles.csv";
    public const string PurposesFile = "purposes.csv";

    /// <summary>The jurisdiction column's value for "everywhere the caller reaches".</summary>
    public const string Everywhere = "*";

    /// <summary>The fidelities a rule may grant, lowest first (DESIGN.md, "Views").</summary>
    public static readonly IReadOnlyList<string> Fidelities = [.. Enum.GetValues<Views.Fidelity>().Order().Select(Views.FidelityNames.Name)];

    /// <summary>The role codes of roles.csv (<see cref="RoleLevels"/>: the jurisdiction kind each is held at; <see cref="DepartmentRoles"/>: those held with a department).</summary>
    public IReadOnlySet<string> Roles { get; } = RoleLevels.Keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>The file name errors in the hand-written rules are reported against.</summary>
    public string PolicyPath { get; init; } = Path.Combine(Directory, PolicyFile);

    /// <summary>The file name errors in the model are reported against.</summary>
    public string ModelPath { get; init; } = Path.Combine(Directory, ModelFile);

    /// <summary>The instant <see cref="PolicyText"/> was composed for (windows open at it are in, the rest out).</summary>
    public DateTimeOffset ComposedAt { get; init; }

    /// <summary>The earliest window start or end after <see cref="ComposedAt"/>, when <see cref="PolicyText"/> stops being right; null when no window changes.</summary>
    public DateTimeOffset? NextBoundary { get; init; }

    /// <summary>A folder that holds the model, the rules and the resident schema is a DataVault policy folder.</summary>
    public static bool IsDataVaultFolder(string directory) =>
        new[] { ModelFile, PolicyFile, ResidentSchema.FileName, JurisdictionTree.FileName }.All(f => File.Exists(Path.Combine(directory, f)));

    /// <summary>Loads the folder, composed as of <paramref name="at"/> (default: now on the system clock, as the verbs run).</summary>
    public static (DataVaultPolicyFolder? Folder, IReadOnlyList<PolicyError> Errors) Load(string directory, DateTimeOffset? at = null)
    {
        var errors = new List<PolicyError>();
        var (schema, schemaErrors) = ResidentSchema.Load(Path.Combine(directory, ResidentSchema.FileName));
        var (tree, treeErrors) = JurisdictionTree.Load(directory);
        errors.AddRange(schemaErrors.Concat(treeErrors).Select(e => new PolicyError(Path.Combine(directory, e.File), e.Line, 0, $"column '{e.Column}': {e.Reason}")));
        var roleRows = Rows(Path.Combine(directory, RolesFile), RoleColumns, errors).ToList();
        var roles = roleRows.ToDictionary(r => r["code"], r => r["held_at"], StringComparer.Ordinal);
        var departmentRoles = roleRows.Where(r => r["department"] == "required").Select(r => r["code"]).ToHashSet(StringComparer.Ordinal);
        var purposes = Rows(Path.Combine(directory, PurposesFile), PurposeColumns, errors).Select(r => r["code"]).ToHashSet(StringComparer.Ordinal);
        if (schema is null || tree is null || errors.Count > 0)
        {
            return (null, errors);
        }
        var model = File.ReadAllText(Path.Combine(directory, ModelFile));
        var policy = File.ReadAllText(Path.Combine(directory, PolicyFile));
        var now = at ?? DateTimeOffset.UtcNow;
        var composed = Compose(policy, schema, tree, now);
        return (new DataVaultPolicyFolder(directory, model, policy, composed.Text, schema, tree, roles, departmentRoles, purposes)
        {
            ComposedAt = now,
            NextBoundary = composed.NextBoundary,
        }, []);
    }

    /// <summary>
    /// The same folder with other hand-written rules (and optionally another model): a draft or a stored
    /// version. Errors are reported against <paramref name="policyPath"/>, e.g. <c>draft 12/policy.csv</c>.
    /// Composed as of <paramref name="at"/>, by default the instant this folder was composed for: a
    /// long-lived folder (the host's singleton) must be given the current time.
    /// </summary>
    public DataVaultPolicyFolder WithPolicy(string handWrittenPolicy, string? modelText = null, string? policyPath = null, string? modelPath = null, DateTimeOffset? at = null)
    {
        var now = at ?? ComposedAt;
        var composed = Compose(handWrittenPolicy, Schema, Tree, now);
        return this with
        {
            HandWrittenPolicy = handWrittenPolicy,
            ModelText = modelText ?? ModelText,
            PolicyText = composed.Text,
            PolicyPath = policyPath ?? PolicyPath,
            ModelPath = modelPath ?? ModelPath,
            ComposedAt = now,
            NextBoundary = composed.NextBoundary,
        };
    }

    /// <summary>
    /// The hand-written rules as of <paramref name="at"/>, followed by the generated g2 and g3 lines. A
    /// rule whose window is not open at <paramref name="at"/> (from &lt;= at &lt; until), or whose
    /// annotation does not parse (fail closed), is turned into a comment rather than removed, so every
    /// line keeps its number for Casbin's errors. With <paramref name="at"/> null every rule is in (what
    /// <see cref="Check"/> loads, so a rule's errors do not depend on the time it is checked at).
    /// </summary>
    public static (string Text, DateTimeOffset? NextBoundary) Compose(string handWrittenPolicy, ResidentSchema schema, JurisdictionTree tree, DateTimeOffset? at)
    {
        // Every rule is in when composed as of no instant (Check): no window needs reading then.
        var windows = at is null ? null : PolicyWindows.Scan(handWrittenPolicy, PolicyFile);
        var policy = new StringBuilder(handWrittenPolicy.Length + 4096);
        if (at is not { } now || windows is null || windows.ByRuleLine.Count == 0 && windows.Blocked.Count == 0)
        {
            policy.Append(handWrittenPolicy);
        }
        else
        {
            var lines = handWrittenPolicy.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var number = i + 1;
                var closed = windows.Blocked.Contains(number) || windows.ByRuleLine.TryGetValue(number, out var window) && !window.IsOpenAt(now);
                policy.Append(closed ? OutsideWindow : "").Append(lines[i]);
                if (i < lines.Length - 1)
                {
                    policy.Append('\n');
                }
            }
        }
        if (policy.Length > 0 && policy[^1] != '\n')
        {
            policy.Append('\n');
        }
        var next = at is { } instant ? windows?.NextBoundaryAfter(instant) : null;
        if (next is { } boundary)
        {
            // Read by people, not by the runtime (which keeps the instant itself): the text is right until then.
            policy.Append("\n# composed as of ").Append(PolicyWindow.Format(at)).Append("; next window boundary ").Append(PolicyWindow.Format(boundary)).Append('\n');
        }
        policy.Append("\n# generated from jurisdictions.csv\n");
        foreach (var node in tree.Nodes.Where(n => n.Parent is not null))
        {
            policy.Append("g2, ").Append(node.Code).Append(", ").Append(node.Parent).Append('\n');
        }
        policy.Append("\n# generated from fields.csv\n");
        foreach (var field in schema.Fields)
        {
            policy.Append("g3, ").Append(field.Key).Append(", cat:").Append(field.Category).Append('\n');
            policy.Append("g3, ").Append(field.Key).Append(", owner:").Append(field.Department).Append('\n');
        }
        return (policy.ToString(), next);
    }

    /// <summary>What a rule outside its window becomes in the composed text: a comment Casbin ignores.</summary>
    public const string OutsideWindow = "# outside its window: ";

    /// <summary>
    /// Every unit that can exist: each role of roles.csv × the jurisdictions of the kind it is held at ×
    /// the departments (department roles only). The dry run and the reverse queries both range over it.
    /// </summary>
    public IReadOnlyList<(string Role, string Jurisdiction, string? Department)> Units()
    {
        var units = new List<(string, string, string?)>();
        foreach (var (role, heldAt) in RoleLevels.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!Enum.TryParse<JurisdictionKind>(heldAt, ignoreCase: true, out var kind))
            {
                continue;
            }
            IReadOnlyList<string?> departments = DepartmentRoles.Contains(role) ? [.. UnitRoles.Departments] : [null];
            foreach (var node in Tree.Nodes.Where(n => n.Kind == kind))
            {
                foreach (var department in departments)
                {
                    units.Add((role, node.Code, department));
                }
            }
        }
        return units;
    }

    public PolicyResult<Enforcer> LoadEnforcer() => Enforcer.FromText(ModelText, ModelPath, PolicyText, PolicyPath);

    /// <summary>The <c>p</c> rules of the hand-written text, each with its line (1-based), cells and window (whether open or not).</summary>
    public IEnumerable<PolicyLine> Rules()
    {
        var windows = PolicyWindows.Scan(HandWrittenPolicy, PolicyPath);
        var lines = HandWrittenPolicy.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (CsvLine.Split(line, out _) is { Count: 7 } cells && cells[0] == "p")
            {
                yield return new PolicyLine(i + 1, line, cells[1], cells[2], cells[3], cells[4], cells[5], cells[6],
                    windows.ByRuleLine.GetValueOrDefault(i + 1), windows.Blocked.Contains(i + 1));
            }
        }
    }

    /// <summary>
    /// Everything <c>policy check</c> reports for the folder: Casbin errors, then the privacy rules a
    /// privacy officer relies on, each at its line and cell of policy.csv: known role, jurisdiction,
    /// purpose, fidelity and field (or <c>cat:</c>/<c>owner:</c>); an <c>owner:</c> rule only for the
    /// rule's own department; a department role always names its department; and no L5 field under a
    /// department wildcard (except a <c>none</c> line, an explicit denial); then every window annotation
    /// that does not parse, ends before it starts, or is not directly followed by a <c>p</c> rule.
    /// </summary>
    public IReadOnlyList<PolicyError> Check()
    {
        // Every rule, whatever its window: a rule's errors must not depend on when it is checked.
        var loaded = Enforcer.FromText(ModelText, ModelPath, Compose(HandWrittenPolicy, Schema, Tree, at: null).Text, PolicyPath);
        if (!loaded.IsSuccess)
        {
            return loaded.Errors;
        }
        var errors = loaded.Value.Check().ToList();
        var categories = Schema.Fields.Select(f => "cat:" + f.Category).ToHashSet(StringComparer.Ordinal);
        var owners = Schema.Fields.Select(f => "owner:" + f.Department).ToHashSet(StringComparer.Ordinal);
        var writeOnTheLadder = loaded.Value.GetNamedGroupingPolicy("g4").Any(g => g is ["clear", "write", ..]);
        foreach (var rule in Rules())
        {
            var columns = CellColumns(rule.Text);
            void Fail(int cell, string message) => errors.Add(new PolicyError(PolicyPath, rule.Line, columns[Math.Min(cell, columns.Count - 1)], message));
            if (!Roles.Contains(rule.Role))
            {
                Fail(1, $"unknown role '{rule.Role}' (not in {RolesFile})");
            }
            if (rule.Jurisdiction != Everywhere && Tree.Find(rule.Jurisdiction) is null)
            {
                Fail(2, $"unknown jurisdiction '{rule.Jurisdiction}' (not in {JurisdictionTree.FileName}; '{Everywhere}' means everywhere)");
            }
            if (!Fidelities.Contains(rule.Fidelity))
            {
                Fail(5, $"unknown fidelity '{rule.Fidelity}' (one of {string.Join(", ", Fidelities)})");
            }
            if (!Purposes.Contains(rule.Purpose))
            {
                Fail(6, $"unknown purpose '{rule.Purpose}' (not in {PurposesFile})");
            }
            var isField = Schema.TryGet(rule.Field, out var definition);
            if (!isField && !categories.Contains(rule.Field) && !owners.Contains(rule.Field))
            {
                Fail(4, $"unknown field, category or owner '{rule.Field}' (not in {ResidentSchema.FileName})");
            }
            if (rule.Field.StartsWith("owner:", StringComparison.Ordinal) && rule.Field != "owner:" + rule.Department)
            {
                Fail(4, $"'{rule.Field}' is another department's: a department reaches its own fields by owner, others only by a named field or category");
            }
            if (rule.Role == "caseworker" && rule.Department == "*")
            {
                Fail(3, "a department caseworker rule must name its department");
            }
            // Without the top rung of the fidelity order a write line would not let its holder read
            // the field it writes; a policy from before write was a right of its own lacks it.
            if (rule.Fidelity == "write" && !writeOnTheLadder)
            {
                Fail(5, "a 'write' line needs the fidelity order line 'g4, clear, write' (whoever writes a field reads it)");
            }
            // A `none` line grants nothing: it is how a privacy officer records an explicit denial (coverage).
            if (isField && definition.Level == SensitivityLevel.L5 && rule.Department == "*" && rule.Fidelity != "none")
            {
                Fail(3, $"L5 field '{rule.Field}' under a department wildcard: only its statutory department may be named");
            }
        }
        errors.AddRange(PolicyWindows.Scan(HandWrittenPolicy, PolicyPath).Errors);
        return errors;
    }

    /// <summary>The 1-based column where each comma-separated cell of <paramref name="line"/> starts (after its spaces).</summary>
    private static List<int> CellColumns(string line)
    {
        var columns = new List<int>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= line.Length; i++)
        {
            if (i < line.Length && line[i] == '"')
            {
                quoted = !quoted;
            }
            if (i == line.Length || line[i] == ',' && !quoted)
            {
                var at = start;
                while (at < i && char.IsWhiteSpace(line[at]))
                {
                    at++;
                }
                columns.Add(at + 1);
                start = i + 1;
            }
        }
        return columns;
    }

    private static readonly string[] RoleColumns = ["code", "label_zh", "label_en", "held_at", "department"];
    private static readonly string[] PurposeColumns = ["code", "label_zh", "label_en", "legal_basis"];

    /// <summary>The rows of roles.csv or purposes.csv with a code, read like every other file in policies/.</summary>
    private static IEnumerable<IReadOnlyDictionary<string, string>> Rows(string path, string[] columns, List<PolicyError> errors)
    {
        var (rows, readErrors) = PolicyCsv.Read(path, columns);
        errors.AddRange(readErrors.Select(e => new PolicyError(path, e.Line, 0, e.Reason)));
        return rows.Select(r => r.Cells).Where(c => c["code"].Length > 0).ToList();
    }
}

/// <summary>
/// One hand-written <c>p</c> rule: <c>p, role, jurisdiction, department, field, fidelity, purpose</c>, with
/// its time window if the line before annotates one. <c>Blocked</c>: its annotation does not parse, so
/// the rule is never composed in (fail closed).
/// </summary>
internal sealed record PolicyLine(int Line, string Text, string Role, string Jurisdiction, string Department, string Field, string Fidelity, string Purpose,
    PolicyWindow? Window = null, bool Blocked = false)
{
    /// <summary>Whether the rule decides at <paramref name="at"/>: no window, or its window is open.</summary>
    public bool DecidesAt(DateTimeOffset at) => !Blocked && (Window is null || Window.IsOpenAt(at));
}
