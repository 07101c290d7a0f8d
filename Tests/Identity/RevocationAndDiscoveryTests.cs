using System.Diagnostics;
using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;

namespace DataVault.Tests.Identity;

/// <summary>
/// Revocation reaches the API (a revoked access token, and every access token of a family revoked
/// for refresh-token reuse, is refused within 5 s), PKCE is S256 only, <c>amr</c> is a JSON array,
/// and discovery lists every claim the server issues.
/// </summary>
public sealed class RevocationAndDiscoveryTests : IAsyncLifetime
{
    /// <summary>The promise: the API honours a revocation within this long.</summary>
    private static readonly TimeSpan RevocationReachesApi = TimeSpan.FromSeconds(5);

    private readonly IdentityTestHost _host = new();

    public async ValueTask InitializeAsync() => await _host.EnsureWebClientAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Revoke_ClientAccessToken_ApiRefusesWithinFiveSeconds()
    {
        var secret = await _host.AddApiClientAsync("revoke-api", UnitRoles.DistrictAnalyst, "510107");
        var token = await _host.ClientTokenAsync("revoke-api", secret);
        using (var before = await _host.WhoAmIAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }
        using var api = _host.CreateApiClient();

        using var revoke = await api.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = "revoke-api",
            ["client_secret"] = secret,
            ["token"] = token,
            ["token_type_hint"] = "access_token",
        }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await AssertRefusedWithinAsync(token);
    }

    [Fact]
    public async Task RefreshReuse_FamilysEarlierAccessToken_ApiRefusesWithinFiveSeconds()
    {
        var password = await _host.AddUserAsync("cw-family", UnitRoles.CommunityWorker, "510107001002");
        var first = await SignInAndRedeemAsync("cw-family", password);
        var access1 = first.GetProperty("access_token").GetString()!;
        var refresh1 = first.GetProperty("refresh_token").GetString()!;
        var rotated = await IdentityTestHost.JsonAsync(await _host.RefreshAsync(refresh1));
        var access2 = rotated.GetProperty("access_token").GetString()!;
        using (var before = await _host.WhoAmIAsync(access1))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var reuse = await IdentityTestHost.JsonAsync(await _host.RefreshAsync(refresh1), HttpStatusCode.BadRequest);

        Assert.Equal("invalid_grant", reuse.GetProperty("error").GetString());
        await AssertRefusedWithinAsync(access1);
        // The legitimate holder's newer access token belongs to the same family and dies with it.
        await AssertRefusedWithinAsync(access2);
    }

    [Fact]
    public async Task Authorize_PlainCodeChallenge_RefusedWithOAuthError()
    {
        using var browser = _host.CreateBrowser();
        var (verifier, _) = IdentityTestHost.NewPkce();
        var url = IdentityTestHost.AuthorizeUrl(verifier).Replace("code_challenge_method=S256", "code_challenge_method=plain", StringComparison.Ordinal);

        using var response = await browser.GetAsync(url, TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {response.Headers.Location} {body}");
        Assert.Contains("invalid_request", body, StringComparison.Ordinal);
        Assert.Contains("code_challenge_method", body, StringComparison.Ordinal);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Discovery_ListsOnlyS256AndEveryIssuedClaim()
    {
        using var api = _host.CreateApiClient();

        var discovery = await IdentityTestHost.JsonAsync(await api.GetAsync("/.well-known/openid-configuration", TestContext.Current.CancellationToken));

        Assert.Equal(["S256"], discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        var supported = discovery.GetProperty("claims_supported").EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(supported, new HashSet<string>(UnitClaims.Issued, StringComparer.Ordinal));

        // Every claim that actually appears in a person's and a client's tokens and in userinfo is listed
        // (the protocol's own bookkeeping claims aside).
        var password = await _host.AddUserAsync("cs-claims", UnitRoles.Caseworker, "510107", "health");
        var tokens = await SignInAndRedeemAsync("cs-claims", password, "openid profile phone offline_access datavault");
        var secret = await _host.AddApiClientAsync("claims-api", UnitRoles.StreetOfficer, "510107001");
        var clientToken = await _host.ClientTokenAsync("claims-api", secret);
        using var userInfoRequest = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        userInfoRequest.Headers.Authorization = new("Bearer", tokens.GetProperty("access_token").GetString());
        var userInfo = await IdentityTestHost.JsonAsync(await api.SendAsync(userInfoRequest, TestContext.Current.CancellationToken));
        var issued = new[]
        {
            IdentityTestHost.JwtPart(tokens.GetProperty("access_token").GetString()!, 1),
            IdentityTestHost.JwtPart(tokens.GetProperty("id_token").GetString()!, 1),
            IdentityTestHost.JwtPart(clientToken, 1),
            userInfo,
        }.SelectMany(p => p.EnumerateObject().Select(c => c.Name)).Where(c => !ProtocolClaims.Contains(c) && !c.StartsWith("oi_", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(UnitClaims.Department, issued);
        Assert.Subset(supported, issued);
    }

    [Fact]
    public async Task CodeFlow_OneMethod_AmrIsJsonArrayInAccessAndIdentityTokens()
    {
        var password = await _host.AddUserAsync("cw-amr", UnitRoles.CommunityWorker, "510107001002");
        var tokens = await SignInAndRedeemAsync("cw-amr", password);
        // After a refresh too: the method survives the round trip through the refresh token.
        var refreshed = await IdentityTestHost.JsonAsync(await _host.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!));

        foreach (var jwt in new[] { tokens.GetProperty("access_token"), tokens.GetProperty("id_token"), refreshed.GetProperty("access_token"), refreshed.GetProperty("id_token") })
        {
            var amr = IdentityTestHost.JwtPart(jwt.GetString()!, 1).GetProperty("amr");
            Assert.Equal(JsonValueKind.Array, amr.ValueKind);
            Assert.Equal(["pwd"], amr.EnumerateArray().Select(e => e.GetString()));
        }
        using var whoami = await _host.WhoAmIAsync(refreshed.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, whoami.StatusCode);
    }

    /// <summary>JWT and OpenID Connect bookkeeping claims, which claims_supported need not list.</summary>
    private static readonly HashSet<string> ProtocolClaims = new(StringComparer.Ordinal)
    {
        "iss", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope", "azp", "at_hash", "nonce", "sid", "auth_time",
    };

    private async Task<JsonElement> SignInAndRedeemAsync(string userName, string password, string scope = "openid profile offline_access datavault")
    {
        var (verifier, challenge) = IdentityTestHost.NewPkce();
        using var browser = _host.CreateBrowser();
        using var response = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(challenge, scope), userName, password);
        return await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(IdentityTestHost.CodeFrom(response), verifier));
    }

    /// <summary>Polls whoami for up to 5 s until the token is refused as the API refuses any bad token.</summary>
    private async Task AssertRefusedWithinAsync(string token)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await _host.WhoAmIAsync(token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer" && h.Parameter?.Contains("invalid_token", StringComparison.Ordinal) == true);
                var problem = await IdentityTestHost.JsonAsync(response, HttpStatusCode.Unauthorized);
                Assert.Equal("unauthenticated", problem.GetProperty("code").GetString());
                return;
            }
            Assert.True(clock.Elapsed < RevocationReachesApi, $"the revoked token was still accepted after {clock.Elapsed.TotalSeconds:F1} s");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
