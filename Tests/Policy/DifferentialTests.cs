using System.Globalization;
using System.Text;
using System.Text.Json;
using DataVault.Policy;

namespace DataVault.Tests.Policy;

/// <summary>
/// Our engine against the reference Casbin (npm <c>casbin</c>, run by Tests/oracle/oracle.js) on random models
/// from the conformance families, random policies and random requests: every decision must be the same.
/// Seeded: DATAVAULT_DIFF_SEED, else a fixed default; the seed is printed, and every mismatch prints the
/// seed, family, model, policy, request and both answers.
/// </summary>
public sealed class DifferentialTests
{
    private const int DefaultSeed = 20260522;
    private const int CasesPerFamily = 4;
    private const int RequestsPerCase = 200;

    [Fact]
    public void Enforce_RandomModelsPoliciesAndRequests_SameDecisionsAsNpmCasbin()
    {
        var oracle = DifferentialOracle.Require();
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DATAVAULT_DIFF_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"differential seed {seed} (set DATAVAULT_DIFF_SEED to replay), npm casbin {oracle.Version}");

        var rng = new Random(seed);
        var mismatches = new List<string>();
        var vacuous = new List<string>();
        var total = 0;
        foreach (var family in DifferentialGenerator.Families)
        {
            var tally = new Tally();
            for (var i = 0; i < CasesPerFamily; i++)
            {
                TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
                var generated = DifferentialGenerator.Generate(family, rng, RequestsPerCase) with { Family = family };
                total += generated.Requests.Count;
                mismatches.AddRange(Compare(oracle, generated, seed, tally).Take(5));
            }
            output?.WriteLine($"{family,-20} {tally.Allowed,5} allowed {tally.Denied,5} denied");
            if (tally.Allowed == 0 || tally.Denied == 0)
            {
                vacuous.Add(family);
            }
        }
        output?.WriteLine($"{total} requests over {DifferentialGenerator.Families.Length * CasesPerFamily} models, {mismatches.Count} mismatches");

        Assert.True(total >= 10_000, $"only {total} requests generated");
        // A family whose requests are all allowed or all denied compares nothing interesting.
        Assert.True(vacuous.Count == 0, "families that never allow or never deny: " + string.Join(", ", vacuous));
        Assert.True(mismatches.Count == 0, $"seed {seed}: {mismatches.Count} mismatches with npm casbin {oracle.Version}:\n" + string.Join("\n\n", mismatches.Take(10)));
    }

    /// <summary>How many requests of a family our engine allowed and denied.</summary>
    internal sealed class Tally
    {
        public int Allowed { get; set; }

        public int Denied { get; set; }
    }

    /// <summary>Runs one case on both engines and describes every request where they differ (lazily: stop early with Take).</summary>
    internal static IEnumerable<string> Compare(DifferentialOracle oracle, DifferentialCase generated, int seed, Tally tally)
    {
        var reply = oracle.Run(new OracleJob(generated.Model, generated.Policy, generated.Requests) { Functions = generated.Functions, MatchingFuncs = generated.MatchingFuncs });
        var loaded = Enforcer.FromText(generated.Model, generated.Policy);
        if (reply.LoadError is not null || !loaded.IsSuccess)
        {
            if (reply.LoadError is null || loaded.IsSuccess)
            {
                yield return Describe(seed, generated, null, $"load: ours {(loaded.IsSuccess ? "ok" : loaded.ToString())}", $"npm {reply.LoadError ?? "ok"}");
            }
            yield break;
        }
        var enforcer = loaded.Value;
        DifferentialFunctions.Register(enforcer, generated.Functions);
        foreach (var m in generated.MatchingFuncs)
        {
            var added = m.Domain ? enforcer.AddNamedDomainMatchingFunc(m.PType, m.Function) : enforcer.AddNamedMatchingFunc(m.PType, m.Function);
            Assert.True(added, $"{m.PType}: matching function {m.Function} not accepted");
        }
        var decisions = reply.Decisions ?? "";
        for (var i = 0; i < generated.Requests.Count; i++)
        {
            var ours = enforcer.EnforceEx(generated.Requests[i]);
            var oursCode = ours.Error is not null ? 'E' : ours.Allowed ? '1' : '0';
            if (ours.Allowed)
            {
                tally.Allowed++;
            }
            else
            {
                tally.Denied++;
            }
            var theirs = i < decisions.Length ? decisions[i] : '?';
            if (oursCode != theirs)
            {
                var theirError = reply.Errors is not null && reply.Errors.TryGetValue(i.ToString(CultureInfo.InvariantCulture), out var e) ? " " + e : "";
                yield return Describe(seed, generated, generated.Requests[i], $"ours {Code(oursCode)}{(ours.Error is null ? "" : " " + ours.Error)}", $"npm {Code(theirs)}{theirError}");
            }
        }
    }

    private static string Code(char c) => c switch
    {
        '1' => "allow",
        '0' => "deny",
        'E' => "error",
        _ => "missing",
    };

    private static string Describe(int seed, DifferentialCase c, object?[]? request, string ours, string theirs)
    {
        var sb = new StringBuilder();
        sb.Append("seed ").Append(seed).Append(", family ").Append(c.Family);
        if (c.Functions.Count > 0)
        {
            sb.Append(", functions ").Append(string.Join(',', c.Functions));
        }
        foreach (var m in c.MatchingFuncs)
        {
            sb.Append(", ").Append(m.Domain ? "AddNamedDomainMatchingFunc(" : "AddNamedMatchingFunc(").Append(m.PType).Append(", ").Append(m.Function).Append(')');
        }
        sb.Append("\n--- model\n").Append(c.Model).Append("--- policy\n").Append(c.Policy);
        if (request is not null)
        {
            sb.Append("--- request ").Append(JsonSerializer.Serialize(request)).Append('\n');
        }
        sb.Append(ours).Append(" | ").Append(theirs);
        return sb.ToString();
    }
}
