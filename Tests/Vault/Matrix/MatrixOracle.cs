using System.Text.RegularExpressions;
using DataVault.Tests.Policy;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Tests.Vault.Matrix;

/// <summary>One policy question as the model's request definition names its parts.</summary>
internal sealed record MatrixRequest(string Role, string CallerJurisdiction, string Department, string ResidentJurisdiction, FieldDefinition Field, Fidelity Fidelity, string Purpose);

/// <summary>
/// The npm <c>casbin</c> oracle (<see cref="DifferentialOracle"/>) asked about the production composition
/// of <c>policies/</c> (<see cref="DataVaultPolicyFolder"/>: model.conf, policy.csv and the generated g2/g3
/// lines), with each request laid out in the order the model's <c>[request_definition]</c> declares, so a
/// change of the model (another column, another order) is followed, and a request part this test does not
/// know fails loudly instead of being guessed.
/// </summary>
internal sealed partial class MatrixOracle
{
    // Casbin's builtin functions (npm casbin's FunctionMap): a matcher may call them without registration.
    private static readonly HashSet<string> Builtins = new(StringComparer.Ordinal)
    {
        "keyMatch", "keyMatch2", "keyMatch3", "keyMatch4", "keyMatch5", "keyGet", "keyGet2", "keyGet3",
        "regexMatch", "ipMatch", "globMatch", "eval",
    };

    private readonly DifferentialOracle _oracle;
    private readonly string[] _requestParts;

    private MatrixOracle(DifferentialOracle oracle, DataVaultPolicyFolder folder, string[] requestParts, IReadOnlyList<string> functions)
    {
        _oracle = oracle;
        Folder = folder;
        _requestParts = requestParts;
        CustomFunctions = functions;
    }

    public DataVaultPolicyFolder Folder { get; }

    /// <summary>
    /// Functions the matcher calls that are neither a role type (g, g2…) nor a Casbin builtin. Today there
    /// are none: the jurisdiction test is the g2 role hierarchy generated from jurisdictions.csv, which npm
    /// casbin evaluates natively. Should the model gain one, it is registered in the oracle by name
    /// (Tests/oracle/functions.js must define it, or the job fails to load and the test says which).
    /// </summary>
    public IReadOnlyList<string> CustomFunctions { get; }

    public string OracleVersion => _oracle.Version;

    /// <summary>The oracle on the policy folder the host serves from; skips locally (fails under CI=true) without node and npm casbin.</summary>
    public static MatrixOracle Require(string policiesDirectory)
    {
        var oracle = DifferentialOracle.Require();
        var (folder, errors) = DataVaultPolicyFolder.Load(policiesDirectory);
        Assert.True(folder is not null, "policies/ does not compose: " + string.Join("; ", errors));
        var parts = RequestDefinition().Match(folder.ModelText);
        Assert.True(parts.Success, "model.conf has no request definition 'r = …'");
        var requestParts = parts.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries);
        var roleTypes = RoleTypes().Matches(folder.ModelText).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var matcher = Matchers().Match(folder.ModelText).Groups[1].Value;
        var functions = Calls().Matches(matcher).Select(m => m.Groups[1].Value)
            .Where(name => !roleTypes.Contains(name) && !Builtins.Contains(name))
            .Distinct(StringComparer.Ordinal).ToList();
        return new MatrixOracle(oracle, folder, requestParts, functions);
    }

    /// <summary>Decides every request in one oracle job; true where npm casbin allows.</summary>
    public bool[] Decide(IReadOnlyList<MatrixRequest> requests)
    {
        var rows = requests.Select(Row).ToList();
        var reply = _oracle.Run(new OracleJob(Folder.ModelText, Folder.PolicyText, rows) { Functions = CustomFunctions });
        Assert.True(reply.LoadError is null, "npm casbin does not load the composed policy: " + reply.LoadError);
        Assert.True(reply.Errors is null || reply.Errors.Count == 0,
            "npm casbin failed on requests: " + string.Join("; ", (reply.Errors ?? []).Take(5).Select(e => $"{string.Join(", ", rows[int.Parse(e.Key, System.Globalization.CultureInfo.InvariantCulture)])}: {e.Value}")));
        Assert.Equal(requests.Count, reply.Decisions!.Length);
        return [.. reply.Decisions.Select(c => c == '1')];
    }

    private object?[] Row(MatrixRequest request) => [.. _requestParts.Select(part => (object?)(part switch
    {
        "sub" => request.Role,
        "sub_jur" => request.CallerJurisdiction,
        "dept" => request.Department,
        "res_jur" => request.ResidentJurisdiction,
        "field" => request.Field.Key,
        "level" => request.Field.Level.ToString(),
        "fidelity" => request.Fidelity.Name(),
        "purpose" => request.Purpose,
        _ => throw new InvalidOperationException($"model.conf's request has a part '{part}' the authorization-matrix test does not know how to fill: extend MatrixOracle.Row"),
    }))];

    [GeneratedRegex(@"^\s*r\s*=\s*(.+?)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex RequestDefinition();

    [GeneratedRegex(@"^\s*(g\d*)\s*=", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex RoleTypes();

    [GeneratedRegex(@"^\s*m\s*=\s*(.+?)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", RegexOptions.CultureInvariant)]
    private static partial Regex Calls();
}
