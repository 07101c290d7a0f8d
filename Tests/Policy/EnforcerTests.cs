using DataVault.Policy;

namespace DataVault.Tests.Policy;

public sealed class EnforcerTests
{
    [Fact]
    public void LoadPolicyText_ReplacesWholePolicy_DecisionsFollow()
    {
        var enforcer = Enforcer.FromText(PolicyFiles.RbacModel, "p, carol, data2, read\n").Value;
        Assert.True(enforcer.Enforce("carol", "data2", "read"));

        Assert.Empty(enforcer.LoadPolicyText("p, dave, data2, read\n"));
        Assert.False(enforcer.Enforce("carol", "data2", "read"));
        Assert.True(enforcer.Enforce("dave", "data2", "read"));

        Assert.Empty(enforcer.LoadPolicyText("p, carol, data2, read\n"));
        Assert.True(enforcer.Enforce("carol", "data2", "read"));
    }
}

public sealed class EnforcerBehaviourTests
{
    private const string AbacModel = """
        [request_definition]
        r = sub, obj, act

        [policy_definition]
        p = sub_rule, obj, act

        [policy_effect]
        e = some(where (p.eft == allow))

        [matchers]
        m = eval(p.sub_rule) && r.obj.Owner == r.sub.Name && r.act == p.act
        """;

    [Fact]
    public void Enforce_DictionaryAttributes_AreReadByName()
    {
        var enforcer = Enforcer.FromText(AbacModel, "p, r.sub.Age >= 18 && r.sub.Name != 'mallory', doc, read\n").Value;
        var adult = new Dictionary<string, object?> { ["Name"] = "alice", ["Age"] = 30 };
        var child = new Dictionary<string, object?> { ["Name"] = "bob", ["Age"] = 12 };

        Assert.True(enforcer.Enforce(adult, new Dictionary<string, object?> { ["Owner"] = "alice" }, "read"));
        Assert.False(enforcer.Enforce(child, new Dictionary<string, object?> { ["Owner"] = "bob" }, "read"));
        Assert.False(enforcer.Enforce(adult, new Dictionary<string, object?> { ["Owner"] = "bob" }, "read"));
    }

    [Fact]
    public void EnforceEx_MissingAttribute_IsAnErrorAndDenies()
    {
        var enforcer = Enforcer.FromText(AbacModel, "p, r.sub.Age >= 18, doc, read\n").Value;

        var result = enforcer.EnforceEx(new Dictionary<string, object?> { ["Name"] = "alice" }, new Dictionary<string, object?> { ["Owner"] = "alice" }, "read");

        Assert.False(result.Allowed);
        Assert.Equal("attribute 'Age' not found", result.Error);
        Assert.False(enforcer.Enforce(new Dictionary<string, object?> { ["Name"] = "alice" }, new Dictionary<string, object?> { ["Owner"] = "alice" }, "read"));
    }

    [Fact]
    public void EnforceEx_DecidingRule_CarriesFileAndLine()
    {
        var enforcer = Enforcer.FromText(PolicyFiles.RbacModel, PolicyFiles.RbacPolicy).Value;

        var result = enforcer.EnforceEx("alice", "data2", "read");

        Assert.True(result.Allowed);
        Assert.Null(result.Error);
        var rule = Assert.IsType<PolicyRule>(result.Rule);
        Assert.Equal("p", rule.PType);
        Assert.Equal(["data2_admin", "data2", "read"], rule.Values);
        Assert.Equal("policy", rule.File);
        Assert.Equal(3, rule.Line);
    }

    [Fact]
    public void MatchingRules_ListsEveryMatchInRuleOrder_WithLines()
    {
        // A deny-override model: enforceEx stops at the first deny; MatchingRules goes on and lists
        // the allow and the deny that both match, in file order.
        const string model = """
            [request_definition]
            r = sub, obj, act
            [policy_definition]
            p = sub, obj, act, eft
            [role_definition]
            g = _, _
            [policy_effect]
            e = !some(where (p.eft == deny))
            [matchers]
            m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
            """;
        const string policy = """
            p, alice, data1, read, allow
            p, reader, data1, read, deny
            p, bob, data1, read, allow
            p, reader, data1, write, allow
            g, alice, reader
            """;
        var enforcer = Enforcer.FromText(model, policy).Value;

        var matches = enforcer.MatchingRules("alice", "data1", "read");

        Assert.Equal([(1, "alice"), (2, "reader")], matches.Select(r => (r.Line ?? 0, r.Values[0])));
        Assert.False(enforcer.Enforce("alice", "data1", "read"));
        Assert.Empty(enforcer.MatchingRules("carol", "data1", "read"));
        Assert.Empty(enforcer.MatchingRules("alice", "data1")); // a request of the wrong size matches nothing
    }

    [Fact]
    public void AddFunction_CustomMatcherFunction_IsCalled()
    {
        var model = PolicyFiles.RbacModel.Replace("r.obj == p.obj", "sameTenant(r.obj, p.obj)", StringComparison.Ordinal);
        var loaded = Enforcer.FromText(model, "p, alice, tenant1/*, read\n");
        Assert.True(loaded.IsSuccess, loaded.ToString());
        var enforcer = loaded.Value;
        Assert.Equal("unknown function 'sameTenant'", enforcer.EnforceEx("alice", "tenant1/doc", "read").Error);

        enforcer.AddFunction("sameTenant", args => ((string)args[0]!).Split('/')[0] == ((string)args[1]!).Split('/')[0]);

        Assert.True(enforcer.Enforce("alice", "tenant1/doc", "read"));
        Assert.False(enforcer.Enforce("alice", "tenant2/doc", "read"));
    }

    [Fact]
    public void BatchEnforce_ReturnsOneDecisionPerRequest()
    {
        var enforcer = Enforcer.FromText(PolicyFiles.RbacModel, PolicyFiles.RbacPolicy).Value;

        var results = enforcer.BatchEnforce([["alice", "data1", "read"], ["bob", "data1", "read"], ["alice", "data2", "write"]]);

        Assert.Equal([true, false, true], results);
    }

    [Fact]
    public void Enforce_NumbersAndInOperator_CompareAsTheReference()
    {
        const string model = """
            [request_definition]
            r = sub, obj, act

            [policy_definition]
            p = sub, obj, act

            [policy_effect]
            e = some(where (p.eft == allow))

            [matchers]
            m = r.sub in ('alice', 'bob') && r.obj + 1 > 10 && r.act == 'read'
            """;
        var enforcer = Enforcer.FromText(model, null).Value;

        Assert.True(enforcer.Enforce("bob", 10, "read"));
        Assert.True(enforcer.Enforce("alice", 9.5, "read"));
        Assert.False(enforcer.Enforce("carol", 10, "read"));
        Assert.False(enforcer.Enforce("alice", 9L, "read"));
        // As the reference: '+' with a string concatenates, and a string does not compare with a number.
        Assert.Equal("'>' cannot compare 'x1' with '10'", enforcer.EnforceEx("alice", "x", "read").Error);
    }

    [Fact]
    public void Enforce_PriorityIndex_ChoosesTheFirstOfManyCandidates()
    {
        const string model = """
            [request_definition]
            r = sub, obj, act

            [policy_definition]
            p = sub, obj, act, eft

            [role_definition]
            g = _, _

            [policy_effect]
            e = priority(p.eft) || deny

            [matchers]
            m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
            """;
        // Enough rules that the object index is used; order must still be the file's.
        var lines = Enumerable.Range(0, 20).Select(i => $"p, filler{i}, other{i}, read, allow").ToList();
        lines.Insert(5, "p, staff, data1, read, deny");
        lines.Add("p, alice, data1, read, allow");
        lines.Add("g, alice, staff");
        var enforcer = Enforcer.FromText(model, string.Join('\n', lines)).Value;

        var result = enforcer.EnforceEx("alice", "data1", "read");

        Assert.False(result.Allowed);
        Assert.Equal(["staff", "data1", "read", "deny"], result.Rule!.Values);
        Assert.Equal(6, result.Rule.Line);
    }
}

public sealed class LargeGraphTests
{
    [Fact]
    public void FromText_LongChainOfRoles_LoadsAndDetectsACycleWithoutRecursion()
    {
        var chain = string.Join('\n', Enumerable.Range(0, 50_000).Select(i => $"g, r{i}, r{i + 1}"));

        var loaded = Enforcer.FromText(PolicyFiles.RbacModel, "p, r5, data1, read\n" + chain);
        var cyclic = Enforcer.FromText(PolicyFiles.RbacModel, "p, r5, data1, read\n" + chain + "\ng, r50000, r0");

        Assert.True(loaded.IsSuccess);
        Assert.True(loaded.Value.Enforce("r0", "data1", "read"));
        Assert.False(loaded.Value.Enforce("r0", "data2", "read"));
        Assert.Empty(loaded.Value.Check());
        // The reference loads a cyclic graph and decides on it; only a check reports the cycle.
        Assert.True(cyclic.IsSuccess);
        Assert.True(cyclic.Value.Enforce("r49999", "data1", "read"), "r49999 -> r50000 -> r0 -> ... -> r5 is 7 links");
        Assert.False(cyclic.Value.Enforce("r49990", "data1", "read"), "r49990 -> ... -> r5 is 16 links, past the depth limit of 10");
        Assert.Contains(cyclic.Value.Check(), e => e.Line == 50_002 && e.Message.StartsWith("cycle detected in 'g': ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("g, a, b\ng, b, a\n", "a", "b", true)]
    [InlineData("g, a, b\ng, b, a\n", "b", "a", true)]
    [InlineData("g, a, a\n", "a", "b", false)]
    [InlineData("g, a, b\ng, b, c\ng, c, a\ng, c, d\n", "b", "d", true)]
    public void Enforce_CyclicRoles_DecidesLikeTheReference(string links, string user, string role, bool allowed)
    {
        var enforcer = Enforcer.FromText(PolicyFiles.RbacModel, $"p, {role}, data1, read\n" + links).Value;

        Assert.Equal(allowed, enforcer.Enforce(user, "data1", "read"));
        if (allowed)
        {
            Assert.Contains(role, enforcer.GetImplicitRolesForUser(user));
        }
    }

    private const string SubjectPriorityModel = """
        [request_definition]
        r = sub, obj, act
        [policy_definition]
        p = sub, obj, act, eft
        [role_definition]
        g = _, _
        [policy_effect]
        e = subjectPriority(p.eft) || deny
        [matchers]
        m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
        """;

    // Expected: npm casbin 5.51.1 on the same model and policy. On a cycle the rule of the name
    // settled last ranks highest, so the order of the links decides.
    [Theory]
    [InlineData("g, a, b\ng, b, a", "a=1 b=1 c=1 u=0")]
    [InlineData("g, b, a\ng, a, b", "a=0 b=0 c=1 u=0")]
    [InlineData("g, u, a\ng, b, a\ng, a, b", "a=1 b=1 c=1 u=1")]
    [InlineData("g, a, b\ng, b, c\ng, c, a", "a=1 b=1 c=1 u=0")]
    public void Enforce_SubjectPriorityOnACycle_RanksAsTheReference(string links, string expected)
    {
        var enforcer = Enforcer.FromText(SubjectPriorityModel, "p, a, data1, read, allow\np, b, data1, read, deny\np, c, data1, read, allow\n" + links).Value;

        var decisions = string.Join(' ', new[] { "a", "b", "c", "u" }.Select(s => $"{s}={(enforcer.Enforce(s, "data1", "read") ? 1 : 0)}"));

        Assert.Equal(expected, decisions);
    }

    [Fact]
    public void Enforce_BeyondMaxHierarchyLevel_IsDenied()
    {
        var chain = string.Join('\n', Enumerable.Range(0, 20).Select(i => $"g, r{i}, r{i + 1}"));
        var enforcer = Enforcer.FromText(PolicyFiles.RbacModel, "p, r10, data1, read\np, r11, data2, read\n" + chain).Value;

        Assert.True(enforcer.Enforce("r0", "data1", "read"));
        Assert.False(enforcer.Enforce("r0", "data2", "read"));
    }
}

public sealed class RoleMatchingTests
{
    [Fact]
    public void AddNamedMatchingFunc_CustomFunction_MatchesRoleNames()
    {
        var enforcer = Enforcer.FromText(PolicyFiles.RbacModel, "p, staff, data1, read\ng, team-*, staff\n").Value;
        enforcer.AddFunction("prefixMatch", args => ((string)args[0]!).StartsWith(((string)args[1]!).TrimEnd('*'), StringComparison.Ordinal));
        Assert.False(enforcer.Enforce("team-7", "data1", "read"));

        Assert.True(enforcer.AddNamedMatchingFunc("g", "prefixMatch"));

        Assert.True(enforcer.Enforce("team-7", "data1", "read"));
        Assert.False(enforcer.Enforce("other", "data1", "read"));
        Assert.False(enforcer.AddNamedMatchingFunc("g", "noSuchFunction"));
    }
}
