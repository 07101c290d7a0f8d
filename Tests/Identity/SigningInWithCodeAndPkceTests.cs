using System.Net;
using DataVault.Identity.Units;
using OtpNet;

namespace DataVault.Tests.Identity;

public sealed class SigningInWithCodeAndPkceTests : IAsyncLifetime
{
    private readonly IdentityTestHost _host = new();

    public async ValueTask InitializeAsync() => await _host.EnsureWebClientAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private async Task<(string Code, string Verifier)> SignInAsync(string userName, string password)
    {
        var (verifier, challenge) = IdentityTestHost.NewPkce();
        using var browser = _host.CreateBrowser();
        using var response = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(challenge), userName, password);
        return (IdentityTestHost.CodeFrom(response), verifier);
    }

    [Fact]
    public async Task CodeFlow_CommunityWorker_TokensCarryUnitAndApiAccepts()
    {
        var password = await _host.AddUserAsync("cw-flow", UnitRoles.CommunityWorker, "510107001002");
        var (code, verifier) = await SignInAsync("cw-flow", password);

        var tokens = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(code, verifier));

        var access = tokens.GetProperty("access_token").GetString()!;
        Assert.True(tokens.TryGetProperty("refresh_token", out _));
        Assert.True(tokens.TryGetProperty("id_token", out _));
        var payload = IdentityTestHost.JwtPart(access, 1);
        Assert.Equal("community_worker", payload.GetProperty("dv_role").GetString());
        Assert.Equal("510107001002", payload.GetProperty("dv_jurisdiction").GetString());
        Assert.Equal("user", payload.GetProperty("dv_caller").GetString());
        var caller = await IdentityTestHost.JsonAsync(await _host.WhoAmIAsync(access));
        Assert.Equal("community_worker@510107001002", caller.GetProperty("unit").GetString());
    }

    [Fact]
    public async Task CodeFlow_WrongVerifier_InvalidGrant()
    {
        var password = await _host.AddUserAsync("cw-verifier", UnitRoles.CommunityWorker, "510107001002");
        var (code, _) = await SignInAsync("cw-verifier", password);

        var error = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(code, IdentityTestHost.NewPkce().Verifier), HttpStatusCode.BadRequest);

        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Authorize_WithoutCodeChallenge_Refused()
    {
        using var browser = _host.CreateBrowser();
        var url = IdentityTestHost.AuthorizeUrl("x").Replace("&code_challenge=x&code_challenge_method=S256", "", StringComparison.Ordinal);

        using var response = await browser.GetAsync(url, TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("code_challenge", body, StringComparison.Ordinal);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Token_ReplayedAuthorizationCode_InvalidGrantAndFirstTokensRevoked()
    {
        var password = await _host.AddUserAsync("cw-replay", UnitRoles.CommunityWorker, "510107001002");
        var (code, verifier) = await SignInAsync("cw-replay", password);
        var first = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(code, verifier));

        var replay = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(code, verifier), HttpStatusCode.BadRequest);

        Assert.Equal("invalid_grant", replay.GetProperty("error").GetString());
        // RFC 6819 §4.4.1.1: a replayed code revokes what was issued from it.
        var refresh = await IdentityTestHost.JsonAsync(await _host.RefreshAsync(first.GetProperty("refresh_token").GetString()!), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", refresh.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Refresh_RotatesToken()
    {
        var password = await _host.AddUserAsync("cw-rotate", UnitRoles.CommunityWorker, "510107001002");
        var (code, verifier) = await SignInAsync("cw-rotate", password);
        var tokens = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(code, verifier));
        var refresh1 = tokens.GetProperty("refresh_token").GetString()!;

        var rotated = await IdentityTestHost.JsonAsync(await _host.RefreshAsync(refresh1));

        var refresh2 = rotated.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(refresh1, refresh2);
        Assert.Equal("community_worker", IdentityTestHost.JwtPart(rotated.GetProperty("access_token").GetString()!, 1).GetProperty("dv_role").GetString());
    }

    [Fact]
    public async Task Refresh_ReusedToken_RevokesWholeFamily()
    {
        var password = await _host.AddUserAsync("cw-reuse", UnitRoles.CommunityWorker, "510107001002");
        var (code, verifier) = await SignInAsync("cw-reuse", password);
        var tokens = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(code, verifier));
        var refresh1 = tokens.GetProperty("refresh_token").GetString()!;
        var refresh2 = (await IdentityTestHost.JsonAsync(await _host.RefreshAsync(refresh1))).GetProperty("refresh_token").GetString()!;

        var reuse = await IdentityTestHost.JsonAsync(await _host.RefreshAsync(refresh1), HttpStatusCode.BadRequest);

        Assert.Equal("invalid_grant", reuse.GetProperty("error").GetString());
        // The legitimate holder's newer token dies with it: the family is revoked.
        var afterReuse = await IdentityTestHost.JsonAsync(await _host.RefreshAsync(refresh2), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", afterReuse.GetProperty("error").GetString());
    }

    [Fact]
    public async Task UserInfo_AccessToken_ReturnsUnit()
    {
        var password = await _host.AddUserAsync("so-userinfo", UnitRoles.StreetOfficer, "510107002");
        var (code, verifier) = await SignInAsync("so-userinfo", password);
        var access = (await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(code, verifier))).GetProperty("access_token").GetString()!;
        using var api = _host.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new("Bearer", access);

        var info = await IdentityTestHost.JsonAsync(await api.SendAsync(request, TestContext.Current.CancellationToken));

        Assert.Equal("street_officer", info.GetProperty("dv_role").GetString());
        Assert.Equal("so-userinfo", info.GetProperty("name").GetString());
    }

    [Fact]
    public async Task SignInPage_EnglishSwitch_ServesEnglish()
    {
        using var browser = _host.CreateBrowser();

        var zh = await IdentityTestHost.GetPageAsync(browser, "/account/login");
        var en = await IdentityTestHost.GetPageAsync(browser, "/account/login?lang=en");
        var remembered = await IdentityTestHost.GetPageAsync(browser, "/account/login");

        Assert.Contains("工作人员登录", zh, StringComparison.Ordinal);
        Assert.Contains("Staff sign-in", en, StringComparison.Ordinal);
        Assert.Contains("lang=\"en\"", remembered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_ForeignReturnUrl_NeverRedirectsOffSite()
    {
        var password = await _host.AddUserAsync("cw-open-redirect", UnitRoles.CommunityWorker, "510107001002");
        using var browser = _host.CreateBrowser();
        var html = await IdentityTestHost.GetPageAsync(browser, "/account/login?returnUrl=https%3A%2F%2Fevil.example%2F");

        using var response = await IdentityTestHost.SubmitFormAsync(browser, html, new Dictionary<string, string>
        {
            ["username"] = "cw-open-redirect", ["password"] = password, ["returnUrl"] = "https://evil.example/",
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Login_MissingAntiforgeryToken_BadRequest()
    {
        using var browser = _host.CreateBrowser();

        using var response = await browser.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "x", ["password"] = "y" }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task EndSession_SignedIn_EndsSessionAndRedirectsToRegisteredUri()
    {
        var password = await _host.AddUserAsync("cw-signout", UnitRoles.CommunityWorker, "510107001002");
        using var browser = _host.CreateBrowser();
        using var signedIn = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(IdentityTestHost.NewPkce().Challenge), "cw-signout", password);
        IdentityTestHost.CodeFrom(signedIn);

        using var signOut = await browser.GetAsync("/connect/endsession?post_logout_redirect_uri=" + Uri.EscapeDataString("https://app.test/signed-out"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("https://app.test/signed-out", signOut.Headers.Location!.GetLeftPart(UriPartial.Path));
        // The session is gone: authorizing again asks to sign in.
        using var again = await browser.GetAsync(IdentityTestHost.AuthorizeUrl(IdentityTestHost.NewPkce().Challenge), TestContext.Current.CancellationToken);
        Assert.StartsWith("/account/login", again.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    internal static string Totp(string? key)
    {
        Assert.NotNull(key);
        return new Totp(Base32Encoding.ToBytes(key)).ComputeTotp();
    }
}
