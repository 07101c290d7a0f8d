using DataVault.Identity.Units;

namespace DataVault.Tests.Web;

/// <summary>The layout's promises: Chinese first with an English switch, larger text, a skip link, sign-in through the identity pages, and who may open which pages.</summary>
public sealed class PagesBasicsTests
{
    [Fact]
    public async Task Console_SignedInOfficer_ChineseFirstSwitchesToEnglishAndLargerText()
    {
        await using var host = await BrowserHost.StartAsync(nameof(Console_SignedInOfficer_ChineseFirstSwitchesToEnglishAndLargerText));
        await host.AddOfficerAsync("po.basics", UnitRoles.PrivacyOfficer, "510107");
        var page = await host.NewPageAsync();

        await host.SignInOfficerAsync(page, "po.basics");

        Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("策略", await page.InnerTextAsync("h1"));
        Assert.False(string.IsNullOrWhiteSpace(await page.InnerTextAsync("#current-version")));
        // The page source carries Chinese as UTF-8, not as numeric entities (&#x7B56;&#x7565;).
        var source = await (await page.GotoAsync("/console"))!.TextAsync();
        Assert.Contains("<h1>策略</h1>", source);
        Assert.DoesNotContain("&#x", source);
        await host.ScreenshotAsync(page, "console-policies-zh");
        foreach (var section in new[] { "drafts", "coverage", "oversight", "alerts", "log", "questions", "breakglass" })
        {
            var response = await page.GotoAsync("/console/" + section);
            Assert.Equal(200, response!.Status);
            await host.ScreenshotAsync(page, "console-" + section);
        }
        await page.GotoAsync("/console");

        await page.ClickAsync("#switch-lang");
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Policies", await page.InnerTextAsync("h1"));
        // The choice is remembered (cookie) on the next page.
        await page.GotoAsync("/console/log");
        Assert.Equal("Access log", await page.InnerTextAsync("h1"));

        await page.ClickAsync("#text-size");
        Assert.Equal("large", await page.GetAttributeAsync("html", "class"));
        var large = await page.EvaluateAsync<double>("parseFloat(getComputedStyle(document.documentElement).fontSize)");
        Assert.True(large >= 22, $"larger text should enlarge the root font, got {large}px");
        await host.ScreenshotAsync(page, "console-log-en-large");

        // The skip link is the first thing the keyboard reaches, and it is visible when focused.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("skip", await page.EvaluateAsync<string>("document.activeElement.className"));
        Assert.True(await page.Locator("a.skip").IsVisibleAsync());
    }

    [Fact]
    public async Task Portal_OfficerSession_Refused_ConsoleResident_Refused()
    {
        await using var host = await BrowserHost.StartAsync(nameof(Portal_OfficerSession_Refused_ConsoleResident_Refused));
        await host.AddOfficerAsync("po.portal", UnitRoles.PrivacyOfficer, "510107");
        await host.AddResidentUserAsync("resident.basics", BrowserHost.OtherCommunity, "13800138077");

        var officer = await host.NewPageAsync();
        await host.SignInOfficerAsync(officer, "po.portal");
        var portal = await officer.GotoAsync("/portal");
        Assert.Equal(403, portal!.Status);

        var resident = await host.NewPageAsync(phone: true);
        await host.SignInResidentAsync(resident, "13800138077");
        var console = await resident.GotoAsync("/console");
        Assert.Equal(403, console!.Status);
        await host.ScreenshotAsync(resident, "console-refused-resident");
    }

    [Fact]
    public async Task Console_OfficerWithoutSecondFactorRole_Refused()
    {
        await using var host = await BrowserHost.StartAsync(nameof(Console_OfficerWithoutSecondFactorRole_Refused));
        await host.AddOfficerAsync("worker.basics", UnitRoles.CommunityWorker, BrowserHost.CommunityY);
        var page = await host.NewPageAsync();

        await page.GotoAsync("/console");
        await page.FillAsync("#username", "worker.basics");
        await page.FillAsync("#password", host.PasswordOf("worker.basics"));
        await page.ClickAsync("button[type=submit]");
        var response = await page.GotoAsync("/console");

        Assert.Equal(403, response!.Status);
    }
}
