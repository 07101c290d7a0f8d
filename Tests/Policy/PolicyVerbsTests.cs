using System.CommandLine;
using DataVault.Vault.PolicyFiles;

namespace DataVault.Tests.Policy;

/// <summary>The <c>policy</c> verbs, invoked in-process with redirected stdin, stdout and stderr.</summary>
public sealed class PolicyVerbsTests
{
    private static async Task<(int Exit, string Output, string Error)> RunAsync(string stdin, params string[] args)
    {
        var root = new RootCommand();
        root.Subcommands.Add(PolicyCommands.Create(() => new StringReader(stdin)));
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse(["policy", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), error.ToString());
    }

    [Fact]
    public async Task Check_ValidDirectory_ExitsZero()
    {
        using var folder = new PolicyFiles.TempFolder(("rbac_model.conf", PolicyFiles.RbacModel), ("rbac_policy.csv", PolicyFiles.RbacPolicy), ("notes.txt", "not a model"));

        var (exit, output, _) = await RunAsync("", "check", folder.Path);

        Assert.Equal(0, exit);
        Assert.Equal("ok: 1 model(s), 1 policy file(s)\n", output);
    }

    [Fact]
    public async Task Check_WrongFieldCountAndUnknownType_PrintsEachErrorWithPosition()
    {
        using var folder = new PolicyFiles.TempFolder(("rbac_model.conf", PolicyFiles.RbacModel), ("rbac_policy.csv", "p, alice, data1, read\np, bob, data2\n  x, carol, data3, read\n"));

        var (exit, output, _) = await RunAsync("", "check", folder.Path);

        Assert.Equal(1, exit);
        var policy = folder.File("rbac_policy.csv");
        Assert.Equal(
            $"{policy}:2:1: 'p' expects 3 fields (sub, obj, act) but the rule has 2\n" +
            $"{policy}:3:3: unknown policy type 'x' (the model defines p, g)\n",
            output);
    }

    [Fact]
    public async Task Check_MatcherSyntaxError_PointsAtTheColumn()
    {
        using var folder = new PolicyFiles.TempFolder(("model.conf", PolicyFiles.RbacModel.Replace("r.act == p.act", "r.act == ", StringComparison.Ordinal)));

        var (exit, output, _) = await RunAsync("", "check", folder.File("model.conf"));

        Assert.Equal(1, exit);
        Assert.Equal($"{folder.File("model.conf")}:14:50: unexpected end of expression\n", output);
    }

    [Fact]
    public async Task Check_UnknownFunction_IsAnError()
    {
        using var folder = new PolicyFiles.TempFolder(("model.conf", PolicyFiles.RbacModel.Replace("r.obj == p.obj", "keyMatch9(r.obj, p.obj)", StringComparison.Ordinal)));

        var (exit, output, _) = await RunAsync("", "check", folder.Path);

        Assert.Equal(1, exit);
        Assert.Equal($"{folder.File("model.conf")}:14:24: unknown function 'keyMatch9'\n", output);
    }

    [Fact]
    public async Task Check_RoleCycle_IsReportedAtTheClosingLink()
    {
        using var folder = new PolicyFiles.TempFolder(("m.conf", PolicyFiles.RbacModel), ("m.csv", "g, a, b\ng, b, c\ng, c, a\n"));

        var (exit, output, _) = await RunAsync("", "check", folder.Path);

        Assert.Equal(1, exit);
        Assert.Equal($"{folder.File("m.csv")}:3:1: cycle detected in 'g': a -> b -> c -> a\n", output);
    }

    [Fact]
    public async Task Enforce_StdinLines_PrintsDecisionsInOrder()
    {
        using var folder = new PolicyFiles.TempFolder(("m.conf", PolicyFiles.RbacModel), ("p.csv", PolicyFiles.RbacPolicy));

        var (exit, output, _) = await RunAsync("alice, data1, read\nbob, data1, read\n\"alice\", data2, write\n", "enforce", "--model", folder.File("m.conf"), "--policy", folder.File("p.csv"));

        Assert.Equal(0, exit);
        Assert.Equal("true\nfalse\ntrue\n", output);
    }

    [Fact]
    public async Task Enforce_BadLine_PrintsErrorForThatLineAndExitsTwo()
    {
        using var folder = new PolicyFiles.TempFolder(("m.conf", PolicyFiles.RbacModel), ("p.csv", PolicyFiles.RbacPolicy));

        var (exit, output, _) = await RunAsync("alice, data1\nalice, data1, read\n{\"sub\": \"alice\"}\n", "enforce", "--model", folder.File("m.conf"), "--policy", folder.File("p.csv"));

        Assert.Equal(2, exit);
        Assert.Equal("error: invalid request size: expected 3, got 2\ntrue\nerror: expected a JSON object with the fields sub, obj, act\n", output);
    }

    [Fact]
    public async Task Enforce_JsonLines_AreAttributeRequests()
    {
        const string abac = """
            [request_definition]
            r = sub, obj, act

            [policy_definition]
            p = sub, obj, act

            [policy_effect]
            e = some(where (p.eft == allow))

            [matchers]
            m = r.sub.Age >= 18 && r.obj == p.obj && r.act == p.act
            """;
        using var folder = new PolicyFiles.TempFolder(("m.conf", abac), ("p.csv", "p, any, data1, read\n"));

        var (exit, output, _) = await RunAsync(
            "{\"sub\": {\"Age\": 30}, \"obj\": \"data1\", \"act\": \"read\"}\n[{\"Age\": 12}, \"data1\", \"read\"]\n",
            "enforce", "--model", folder.File("m.conf"), "--policy", folder.File("p.csv"));

        Assert.Equal(0, exit);
        Assert.Equal("true\nfalse\n", output);
    }

    [Fact]
    public async Task Enforce_InvalidPolicy_ExitsOneWithErrorsOnStderr()
    {
        using var folder = new PolicyFiles.TempFolder(("m.conf", PolicyFiles.RbacModel), ("p.csv", "p, alice\n"));

        var (exit, output, error) = await RunAsync("alice, data1, read\n", "enforce", "--model", folder.File("m.conf"), "--policy", folder.File("p.csv"));

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains($"{folder.File("p.csv")}:1:1: 'p' expects 3 fields (sub, obj, act) but the rule has 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_AllowedThroughRole_PrintsTheDecidingLine()
    {
        using var folder = new PolicyFiles.TempFolder(("m.conf", PolicyFiles.RbacModel), ("p.csv", PolicyFiles.RbacPolicy));

        var (exit, output, _) = await RunAsync("", "explain", "--model", folder.File("m.conf"), "--policy", folder.File("p.csv"), "alice", "data2", "write");

        Assert.Equal(0, exit);
        Assert.Equal($"true\n{folder.File("p.csv")}:4: p, data2_admin, data2, write\n", output);
    }

    [Fact]
    public async Task Explain_NoRuleMatches_SaysSo()
    {
        using var folder = new PolicyFiles.TempFolder(("m.conf", PolicyFiles.RbacModel), ("p.csv", PolicyFiles.RbacPolicy));

        var (exit, output, _) = await RunAsync("", "explain", "--model", folder.File("m.conf"), "--policy", folder.File("p.csv"), "bob", "data1", "read");

        Assert.Equal(0, exit);
        Assert.Equal("false\nno rule matched\n", output);
    }

    [Fact]
    public async Task ExplainField_AgainstThePolicyFolder_MarksTheDecidingLine_AndSaysWhyARefusal()
    {
        var folder = DataVaultPolicy.Folder;
        var lines = await File.ReadAllLinesAsync(Path.Combine(folder, "policy.csv"), TestContext.Current.CancellationToken);
        var line = Array.IndexOf(lines, "p, auditor, *, *, cat:jurisdiction, clear, audit") + 1;

        var (exit, output, _) = await RunAsync("", "explain-field", "--policies", folder, "--role", "privacy_officer", "--jurisdiction", "510107",
            "--resident-jurisdiction", "510107001001", "--field", "community", "--purpose", "audit");
        var (farExit, far, _) = await RunAsync("", "explain-field", "--policies", folder, "--role", "community_worker", "--jurisdiction", "510107001001",
            "--resident-jurisdiction", "510107001002", "--field", "phone", "--purpose", "community_service");
        var (badExit, _, badError) = await RunAsync("", "explain-field", "--policies", folder, "--role", "community_worker", "--jurisdiction", "510107001001",
            "--resident-jurisdiction", "510107001001", "--field", "no_such_field", "--purpose", "community_service");

        Assert.Equal(0, exit);
        Assert.Contains("right: clear; a read serves: clear", output, StringComparison.Ordinal);
        // The privacy officer reaches the auditor's line through the role link, which is named with its line.
        Assert.Contains($"* {Path.Combine(folder, "policy.csv")}:{line}: p, auditor, *, *, cat:jurisdiction, clear, audit", output, StringComparison.Ordinal);
        Assert.Contains("role privacy_officer → auditor (policy.csv:14)", output, StringComparison.Ordinal);
        Assert.Equal(0, farExit);
        Assert.Contains("right: none", far, StringComparison.Ordinal);
        Assert.Contains("note out_of_reach", far, StringComparison.Ordinal);
        Assert.Equal(2, badExit);
        Assert.Contains("unknown field 'no_such_field'", badError, StringComparison.Ordinal);
    }
}
