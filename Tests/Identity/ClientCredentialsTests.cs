using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;

namespace DataVault.Tests.Identity;

public sealed class ApiClientGetsAUnitTokenTests : IAsyncLifetime
{
    private readonly IdentityTestHost _host = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task ClientCredentials_RegisteredCaseworker_TokenCarriesUnitClaims()
    {
        var secret = await _host.AddApiClientAsync("health-api", UnitRoles.Caseworker, "510107001", "health");

        var token = await _host.ClientTokenAsync("health-api", secret);

        var header = IdentityTestHost.JwtPart(token, 0);
        var payload = IdentityTestHost.JwtPart(token, 1);
        Assert.Equal("RS256", header.GetProperty("alg").GetString());
        Assert.Equal("at+jwt", header.GetProperty("typ").GetString());
        Assert.Equal("health-api", payload.GetProperty("sub").GetString());
        Assert.Equal("caseworker", payload.GetProperty("dv_role").GetString());
        Assert.Equal("510107001", payload.GetProperty("dv_jurisdiction").GetString());
        Assert.Equal("health", payload.GetProperty("dv_department").GetString());
        Assert.Equal("caseworker:health@510107001", payload.GetProperty("dv_unit").GetString());
        Assert.Equal("client", payload.GetProperty("dv_caller").GetString());
        Assert.Equal("datavault-api", payload.GetProperty("aud").ValueKind == JsonValueKind.Array ? payload.GetProperty("aud")[0].GetString() : payload.GetProperty("aud").GetString());
        Assert.Equal("https://localhost/", payload.GetProperty("iss").GetString());
        var lifetime = payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64();
        Assert.Equal(300, lifetime);
    }

    [Fact]
    public async Task ClientCredentials_TokenKeyId_IsPublishedInJwks()
    {
        var secret = await _host.AddApiClientAsync("jwks-api", UnitRoles.StreetOfficer, "510107001");
        var token = await _host.ClientTokenAsync("jwks-api", secret);
        using var api = _host.CreateApiClient();

        var discovery = await IdentityTestHost.JsonAsync(await api.GetAsync("/.well-known/openid-configuration", TestContext.Current.CancellationToken));
        var jwksUri = new Uri(discovery.GetProperty("jwks_uri").GetString()!);
        var jwks = await IdentityTestHost.JsonAsync(await api.GetAsync(jwksUri.PathAndQuery, TestContext.Current.CancellationToken));

        var kid = IdentityTestHost.JwtPart(token, 0).GetProperty("kid").GetString();
        Assert.Contains(jwks.GetProperty("keys").EnumerateArray(), k => k.GetProperty("kid").GetString() == kid);
        Assert.All(jwks.GetProperty("keys").EnumerateArray(), k => Assert.False(k.TryGetProperty("d", out _), "a private key part was published"));
        foreach (var endpoint in new[] { "token_endpoint", "authorization_endpoint", "userinfo_endpoint", "introspection_endpoint", "revocation_endpoint", "end_session_endpoint" })
        {
            Assert.True(discovery.TryGetProperty(endpoint, out _), endpoint);
        }
    }

    [Fact]
    public async Task WhoAmI_ClientToken_ReturnsCallerFromToken()
    {
        var secret = await _host.AddApiClientAsync("grid-api", UnitRoles.GridWorker, "510107001001-02");
        var token = await _host.ClientTokenAsync("grid-api", secret);

        using var response = await _host.WhoAmIAsync(token);

        var caller = await IdentityTestHost.JsonAsync(response);
        Assert.Equal("grid_worker", caller.GetProperty("role").GetString());
        Assert.Equal("510107001001-02", caller.GetProperty("jurisdiction").GetString());
        Assert.Equal("grid-api", caller.GetProperty("subject").GetString());
        Assert.Equal("client", caller.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task ClientCredentials_WrongSecret_InvalidClient()
    {
        await _host.AddApiClientAsync("wrong-secret-api", UnitRoles.StreetOfficer, "510107001");

        using var response = await _host.RequestClientTokenAsync("wrong-secret-api", "not-the-secret-not-the-secret-not-the-secret");

        // RFC 6749 §5.2: invalid_client, 401 when the client tried to authenticate.
        var error = await IdentityTestHost.JsonAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_client", error.GetProperty("error").GetString());
        Assert.Equal("https://documentation.openiddict.com/errors/ID2055", error.GetProperty("error_uri").GetString());
    }

    [Fact]
    public async Task WhoAmI_NoToken_Unauthorized()
    {
        using var response = await _host.WhoAmIAsync(null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        var problem = await IdentityTestHost.JsonAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("unauthenticated", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Introspection_ByApiClient_ReportsActiveToken()
    {
        var secret = await _host.AddApiClientAsync("introspect-api", UnitRoles.DistrictAnalyst, "510107");
        var token = await _host.ClientTokenAsync("introspect-api", secret);
        using var api = _host.CreateApiClient();

        using var response = await api.PostAsync("/connect/introspect", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = "introspect-api",
            ["client_secret"] = secret,
            ["token"] = token,
        }), TestContext.Current.CancellationToken);

        var result = await IdentityTestHost.JsonAsync(response);
        Assert.True(result.GetProperty("active").GetBoolean());
    }
}
