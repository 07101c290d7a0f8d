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
