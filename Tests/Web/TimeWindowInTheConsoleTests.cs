using System.Globalization;
using DataVault.Identity.Units;

namespace DataVault.Tests.Web;

/// <summary>
/// A time-limited rule drafted through the console's form in a real browser: the two datetime-local
/// inputs are read as Beijing time, the draft's text carries the window annotation, and the draft page
/// shows the window plainly (opens, closes, not yet open) beside the dry run.
/// </summary>
public sealed class TimeWindowInTheConsoleTests
{
    [Fact]
    public async Task FormWithAWindow_CreatesTheAnnotatedLine_AndTheDraftPageShowsTheWindow()
    {
        var name = nameof(FormWithAWindow_CreatesTheAnnotatedLine_AndTheDraftPageShowsTheWindow);
        await using var host = await BrowserHost.StartAsync(name, perCommunity: 2);
        await host.AddOfficerAsync("po.window", UnitRoles.PrivacyOfficer, "510107");
        var page = await host.NewPageAsync();
        await host.SignInOfficerAsync(page, "po.window");
        var beijingNow = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8));
        var from = new DateTimeOffset(beijingNow.Year, beijingNow.Month, beijingNow.Day, 9, 30, 0, beijingNow.Offset).AddDays(2);
        var until = from.AddDays(7);

        await page.GotoAsync("/console/drafts");
        await page.FillAsync("#field-key", "religion");
        await page.PressAsync("#field-key", "Tab");
        await page.SelectOptionAsync("#role", UnitRoles.GridWorker);
        await page.SelectOptionAsync("#fidelity", "exists");
        await page.SelectOptionAsync("#line-purpose", "grid_patrol");
        await page.FillAsync("#valid-from", from.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await page.FillAsync("#valid-until", until.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await host.ScreenshotAsync(page, "window-form");
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#add-line"), r => r.Request.Method == "POST");
        if (response.Status != 302)
        {
            Assert.Fail($"{response.Status}: {await response.TextAsync()}");
        }
        await page.WaitForURLAsync("**/console/drafts/*");

        var diff = await page.InnerTextAsync("#draft-diff");
        Assert.Contains($"# window: {from:yyyy-MM-dd'T'HH:mm}:00+08:00/{until:yyyy-MM-dd'T'HH:mm}:00+08:00", diff, StringComparison.Ordinal);
        Assert.Contains("p, grid_worker, *, *, religion, exists, grid_patrol", diff, StringComparison.Ordinal);
        Assert.True(await page.Locator("#valid").IsVisibleAsync());
        var window = page.Locator("#draft-windows tr.window-pending");
        Assert.Equal(1, await window.CountAsync());
        var row = await window.InnerTextAsync();
        Assert.Contains(from.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), row, StringComparison.Ordinal);
        Assert.Contains(until.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), row, StringComparison.Ordinal);
        await host.ScreenshotAsync(page, "window-draft");
    }
}
