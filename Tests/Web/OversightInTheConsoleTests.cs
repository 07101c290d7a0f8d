using DataVault.Identity.Units;

namespace DataVault.Tests.Web;

/// <summary>
/// The console's "who can see what" page in a real browser: an auditor asks why a community worker sees
/// a field (the deciding line is marked), then who can see it in that community, through the forms.
/// </summary>
public sealed class OversightInTheConsoleTests
{
    [Fact]
    public async Task Auditor_AsksWhyAndWho_ThroughTheForms_SeesTheDecidingLineAndTheViewers()
    {
        await using var host = await BrowserHost.StartAsync(nameof(Auditor_AsksWhyAndWho_ThroughTheForms_SeesTheDecidingLineAndTheViewers), perCommunity: 2);
        await host.AddOfficerAsync("au.oversight", UnitRoles.Auditor, "510107");
        var page = await host.NewPageAsync();
        await host.SignInOfficerAsync(page, "au.oversight");

        await page.GotoAsync("/console/oversight");
        await page.SelectOptionAsync("#ex-role", UnitRoles.CommunityWorker);
        await page.FillAsync("#ex-jurisdiction", BrowserHost.CommunityY);
        await page.SelectOptionAsync("#ex-field", "id_number");
        await page.SelectOptionAsync("#ex-purpose", "elderly_care");
        await page.FillAsync("#ex-residence", BrowserHost.CommunityY);
        await page.ClickAsync("#ask-explain");
        await page.WaitForSelectorAsync("#explanation");

        Assert.Equal("masked", await page.InnerTextAsync("#explained-held"));
        var deciding = await page.InnerTextAsync("#explained-rules tr.deciding");
        Assert.Contains("p, community_worker, *, *, cat:identity, masked, elderly_care", deciding, StringComparison.Ordinal);
        Assert.Contains("id_number ∈ cat:identity", deciding, StringComparison.Ordinal);
        await host.ScreenshotAsync(page, "oversight-explain");

        await page.SelectOptionAsync("#who-field", "elderly_living_alone");
        await page.FillAsync("#who-residence", BrowserHost.CommunityY);
        await page.ClickAsync("#ask-who");
        await page.WaitForSelectorAsync("#viewers");
        var viewers = await page.InnerTextAsync("#viewers");
        Assert.Contains($"community_worker@{BrowserHost.CommunityY}", viewers, StringComparison.Ordinal);
        Assert.Contains("caseworker:civil_affairs@510107", viewers, StringComparison.Ordinal);
        await host.ScreenshotAsync(page, "oversight-who");

        // A mistyped unit is a plain message, not an error page.
        await page.SelectOptionAsync("#what-role", UnitRoles.GridWorker);
        await page.FillAsync("#what-jurisdiction", "999999");
        await page.ClickAsync("#ask-what");
        Assert.Contains("999999", await page.InnerTextAsync("#oversight-problem"), StringComparison.Ordinal);
    }
}
