using DataVault.Policy;

namespace DataVault.Tests.Policy;

/// <summary>Model and policy errors are values with file, line and column, and exact messages.</summary>
public sealed class ModelParserTests
{
    private static IReadOnlyList<string> Errors(string model, string? policy = null) =>
        [.. Enforcer.FromText(model, policy).Errors.Select(e => e.ToString())];

    [Fact]
    public void FromText_UnknownSection_ReportsItsPosition()
    {
        var errors = Errors("[request_definition]\nr = sub\n\n[polcy_definition]\np = sub\n");

        Assert.Equal(["model:4:2: unknown section [polcy_definition]", "model:5:1: 'p' is outside any section"], errors);
    }

    [Fact]
    public void FromText_MissingSection_IsAnErrorWithoutPosition()
    {
        var model = PolicyFiles.RbacModel[..PolicyFiles.RbacModel.IndexOf("[matchers]", StringComparison.Ordinal)];

        Assert.Equal(["model:0:0: missing section [matchers]"], Errors(model));
    }

    [Fact]
    public void FromText_UnknownPolicyField_PointsAtIt()
    {
        var model = PolicyFiles.RbacModel.Replace("r.obj == p.obj", "r.obj == p.object", StringComparison.Ordinal);

        Assert.Equal(["model:14:35: 'p' has no field 'object'"], Errors(model));
    }

    [Fact]
    public void FromText_UnsupportedEffect_IsReported()
    {
        var model = PolicyFiles.RbacModel.Replace("some(where (p.eft == allow))", "any(p.eft)", StringComparison.Ordinal);

        Assert.Equal(["model:11:5: unsupported policy effect 'any(p.eft)'"], Errors(model));
    }

    [Fact]
    public void FromText_UnterminatedString_PointsAtTheQuote()
    {
        var model = PolicyFiles.RbacModel.Replace("r.act == p.act", "r.act == 'read", StringComparison.Ordinal);

        Assert.Equal(["model:14:51: unterminated string literal"], Errors(model));
    }

    [Fact]
    public void FromText_BadRoleDefinition_IsReported()
    {
        var model = PolicyFiles.RbacModel.Replace("g = _, _", "g = _", StringComparison.Ordinal);

        Assert.Equal(["model:8:5: role definition 'g' must be '_, _' or '_, _, _'"], Errors(model));
    }

    [Fact]
    public void FromText_PolicyUnterminatedQuote_ReportsLineAndColumn()
    {
        Assert.Equal(["policy:2:11: unterminated quoted field"], Errors(PolicyFiles.RbacModel, "p, a, b, c\np, alice, \"data1, read\n"));
    }

    [Fact]
    public void FromText_QuotedFieldsWithCommasAndQuotes_AreOneValue()
    {
        var enforcer = Enforcer.FromText(PolicyFiles.RbacModel, "p, alice, \"data, \"\"one\"\"\", read\n").Value;

        Assert.Equal([["alice", "data, \"one\"", "read"]], enforcer.GetPolicy());
        Assert.True(enforcer.Enforce("alice", "data, \"one\"", "read"));
    }

    [Fact]
    public void FromText_CommentsContinuationAndSeveralDefinitions_AreRead()
    {
        const string model = """
            # a comment line
            [request_definition]
            r = sub, obj, act   # trailing comment
            r2 = sub, obj

            [policy_definition]
            p = sub, obj, act
            p2 = sub, obj

            [policy_effect]
            e = some(where (p.eft == allow))

            [matchers]
            m = r.sub == p.sub \
                && r.obj == p.obj && r.act == p.act
            m2 = r2.sub == p2.sub && r2.obj == p2.obj
            """;
        var enforcer = Enforcer.FromText(model, "p, alice, data1, read\np2, bob, data2\n").Value;

        Assert.True(enforcer.Enforce("alice", "data1", "read"));
        Assert.True(enforcer.EnforceWithContext(new EnforceContext("r2", "p2", "e", "m2"), "bob", "data2"));
        Assert.False(enforcer.EnforceWithContext(new EnforceContext("r2", "p2", "e", "m2"), "alice", "data1"));
    }

    [Fact]
    public void FromFiles_MissingFile_IsAnError()
    {
        var result = Enforcer.FromFiles("/nonexistent/model.conf", null);

        Assert.False(result.IsSuccess);
        Assert.StartsWith("/nonexistent/model.conf:0:0: cannot read the model:", result.Errors[0].ToString(), StringComparison.Ordinal);
    }
}
