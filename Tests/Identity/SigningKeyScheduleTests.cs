using DataVault.Identity.Keys;

namespace DataVault.Tests.Identity;

public sealed class SigningKeyScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Rotation = TimeSpan.FromDays(30);
    private static readonly TimeSpan Propagation = TimeSpan.FromDays(2);
    private static readonly TimeSpan Retention = TimeSpan.FromHours(9);

    private static KeySchedulePlan Plan(DateTimeOffset now, params ScheduledKey[] keys) => SigningKeySchedule.Plan(keys, now, Rotation, Propagation, Retention);

    [Fact]
    public void Plan_NoKeys_CreatesOneSigningNow()
    {
        var plan = Plan(T0);

        Assert.Equal(T0, plan.CreateWithNotBefore);
        Assert.Null(plan.Active);
    }

    [Fact]
    public void Plan_FreshKey_NothingToDo()
    {
        var a = new ScheduledKey("a", T0);

        var plan = Plan(T0 + TimeSpan.FromDays(27), a);

        Assert.Null(plan.CreateWithNotBefore);
        Assert.Equal(a, plan.Active);
        Assert.Equal([a], plan.Published);
    }

    [Fact]
    public void Plan_WithinPropagationOfRotation_CreatesNextKeyDueAtRotation()
    {
        var plan = Plan(T0 + TimeSpan.FromDays(28), new ScheduledKey("a", T0));

        Assert.Equal(T0 + Rotation, plan.CreateWithNotBefore);
    }

    [Fact]
    public void Plan_LongDowntime_NextKeyStillGetsFullPropagation()
    {
        var now = T0 + TimeSpan.FromDays(90);

        var plan = Plan(now, new ScheduledKey("a", T0));

        Assert.Equal(now + Propagation, plan.CreateWithNotBefore);
    }

    [Fact]
    public void Plan_PendingKey_PublishedButOldKeyStillSigns()
    {
        var a = new ScheduledKey("a", T0);
        var b = new ScheduledKey("b", T0 + Rotation);

        var plan = Plan(T0 + TimeSpan.FromDays(29), a, b);

        Assert.Null(plan.CreateWithNotBefore);
        Assert.Equal(a, plan.Active);
        Assert.Equal([a, b], plan.Published);
    }

    [Fact]
    public void Plan_AfterTakeover_OldKeyKeptForRetention()
    {
        var a = new ScheduledKey("a", T0);
        var b = new ScheduledKey("b", T0 + Rotation);

        var plan = Plan(T0 + Rotation + Retention - TimeSpan.FromMinutes(1), a, b);

        Assert.Equal(b, plan.Active);
        Assert.Equal([b, a], plan.Published);
        Assert.Empty(plan.Expired);
    }

    [Fact]
    public void Plan_AfterRetention_OldKeyExpires()
    {
        var a = new ScheduledKey("a", T0);
        var b = new ScheduledKey("b", T0 + Rotation);

        var plan = Plan(T0 + Rotation + Retention, a, b);

        Assert.Equal([b], plan.Published);
        Assert.Equal([a], plan.Expired);
    }
}
