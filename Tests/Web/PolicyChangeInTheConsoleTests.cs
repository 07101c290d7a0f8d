using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;
using Microsoft.Playwright;

namespace DataVault.Tests.Web;

/// <summary>
/// The four-eyes policy change, driven through the console in a real browser: one officer drafts a
/// rule with the form and sees its dry run, a second approves and publishes, and the API then serves
/// that role differently. The author is never offered, nor granted, their own approval.
/// </summary>
public sealed class PolicyChangeInTheConsoleTests
{
    private const string Purpose = "subsidy_eligibility";

    [Fact]
    public async Task DraftDryRunApprovePublish_SecondOfficer_ApiAnswerForRoleChanges()
    {
        var name = nameof(DraftDryRunApprovePublish_SecondOfficer_ApiAnswerForRoleChanges);
        await using var host = await BrowserHost.StartAsync(name);
        await host.AddOfficerAsync("po.author", UnitRoles.PrivacyOfficer, "510107");
        await host.AddOfficerAsync("po.reviewer", UnitRoles.PrivacyOfficer, "510107");
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == BrowserHost.CommunityY && r.Values.ContainsKey("phone"));
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, BrowserHost.CommunityY);
        var before = await ReadAsync(host, worker, resident.Id);
        Assert.False(before.GetProperty("fields").TryGetProperty("phone", out _), "precondition: a community worker gets no phone for subsidy eligibility");

        // The author drafts one rule through the form.
        var author = await host.NewPageAsync();
        await host.SignInOfficerAsync(author, "po.author");
        await host.ScreenshotAsync(author, "policies");
        await author.GotoAsync("/console/drafts");
        await host.ScreenshotAsync(author, "new-draft");
        await author.FillAsync("#field-key", "phone");
        await author.PressAsync("#field-key", "Tab");
        await author.SelectOptionAsync("#role", UnitRoles.CommunityWorker);
        await author.SelectOptionAsync("#fidelity", "masked");
        await author.SelectOptionAsync("#line-purpose", Purpose);
        await SubmitDraftAsync(author);
        var draftUrl = new Uri(author.Url).AbsolutePath;
        TestContext.Current.TestOutputHelper?.WriteLine("dry run: " + await author.InnerTextAsync("#dry-run > p"));

        // The draft validates and its dry run names the gain: community workers, phone, for the purpose.
        Assert.True(await author.Locator("#valid").IsVisibleAsync());
        Assert.Contains("community_worker, *, *, phone, masked, " + Purpose, await author.InnerTextAsync("#draft-diff"), StringComparison.Ordinal);
        var gain = author.Locator("#dry-run tr.impact-change.added", new PageLocatorOptions { HasText = "phone" });
        Assert.True(await gain.CountAsync() >= 1, await author.InnerTextAsync("main"));
        Assert.Contains("community_worker", await gain.First.InnerTextAsync(), StringComparison.Ordinal);
        await host.ScreenshotAsync(author, "draft-dry-run");
        await author.ClickAsync("#submit-draft");
        Assert.Equal("submitted", await author.InnerTextAsync("#draft-status"));

        // A second officer reviews the same dry run, approves and publishes.
        var reviewer = await host.NewPageAsync();
        await host.SignInOfficerAsync(reviewer, "po.reviewer");
        await reviewer.GotoAsync(draftUrl);
        Assert.True(await reviewer.Locator("#dry-run tr.impact-change.added").CountAsync() >= 1);
        await host.ScreenshotAsync(reviewer, "review");
        await reviewer.ClickAsync("#approve");
        Assert.Equal("approved", await reviewer.InnerTextAsync("#draft-status"));
        await reviewer.ClickAsync("#publish");
        Assert.Equal("published", await reviewer.InnerTextAsync("#draft-status"));
        var published = (await reviewer.InnerTextAsync("#published-version")).Trim();
        await host.ScreenshotAsync(reviewer, "published");

        // The API now serves that role the phone, masked, under the new version.
        var after = await ReadAsync(host, worker, resident.Id);
        Assert.True(after.GetProperty("fields").TryGetProperty("phone", out _), after.ToString());
        Assert.NotEqual(before.GetProperty("policyVersion").GetString(), after.GetProperty("policyVersion").GetString());

        // The console's policy page shows the new version in force, and its diff from the previous one.
        await reviewer.GotoAsync("/console");
        Assert.Contains(published.TrimStart('v'), await reviewer.InnerTextAsync("#current-version"), StringComparison.Ordinal);
        await reviewer.SelectOptionAsync("#from", published == "v2" ? "1" : (int.Parse(published[1..], System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await reviewer.SelectOptionAsync("#to", published[1..]);
        await reviewer.ClickAsync("#diff ~ form button[type=submit]");
        Assert.Contains("phone, masked, " + Purpose, await reviewer.InnerTextAsync("#version-diff"), StringComparison.Ordinal);
        await host.ScreenshotAsync(reviewer, "history-diff");
    }

    [Fact]
    public async Task SubmittedDraft_Author_NoApproveButtonAndDirectPostRefused()
    {
        var name = nameof(SubmittedDraft_Author_NoApproveButtonAndDirectPostRefused);
        await using var host = await BrowserHost.StartAsync(name, perCommunity: 4);
        await host.AddOfficerAsync("po.self", UnitRoles.PrivacyOfficer, "510107");
        var author = await host.NewPageAsync();
        await host.SignInOfficerAsync(author, "po.self");
        await author.GotoAsync("/console/drafts");
        await author.FillAsync("#field-key", "phone");
        await author.PressAsync("#field-key", "Tab");
        await author.SelectOptionAsync("#role", UnitRoles.GridWorker);
        await author.SelectOptionAsync("#fidelity", "masked");
        await author.SelectOptionAsync("#line-purpose", Purpose);
        await SubmitDraftAsync(author);
        await author.ClickAsync("#submit-draft");

        Assert.Equal("submitted", await author.InnerTextAsync("#draft-status"));
        Assert.Equal(0, await author.Locator("#approve").CountAsync());
        Assert.True(await author.Locator("#author-cannot-approve").IsVisibleAsync());
        await host.ScreenshotAsync(author, "author-sees-no-approve");

        // A hand-made POST with the author's own session and a valid antiforgery token is refused by the store.
        var token = await author.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var path = new Uri(author.Url).AbsolutePath;
        var response = await author.Context.APIRequest.PostAsync(path + "?handler=approve", new APIRequestContextOptions
        {
            Form = author.Context.APIRequest.CreateFormData().Set("__RequestVerificationToken", token!).Set("note", "mine"),
        });
        Assert.Equal((int)HttpStatusCode.Forbidden, response.Status);
        Assert.Contains("data-code=\"self_approval\"", await response.TextAsync(), StringComparison.Ordinal);
        await author.ReloadAsync();
        Assert.Equal("submitted", await author.InnerTextAsync("#draft-status"));
    }

    /// <summary>Saves the draft from the form; a refusal shows its problem instead of a silent timeout.</summary>
    private static async Task SubmitDraftAsync(IPage page)
    {
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#add-line"), r => r.Request.Method == "POST");
        if (response.Status != 302)
        {
            Assert.Fail($"{response.Status}: {await response.TextAsync()}");
        }
        await page.WaitForURLAsync("**/console/drafts/*");
    }

    private static async Task<JsonElement> ReadAsync(BrowserHost host, string token, string id)
    {
        using var response = await host.ApiGetAsync($"/api/v1/residents/{id}", token, Purpose);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
