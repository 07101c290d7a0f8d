using System.Net;
using DataVault.Identity.Units;

namespace DataVault.Tests.Web;

/// <summary>
/// The resident's side, in a real browser on a phone-sized screen: a community worker reads the
/// resident through the API; the resident signs in with phone and code, finds that read in "who
/// looked at my data" marked verified, questions it; the district's privacy officer sees the
/// question in the console and answers; the resident reads the answer.
/// </summary>
public sealed class ResidentQuestionsAnAccessTests
{
    [Fact]
    public async Task ApiRead_ResidentSeesVerifiedEntryAndQuestionsIt_OfficerSeesAndAnswers()
    {
        var name = nameof(ApiRead_ResidentSeesVerifiedEntryAndQuestionsIt_OfficerSeesAndAnswers);
        await using var host = await BrowserHost.StartAsync(name);
        var stored = await host.StoredResidentsAsync();
        var me = stored.First(r => r.CommunityCode == BrowserHost.OtherCommunity && r.Values.TryGetValue("phone", out var p)
            && stored.Count(o => o.CommunityCode == r.CommunityCode && o.Values.GetValueOrDefault("phone") == p) == 1);
        await host.AddResidentUserAsync("resident.web", me.CommunityCode, me.Values["phone"]);
        await host.AddOfficerAsync("po.questions", UnitRoles.PrivacyOfficer, "510107");

        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, BrowserHost.OtherCommunity);
        using (var read = await host.ApiGetAsync($"/api/v1/residents/{me.Id}", worker, "community_service"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        var phone = await host.NewPageAsync(phone: true);
        await host.SignInResidentAsync(phone, me.Values["phone"]);
        Assert.True(await phone.Locator("#my-data #field-name").IsVisibleAsync());
        Assert.Contains("L3", await phone.InnerTextAsync("#field-phone"), StringComparison.Ordinal);
        await host.ScreenshotAsync(phone, "my-data");

        await phone.GotoAsync("/portal/log");
        var entry = phone.Locator("li.entry", new() { HasText = "community_worker@" + BrowserHost.OtherCommunity });
        Assert.Equal(1, await entry.CountAsync());
        Assert.True(await entry.Locator(".verified").IsVisibleAsync(), await entry.InnerTextAsync());
        await host.ScreenshotAsync(phone, "who-looked");

        await entry.Locator("summary").ClickAsync();
        await entry.Locator("textarea").FillAsync("为什么社区查看了我的信息?");
        await entry.Locator("button[type=submit]").ClickAsync();
        await phone.WaitForURLAsync("**/portal/cases**");
        Assert.Contains("为什么社区查看了我的信息?", await phone.InnerTextAsync(".question"), StringComparison.Ordinal);
        await host.ScreenshotAsync(phone, "my-questions");

        var officer = await host.NewPageAsync();
        await host.SignInOfficerAsync(officer, "po.questions", "/console/questions");
        var question = officer.Locator(".question", new() { HasText = "为什么社区查看了我的信息?" });
        Assert.Equal(1, await question.CountAsync());
        Assert.Contains("community_worker@" + BrowserHost.OtherCommunity, await question.InnerTextAsync(), StringComparison.Ordinal);
        await host.ScreenshotAsync(officer, "question-queue");
        await question.Locator("textarea").FillAsync("社区为办理服务查看,依据充分。");
        await question.Locator("button[type=submit]").ClickAsync();
        await officer.WaitForURLAsync("**status=answered");
        await host.ScreenshotAsync(officer, "answered");

        await phone.GotoAsync("/portal/cases");
        Assert.Contains("社区为办理服务查看,依据充分。", await phone.InnerTextAsync(".question .answer"), StringComparison.Ordinal);
        await host.ScreenshotAsync(phone, "answer");
    }
}
