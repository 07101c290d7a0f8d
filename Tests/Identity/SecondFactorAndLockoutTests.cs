using System.Net;
using DataVault.Identity.Units;
using OtpNet;

namespace DataVault.Tests.Identity;

public sealed class SecondFactorAndLockoutTests : IAsyncLifetime
{
    private readonly IdentityTestHost _host = new(configure: b => b.UseSetting("Identity:LockoutThreshold", "3"));

    public async ValueTask InitializeAsync() => await _host.EnsureWebClientAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task PrivacyOfficer_PasswordOnly_GetsNoCode()
    {
        var password = await _host.AddUserAsync("po-nomfa", UnitRoles.PrivacyOfficer, "510107");
        var (_, challenge) = IdentityTestHost.NewPkce();
        using var browser = _host.CreateBrowser();

        using var afterPassword = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(challenge), "po-nomfa", password);
        var page = await afterPassword.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        // The enrolment page, not a redirect to the client; going back to authorize asks to sign in again.
        Assert.Equal(HttpStatusCode.OK, afterPassword.StatusCode);
        Assert.Contains("id=\"secret\"", page, StringComparison.Ordinal);
        using var retry = await browser.GetAsync(IdentityTestHost.AuthorizeUrl(challenge), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        Assert.StartsWith("/account/login", retry.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivacyOfficer_WrongAuthenticatorCode_GetsNoCode()
    {
        var password = await _host.AddUserAsync("po-wrongcode", UnitRoles.PrivacyOfficer, "510107");
        var (_, challenge) = IdentityTestHost.NewPkce();
        using var browser = _host.CreateBrowser();

        using var response = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(challenge), "po-wrongcode", password, key => (int.Parse(SigningInWithCodeAndPkceTests.Totp(key), System.Globalization.CultureInfo.InvariantCulture) ^ 1).ToString("D6", System.Globalization.CultureInfo.InvariantCulture));

        Assert.NotEqual(IdentityTestHost.RedirectUri.Host, response.Headers.Location?.Host);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("验证码错误", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivacyOfficer_EnrolsThenSignsInWithTotp_GetsTokenMarkedMfa()
    {
        var password = await _host.AddUserAsync("po-enrol", UnitRoles.PrivacyOfficer, "510107");
        string? enrolledKey = null;
        var (verifier, challenge) = IdentityTestHost.NewPkce();
        using (var browser = _host.CreateBrowser())
        {
            using var enrolled = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(challenge), "po-enrol", password, key => { enrolledKey = key; return SigningInWithCodeAndPkceTests.Totp(key); });
            var tokens = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(IdentityTestHost.CodeFrom(enrolled), verifier));
            var amr = IdentityTestHost.JwtPart(tokens.GetProperty("access_token").GetString()!, 1).GetProperty("amr");
            Assert.Contains(amr.EnumerateArray(), a => a.GetString() == "mfa");
        }

        // Second sign-in: the authenticator page (no enrolment page, no key shown again).
        var (verifier2, challenge2) = IdentityTestHost.NewPkce();
        using var browser2 = _host.CreateBrowser();
        using var second = await IdentityTestHost.SignInOfficerAsync(browser2, IdentityTestHost.AuthorizeUrl(challenge2), "po-enrol", password, key =>
        {
            Assert.Null(key);
            return new Totp(Base32Encoding.ToBytes(enrolledKey!)).ComputeTotp();
        });
        var again = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(IdentityTestHost.CodeFrom(second), verifier2));
        Assert.Equal("privacy_officer", IdentityTestHost.JwtPart(again.GetProperty("access_token").GetString()!, 1).GetProperty("dv_role").GetString());
    }

    [Fact]
    public async Task Login_ThresholdFailures_LocksOutEvenCorrectPassword()
    {
        var password = await _host.AddUserAsync("cw-lockout", UnitRoles.CommunityWorker, "510107001001");
        using var browser = _host.CreateBrowser();
        for (var i = 0; i < 3; i++)
        {
            var page = await IdentityTestHost.GetPageAsync(browser, "/account/login");
            using var failed = await IdentityTestHost.SubmitFormAsync(browser, page, new Dictionary<string, string> { ["username"] = "cw-lockout", ["password"] = "wrong-password-" + i });
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        }

        var (_, challenge) = IdentityTestHost.NewPkce();
        using var response = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(challenge), "cw-lockout", password);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("账户已暂时锁定", html, StringComparison.Ordinal);
    }
}
