using DataVault.Policy;

namespace DataVault.Tests.Policy;

/// <summary>
/// The jurisdiction pattern (issue 3, item 6; docs/policy-engine.md): the territory is a second role
/// hierarchy <c>g2, child, parent</c>, so a grant at a street reaches every community and grid below it
/// with no per-child line, and moving a community is one line.
/// </summary>
public sealed class JurisdictionTests
{
    private const string Model = """
        [request_definition]
        r = sub, jurisdiction, obj, act

        [policy_definition]
        p = sub, jurisdiction, obj, act

        [role_definition]
        g = _, _
        g2 = _, _

        [policy_effect]
        e = some(where (p.eft == allow))

        [matchers]
        m = g(r.sub, p.sub) && g2(r.jurisdiction, p.jurisdiction) && r.obj == p.obj && r.act == p.act
        """;

    private const string Policy = """
        p, street_officer_510107001, 510107001, resident.name, read
        p, grid_worker_510107001007-03, 510107001007-03, resident.phone, read
        g, wang, street_officer_510107001
        g, li, grid_worker_510107001007-03
        g2, 510107001, 510107
        g2, 510107002, 510107
        g2, 510107001007, 510107001
        g2, 510107001008, 510107001
        g2, 510107002001, 510107002
        g2, 510107001007-03, 510107001007
        """;

    [Theory]
    [InlineData("wang", "510107001", true)]
    [InlineData("wang", "510107001007", true)]
    [InlineData("wang", "510107001008", true)]
    [InlineData("wang", "510107001007-03", true)]
    [InlineData("wang", "510107002001", false)]
    [InlineData("wang", "510107", false)]
    [InlineData("li", "510107001007", false)]
    public void Enforce_GrantAtStreet_ReachesEverythingBelowIt(string user, string jurisdiction, bool expected)
    {
        var enforcer = Enforcer.FromText(Model, Policy).Value;

        Assert.Equal(expected, enforcer.Enforce(user, jurisdiction, "resident.name", "read"));
    }

    [Fact]
    public void UpdateNamedGroupingPolicy_MovingACommunity_IsOneLine()
    {
        var enforcer = Enforcer.FromText(Model, Policy).Value;
        Assert.True(enforcer.Enforce("wang", "510107001007-03", "resident.name", "read"));

        Assert.True(enforcer.UpdateNamedGroupingPolicy("g2", ["510107001007", "510107001"], ["510107001007", "510107002"]));

        // The community, and the grid inside it, left wang's street.
        Assert.False(enforcer.Enforce("wang", "510107001007", "resident.name", "read"));
        Assert.False(enforcer.Enforce("wang", "510107001007-03", "resident.name", "read"));
        Assert.True(enforcer.Enforce("wang", "510107001008", "resident.name", "read"));
        // The grid worker's grant is pinned to the grid itself and is unaffected.
        Assert.True(enforcer.Enforce("li", "510107001007-03", "resident.phone", "read"));
    }

    [Fact]
    public void GetNamedImplicitRolesForUser_Grid_ListsItsAncestors()
    {
        var enforcer = Enforcer.FromText(Model, Policy).Value;

        Assert.Equal(["510107001007", "510107001", "510107"], enforcer.GetNamedImplicitRolesForUser("g2", "510107001007-03"));
    }
}
