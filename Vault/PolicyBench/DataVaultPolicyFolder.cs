using System.Text;
using DataVault.Policy;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Schema;

namespace DataVault.Vault.PolicyBench;

/// <summary>
/// DataVault's own policy folder (<c>policies/</c>): the Casbin model and hand-written rules, composed
/// with the lines generated from the data files (docs/policy-model.md, "Generated lines"):
/// <c>g2, child, parent</c> for every jurisdiction with a parent, and <c>g3, field, cat:category</c> and
/// <c>g3, field, owner:department</c> for every field. The generated lines follow policy.csv, so an
/// error in a hand-written rule keeps its own line number. This is the one place the composition is
/// made; the vault's policy loader, the verbs and the tests all use it.
/// </summary>
internal sealed record DataVaultPolicyFolder(string Directory, string ModelText, string PolicyText, ResidentSchema Schema, IReadOnlySet<string> Roles, IReadOnlySet<string> Purposes)
{
    public const string ModelFile = "model.conf";
    public const string PolicyFile = "policy.csv";
    public const string RolesFile = "roles.csv";
    public const string PurposesFile = "purposes.csv";

    /// <summary>The fidelities a rule may grant, lowest first (DESIGN.md, "Views").</summary>
    public static readonly IReadOnlyList<string> Fidelities = ["none", "exists", "category", "masked", "clear"];

    /// <summary>A folder that holds the model, the rules and the resident schema is a DataVault policy folder.</summary>
    public static bool IsDataVaultFolder(string directory) =>
        new[] { ModelFile, PolicyFile, ResidentSchema.FileName, JurisdictionTree.FileName }.All(f => File.Exists(Path.Combine(directory, f)));

    public static (DataVaultPolicyFolder? Folder, IReadOnlyList<PolicyError> Errors) Load(string directory)
    {
        var errors = new List<PolicyError>();
        var (schema, schemaErrors) = ResidentSchema.Load(Path.Combine(directory, ResidentSchema.FileName));
        var (tree, treeErrors) = JurisdictionTree.Load(directory);
        errors.AddRange(schemaErrors.Concat(treeErrors).Select(e => new PolicyError(Path.Combine(directory, e.File), e.Line, 0, $"column '{e.Column}': {e.Reason}")));
        var roles = Codes(Path.Combine(directory, RolesFile), RoleColumns, errors);
        var purposes = Codes(Path.Combine(directory, PurposesFile), PurposeColumns, errors);
        if (schema is null || tree is null || errors.Count > 0)
        {
            return (null, errors);
        }

        var policy = new StringBuilder(File.ReadAllText(Path.Combine(directory, PolicyFile)));
        if (policy.Length > 0 && policy[^1] != '\n')
        {
            policy.Append('\n');
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
        var model = File.ReadAllText(Path.Combine(directory, ModelFile));
        return (new DataVaultPolicyFolder(directory, model, policy.ToString(), schema, roles, purposes), []);
    }

    public PolicyResult<Enforcer> LoadEnforcer() =>
        Enforcer.FromText(ModelText, Path.Combine(Directory, ModelFile), PolicyText, Path.Combine(Directory, PolicyFile));

    /// <summary>
    /// Everything <c>policy check</c> reports for the folder: Casbin errors, then the privacy rules a
    /// privacy officer relies on, each at its line of policy.csv: known role, purpose, fidelity and
    /// field (or <c>cat:</c>/<c>owner:</c>); an <c>owner:</c> rule only for the rule's own department; a
    /// department role always names its department; and no L5 field under a department wildcard.
    /// </summary>
    public IReadOnlyList<PolicyError> Check()
    {
        var loaded = LoadEnforcer();
        if (!loaded.IsSuccess)
        {
            return loaded.Errors;
        }
        var errors = loaded.Value.CheckMatchers().ToList();
        var categories = Schema.Fields.Select(f => "cat:" + f.Category).ToHashSet(StringComparer.Ordinal);
        var owners = Schema.Fields.Select(f => "owner:" + f.Department).ToHashSet(StringComparer.Ordinal);
        var file = Path.Combine(Directory, PolicyFile);
        var lines = File.ReadAllLines(file);
        for (var i = 0; i < lines.Length; i++)
        {
            var cells = CsvLine.Split(lines[i], out _);
            if (cells is not ["p", var role, var dept, var field, var fidelity, var purpose])
            {
                continue;
            }
            void Fail(string message) => errors.Add(new PolicyError(file, i + 1, 1, message));
            if (!Roles.Contains(role))
            {
                Fail($"unknown role '{role}' (not in {RolesFile})");
            }
            if (!Purposes.Contains(purpose))
            {
                Fail($"unknown purpose '{purpose}' (not in {PurposesFile})");
            }
            if (!Fidelities.Contains(fidelity))
            {
                Fail($"unknown fidelity '{fidelity}' (one of {string.Join(", ", Fidelities)})");
            }
            var isField = Schema.TryGet(field, out var definition);
            if (!isField && !categories.Contains(field) && !owners.Contains(field))
            {
                Fail($"unknown field, category or owner '{field}' (not in {ResidentSchema.FileName})");
            }
            if (field.StartsWith("owner:", StringComparison.Ordinal) && field != "owner:" + dept)
            {
                Fail($"'{field}' is another department's: a department reaches its own fields by owner, others only by a named field or category");
            }
            if (role == "caseworker" && dept == "*")
            {
                Fail("a department caseworker rule must name its department");
            }
            if (isField && definition.Level == SensitivityLevel.L5 && dept == "*")
            {
                Fail($"L5 field '{field}' under a department wildcard: only its statutory department may be named");
            }
        }
        return errors;
    }

    private static readonly string[] RoleColumns = ["code", "label_zh", "label_en", "held_at", "department"];
    private static readonly string[] PurposeColumns = ["code", "label_zh", "label_en", "legal_basis"];

    /// <summary>The <c>code</c> column of roles.csv or purposes.csv, read like every other file in policies/.</summary>
    private static HashSet<string> Codes(string path, string[] columns, List<PolicyError> errors)
    {
        var (rows, readErrors) = PolicyCsv.Read(path, columns);
        errors.AddRange(readErrors.Select(e => new PolicyError(path, e.Line, 0, e.Reason)));
        return rows.Select(r => r.Cells["code"]).Where(c => c.Length > 0).ToHashSet(StringComparer.Ordinal);
    }
}
