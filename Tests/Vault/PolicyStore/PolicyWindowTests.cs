using DataVault.Tests.Policy;
using DataVault.Vault.PolicyFiles;

namespace DataVault.Tests.Vault.PolicyStore;

/// <summary>
/// Time windows on hand-written rules (<c># window: FROM/UNTIL</c> on the line before a <c>p</c> rule):
/// parsing, composition as of an instant (from inclusive, until exclusive), the next boundary, the
/// errors <c>policy check</c> reports with line and column, and npm casbin deciding the composed text
/// as our engine does.
/// </summary>
public sealed class PolicyWindowTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private static readonly DateTimeOffset From = new(2026, 12, 1, 0, 0, 0, Beijing);
    private static readonly DateTimeOffset Until = new(2026, 12, 31, 0, 0, 0, Beijing);
    private const string Rule = "p, grid_worker, *, *, religion, exists, grid_patrol";
    private const string Grid = "510107001001-01";

    private static string Windowed(string annotation) => $"""
        g4, none, exists
        g4, exists, category
        g4, category, masked
        g4, masked, clear
        {annotation}
        {Rule}
        p, grid_worker, *, *, cat:contact, clear, grid_patrol
        """;

    private static DataVaultPolicyFolder Folder()
    {
        var (folder, errors) = DataVaultPolicyFolder.Load(DataVaultPolicy.Folder, From);
        Assert.True(folder is not null, string.Join("; ", errors));
        return folder;
    }

    [Theory]
    [InlineData("# window: 2026-12-01T00:00+08:00/2026-12-31T00:00:00+08:00", "2026-11-30T16:00:00Z", "2026-12-30T16:00:00Z")]
    [InlineData("#window:2026-11-30T16:00:00Z/", "2026-11-30T16:00:00Z", null)]
    [InlineData("  # Window :  / 2026-12-30T16:00Z  ", null, "2026-12-30T16:00:00Z")]
    public void Parse_AnnotationForms_ReadBothSidesAsInstants(string line, string? from, string? until)
    {
        var window = PolicyWindow.Parse(line, out var error);

        Assert.Null(error);
        Assert.Equal(from is null ? null : DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture), window!.From);
        Assert.Equal(until is null ? null : DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture), window.Until);
    }

    [Fact]
    public void Annotation_WrittenByTheForm_ParsesBackToTheSameWindowInBeijingTime()
    {
        var window = new PolicyWindow(From.ToUniversalTime(), null);

        var line = window.ToAnnotation();

        Assert.Equal("# window: 2026-12-01T00:00:00+08:00/", line);
        Assert.Equal(window, PolicyWindow.Parse(line, out _));
    }

    [Theory]
    [InlineData("# windows are described in docs")]
    [InlineData("# a window: not the first word")]
    [InlineData("p, grid_worker, *, *, religion, exists, grid_patrol")]
    public void IsAnnotation_OrdinaryCommentsAndRules_AreNot(string line) => Assert.False(PolicyWindow.IsAnnotation(line, out _));

    [Fact]
    public void Compose_AtInstantsAroundTheWindow_RuleInFromItsStartUntilJustBeforeItsEnd()
    {
        var folder = Folder();
        var text = Windowed("# window: 2026-12-01T00:00+08:00/2026-12-31T00:00+08:00");
        var religion = folder.Schema.Fields.Single(f => f.Key == "religion");
        bool Decides(DataVaultPolicyFolder composed) =>
            composed.LoadEnforcer().Value.Enforce("grid_worker", Grid, "", Grid, "religion", religion.Level.ToString(), "exists", "grid_patrol");

        var cases = new[]
        {
            (At: From.AddDays(-1), In: false, Next: (DateTimeOffset?)From),
            (At: From.AddTicks(-1), In: false, Next: From),
            (At: From, In: true, Next: Until),
            (At: From.AddDays(10), In: true, Next: Until),
            (At: Until.AddTicks(-1), In: true, Next: Until),
            (At: Until, In: false, Next: null),
            (At: Until.AddYears(1), In: false, Next: null),
        };
        foreach (var (at, expected, next) in cases)
        {
            var composed = folder.WithPolicy(text, at: at);
            var lines = composed.PolicyText.Split('\n');
            // Line 6 is the rule, or the rule turned into a comment: every line keeps its number.
            Assert.Equal(expected ? Rule : DataVaultPolicyFolder.OutsideWindow + Rule, lines[5]);
            Assert.Equal(expected, Decides(composed));
            Assert.Equal(next, composed.NextBoundary);
            Assert.Equal(at, composed.ComposedAt);
        }
    }

    [Fact]
    public void Compose_OpenEndedWindows_OnlyTheGivenSideLimits()
    {
        var folder = Folder();

        var startsOnly = folder.WithPolicy(Windowed("# window: 2026-12-01T00:00+08:00/"), at: Until.AddYears(5));
        var endsOnly = folder.WithPolicy(Windowed("# window: /2026-12-31T00:00+08:00"), at: From.AddYears(-5));

        Assert.Equal(Rule, startsOnly.PolicyText.Split('\n')[5]);
        Assert.Null(startsOnly.NextBoundary);
        Assert.Equal(Rule, endsOnly.PolicyText.Split('\n')[5]);
        Assert.Equal(Until, endsOnly.NextBoundary);
    }

    [Fact]
    public void Compose_TwoWindows_NextBoundaryIsTheEarliestFutureSide()
    {
        var folder = Folder();
        var text = Windowed("# window: 2026-12-01T00:00+08:00/2026-12-31T00:00+08:00")
            + "\n# window: 2026-12-10T00:00+08:00/2026-12-20T00:00+08:00\np, grid_worker, *, *, religion, category, grid_patrol\n";

        Assert.Equal(From, folder.WithPolicy(text, at: From.AddDays(-1)).NextBoundary);
        Assert.Equal(new DateTimeOffset(2026, 12, 10, 0, 0, 0, Beijing), folder.WithPolicy(text, at: From).NextBoundary);
        Assert.Equal(new DateTimeOffset(2026, 12, 20, 0, 0, 0, Beijing), folder.WithPolicy(text, at: From.AddDays(9)).NextBoundary);
        Assert.Equal(Until, folder.WithPolicy(text, at: From.AddDays(19)).NextBoundary);
    }

    [Fact]
    public void Compose_AnnotationThatDoesNotParse_LeavesTheRuleOut()
    {
        var folder = Folder();

        var composed = folder.WithPolicy(Windowed("# window: 2026-12-01 00:00/"), at: From.AddDays(1));

        Assert.Equal(DataVaultPolicyFolder.OutsideWindow + Rule, composed.PolicyText.Split('\n')[5]);
        Assert.Null(composed.NextBoundary);
    }

    [Fact]
    public void Check_WindowErrors_EachAtItsLineAndColumn()
    {
        var folder = Folder();
        const string draft = """
            # window: 2026-12-01T00:00+08:00/2026-12-31T00:00+08:00
            p, grid_worker, *, *, religion, exists, grid_patrol
            # window: 2026-12-01 00:00/2026-12-31T00:00+08:00
            p, grid_worker, *, *, religion, exists, grid_patrol
            # window: 2026-12-31T00:00+08:00/2026-12-01T00:00+08:00
            p, grid_worker, *, *, religion, exists, grid_patrol
            # window 2026-12-01T00:00+08:00/
            p, grid_worker, *, *, religion, exists, grid_patrol
            # window: 2026-12-01T00:00+08:00
            p, grid_worker, *, *, religion, exists, grid_patrol
            # window: /2026-12-31T00:00
            p, grid_worker, *, *, religion, exists, grid_patrol
            # window: /
            p, grid_worker, *, *, religion, exists, grid_patrol
            # window: 2026-12-01T00:00+08:00/

            p, grid_worker, *, *, religion, exists, grid_patrol
            # window: 2026-12-01T00:00+08:00/
            g, grid_worker, auditor
            # window: 2026-12-01T00:00+08:00/
            """;

        var errors = folder.WithPolicy(draft, policyPath: "draft/policy.csv", at: From).Check().Select(e => e.ToString()).ToList();

        Assert.Equal(
            [
                "draft/policy.csv:3:11: '2026-12-01 00:00' is not a timestamp with an offset (ISO 8601, e.g. 2026-12-01T00:00+08:00 or 2026-11-30T16:00:00Z)",
                "draft/policy.csv:5:34: the window ends (2026-12-01T00:00:00+08:00) at or before it starts (2026-12-31T00:00:00+08:00)",
                "draft/policy.csv:7:10: expected ':' after 'window': write '# window: FROM/UNTIL' (ISO 8601 with an offset; either side may be empty)",
                "draft/policy.csv:9:11: a window is 'FROM/UNTIL' with a '/' between them; either side may be empty ('FROM/' or '/UNTIL')",
                "draft/policy.csv:11:12: '2026-12-31T00:00' is not a timestamp with an offset (ISO 8601, e.g. 2026-12-01T00:00+08:00 or 2026-11-30T16:00:00Z)",
                "draft/policy.csv:13:11: a window needs a start, an end or both",
                "draft/policy.csv:15:1: a window annotation must be directly followed by the 'p' rule it limits",
                "draft/policy.csv:18:1: a window limits a 'p' rule; a 'g' line (role or group link) cannot carry one",
                "draft/policy.csv:20:1: a window annotation must be directly followed by the 'p' rule it limits",
            ],
            errors);
    }

    [Fact]
    public void Check_RuleOutsideItsWindow_IsStillChecked()
    {
        var folder = Folder();
        const string closed = """
            # window: 2020-01-01T00:00+08:00/2020-02-01T00:00+08:00
            p, street_warden, *, *, religion, exists, grid_patrol
            """;
        const string notYetOpen = """
            # window: 2030-01-01T00:00+08:00/2030-02-01T00:00+08:00
            p, grid_worker, *, *, religion, exists, grid_patrol, extra
            """;

        // A closed (or not yet open) rule is out of the composition, but a reviewer approves the text: its errors count.
        Assert.Equal(
            ["draft/policy.csv:2:4: unknown role 'street_warden' (not in roles.csv)"],
            folder.WithPolicy(closed, policyPath: "draft/policy.csv", at: From).Check().Select(e => e.ToString()));
        Assert.Equal(
            ["draft/policy.csv:2:1: 'p' expects 6 fields (sub, jur, dept, field, fidelity, purpose) but the rule has 7"],
            folder.WithPolicy(notYetOpen, policyPath: "draft/policy.csv", at: From).Check().Select(e => e.ToString()));
    }

    [Fact]
    public void Rules_CarryTheirWindow_AndDecideOnlyWhileOpen()
    {
        var folder = Folder().WithPolicy(Windowed("# window: 2026-12-01T00:00+08:00/2026-12-31T00:00+08:00"));

        var rules = folder.Rules().ToList();

        var windowed = Assert.Single(rules, r => r.Window is not null);
        Assert.Equal((6, From, Until), (windowed.Line, windowed.Window!.From!.Value, windowed.Window.Until!.Value));
        Assert.True(windowed.DecidesAt(From));
        Assert.False(windowed.DecidesAt(Until));
        Assert.True(rules.Single(r => r.Window is null).DecidesAt(Until));
    }

    [Fact]
    public void Oracle_ComposedTextInsideAndOutsideTheWindow_NpmCasbinDecidesAsWeDo()
    {
        var oracle = DifferentialOracle.Require();
        var folder = Folder();
        var text = Windowed("# window: 2026-12-01T00:00+08:00/2026-12-31T00:00+08:00");
        var religion = folder.Schema.Fields.Single(f => f.Key == "religion");
        object?[][] requests =
        [
            ["grid_worker", Grid, "", Grid, "religion", religion.Level.ToString(), "exists", "grid_patrol"],
            ["grid_worker", Grid, "", Grid, "phone", folder.Schema.Fields.Single(f => f.Key == "phone").Level.ToString(), "clear", "grid_patrol"],
        ];
        foreach (var (at, expected) in new[] { (From.AddTicks(-1), "01"), (From, "11"), (Until, "01") })
        {
            var composed = folder.WithPolicy(text, at: at);
            var enforcer = composed.LoadEnforcer().Value;

            var reply = oracle.Run(new OracleJob(composed.ModelText, composed.PolicyText, requests));

            Assert.Null(reply.LoadError);
            Assert.Equal(expected, reply.Decisions);
            Assert.Equal(expected, string.Concat(requests.Select(r => enforcer.Enforce(r) ? '1' : '0')));
        }
    }
}
