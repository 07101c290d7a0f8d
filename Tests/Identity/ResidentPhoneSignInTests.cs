using System.Net;
using DataVault.Identity.Units;

namespace DataVault.Tests.Identity;

public sealed class ResidentPhoneSignInTests : IAsyncLifetime
{
    private readonly IdentityTestHost _host = new();

    public async ValueTask InitializeAsync() => await _host.EnsureWebClientAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private async Task<HttpResponseMessage> SignInResidentAsync(HttpClient browser, string challenge, string phone, Func<string>? code = null)
    {
        using var toLogin = await IdentityTestHost.FollowAsync(browser, await browser.GetAsync(IdentityTestHost.AuthorizeUrl(challenge, "openid phone offline_access datavault"), TestContext.Current.CancellationToken));
        var login = await toLogin.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var phoneLink = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(login, "href=\"(/account/phone[^\"]*)\"").Groups[1].Value);
        var phonePage = await IdentityTestHost.GetPageAsync(browser, phoneLink);
        using var sent = await IdentityTestHost.FollowAsync(browser, await IdentityTestHost.SubmitFormAsync(browser, phonePage, new Dictionary<string, string> { ["phone"] = phone }));
        var codePage = await sent.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return await IdentityTestHost.FollowAsync(browser, await IdentityTestHost.SubmitFormAsync(browser, codePage, new Dictionary<string, string> { ["code"] = (code ?? _host.LatestOneTimeCode)() }));
    }

    [Fact]
    public async Task Resident_PhoneAndOutboxCode_GetsResidentToken()
    {
        await _host.AddUserAsync("resident-a", UnitRoles.Resident, "510107001001", phone: "13800138001");
        var (verifier, challenge) = IdentityTestHost.NewPkce();
        using var browser = _host.CreateBrowser();

        using var response = await SignInResidentAsync(browser, challenge, "138 0013 8001");

        var tokens = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(IdentityTestHost.CodeFrom(response), verifier));
        var payload = IdentityTestHost.JwtPart(tokens.GetProperty("access_token").GetString()!, 1);
        Assert.Equal("resident", payload.GetProperty("dv_role").GetString());
        Assert.False(payload.TryGetProperty("phone_number", out _), "the phone number must not travel in the access token");
        var outbox = await File.ReadAllTextAsync(DataVault.Identity.Account.OutboxOneTimeCodeSender.OutboxPath(_host.DataDirectory), TestContext.Current.CancellationToken);
        Assert.Contains("138****8001", outbox, StringComparison.Ordinal);
        Assert.DoesNotContain("13800138001", outbox, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resident_CodeUsedTwice_SecondSignInRefused()
    {
        await _host.AddUserAsync("resident-b", UnitRoles.Resident, "510107001001", phone: "13800138002");
        using var first = _host.CreateBrowser();
        using var ok = await SignInResidentAsync(first, IdentityTestHost.NewPkce().Challenge, "13800138002");
        var usedCode = _host.LatestOneTimeCode();
        IdentityTestHost.CodeFrom(ok);

        using var second = _host.CreateBrowser();
        using var refused = await SignInResidentAsync(second, IdentityTestHost.NewPkce().Challenge, "13800138002", () => usedCode);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task Resident_UnknownPhone_SameAnswerAndNoCode()
    {
        using var browser = _host.CreateBrowser();

        using var refused = await SignInResidentAsync(browser, IdentityTestHost.NewPkce().Challenge, "13900000000", () => "123456");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.False(File.Exists(DataVault.Identity.Account.OutboxOneTimeCodeSender.OutboxPath(_host.DataDirectory))
            && (await File.ReadAllTextAsync(DataVault.Identity.Account.OutboxOneTimeCodeSender.OutboxPath(_host.DataDirectory), TestContext.Current.CancellationToken)).Contains("139****0000", StringComparison.Ordinal));
    }
}
