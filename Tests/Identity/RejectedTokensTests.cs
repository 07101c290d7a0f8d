using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using DataVault.Identity.Units;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace DataVault.Tests.Identity;

/// <summary>
/// Forged and stale tokens presented to the API. Each case starts from a token the API accepts
/// (the control) and changes one thing; the API must answer 401 invalid_token and serve nothing.
/// </summary>
public sealed class ForgedOrStaleTokensAreRejectedTests : IAsyncLifetime
{
    private readonly IdentityTestHost _host = new();

    /// <summary>A valid access-token entry in the store: the API refuses a token that names none.</summary>
    private string _entryId = "";

    public async ValueTask InitializeAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var entry = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            Type = OpenIddictConstants.TokenTypeHints.AccessToken,
            Status = OpenIddictConstants.Statuses.Valid,
            Subject = "forged-client",
            CreationDate = DateTimeOffset.UtcNow,
            ExpirationDate = DateTimeOffset.UtcNow.AddMinutes(5),
        }, TestContext.Current.CancellationToken);
        _entryId = (await tokens.GetIdAsync(entry, TestContext.Current.CancellationToken))!;
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private SigningCredentials ServerKey() =>
        _host.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.SigningCredentials[0];

    private string Mint(SigningCredentials key, Action<SecurityTokenDescriptor>? change = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = "https://localhost/",
            Audience = UnitClaims.ApiAudience,
            TokenType = "at+jwt",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = key,
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", "forged-client"),
                new Claim("client_id", "forged-client"),
                new Claim(UnitClaims.CallerKind, "client"),
                new Claim(UnitClaims.Role, UnitRoles.DistrictAnalyst),
                new Claim(UnitClaims.Jurisdiction, "510107"),
                new Claim(UnitClaims.Unit, "district_analyst@510107"),
                new Claim("jti", Guid.NewGuid().ToString("N")),
                new Claim(OpenIddictConstants.Claims.Private.TokenId, _entryId),
            ]),
        };
        change?.Invoke(descriptor);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private async Task AssertRejectedAsync(string token, string expectedDescriptionFragment)
    {
        using var response = await _host.WhoAmIAsync(token);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.True(challenge.Parameter!.Contains(expectedDescriptionFragment, StringComparison.Ordinal), challenge.Parameter);
        Assert.DoesNotContain("district_analyst", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhoAmI_ControlTokenSignedByServerKey_Accepted()
    {
        using var response = await _host.WhoAmIAsync(Mint(ServerKey()));

        var caller = await IdentityTestHost.JsonAsync(response);
        Assert.Equal("district_analyst", caller.GetProperty("role").GetString());
    }

    [Fact]
    public async Task WhoAmI_SignedByServerKeyButNoStoredEntry_Rejected()
    {
        // Validly signed, but no token entry says it was issued (or still stands): fail closed.
        var token = Mint(ServerKey(), d => d.Subject.RemoveClaim(d.Subject.FindFirst(OpenIddictConstants.Claims.Private.TokenId)));

        await AssertRejectedAsync(token, "invalid_token");
    }

    [Fact]
    public async Task WhoAmI_AlgNone_Rejected()
    {
        var signed = Mint(ServerKey());
        var header = Base64UrlTextEncoder.Encode(Encoding.UTF8.GetBytes($$"""{"alg":"none","typ":"at+jwt","kid":"{{ServerKey().Key.KeyId}}"}"""));
        var unsigned = header + "." + signed.Split('.')[1] + ".";

        await AssertRejectedAsync(unsigned, "The signature is invalid");
    }

    [Fact]
    public async Task WhoAmI_WrongSignature_Rejected()
    {
        var parts = Mint(ServerKey()).Split('.');
        var signature = Base64UrlTextEncoder.Decode(parts[2]);
        signature[10] ^= 0x01;
        var tampered = parts[0] + "." + parts[1] + "." + Base64UrlTextEncoder.Encode(signature);

        await AssertRejectedAsync(tampered, "The signature is invalid");
    }

    [Fact]
    public async Task WhoAmI_ChangedPayload_Rejected()
    {
        var parts = Mint(ServerKey()).Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlTextEncoder.Decode(parts[1])).Replace("510107", "510108", StringComparison.Ordinal);
        var tampered = parts[0] + "." + Base64UrlTextEncoder.Encode(Encoding.UTF8.GetBytes(payload)) + "." + parts[2];

        await AssertRejectedAsync(tampered, "The signature is invalid");
    }

    [Fact]
    public async Task WhoAmI_Expired_Rejected()
    {
        var token = Mint(ServerKey(), d =>
        {
            d.IssuedAt = DateTime.UtcNow.AddMinutes(-20);
            d.NotBefore = DateTime.UtcNow.AddMinutes(-20);
            d.Expires = DateTime.UtcNow.AddMinutes(-10);
        });

        await AssertRejectedAsync(token, "The token expired at");
    }

    [Fact]
    public async Task WhoAmI_NotYetValid_Rejected()
    {
        var token = Mint(ServerKey(), d =>
        {
            d.NotBefore = DateTime.UtcNow.AddMinutes(10);
            d.Expires = DateTime.UtcNow.AddMinutes(20);
        });

        await AssertRejectedAsync(token, "The token is not valid before");
    }

    [Fact]
    public async Task WhoAmI_WrongIssuer_Rejected()
    {
        await AssertRejectedAsync(Mint(ServerKey(), d => d.Issuer = "https://attacker.example/"), "The issuer 'https://attacker.example/' is invalid");
    }

    [Fact]
    public async Task WhoAmI_WrongAudience_Rejected()
    {
        await AssertRejectedAsync(Mint(ServerKey(), d => d.Audience = "some-other-api"), "The audience");
    }

    [Fact]
    public async Task WhoAmI_SignedByAnotherKey_Rejected()
    {
        using var rsa = RSA.Create(2048);
        var otherKey = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "attacker-key" }, SecurityAlgorithms.RsaSha256);

        await AssertRejectedAsync(Mint(otherKey), "The signature key was not found");
    }

    [Fact]
    public async Task WhoAmI_AnotherKeyClaimingServerKid_Rejected()
    {
        using var rsa = RSA.Create(2048);
        var otherKey = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = ServerKey().Key.KeyId }, SecurityAlgorithms.RsaSha256);

        await AssertRejectedAsync(Mint(otherKey), "The signature is invalid");
    }

    [Fact]
    public async Task WhoAmI_IdentityTokenTypeInsteadOfAccessToken_Rejected()
    {
        await AssertRejectedAsync(Mint(ServerKey(), d => d.TokenType = "JWT"), "invalid_token");
    }

    [Fact]
    public async Task WhoAmI_TokenWithoutUnitClaims_Forbidden()
    {
        // Validly signed, but it names no unit: the API cannot scope it, so it serves nothing.
        var token = Mint(ServerKey(), d => d.Subject = new ClaimsIdentity([new Claim("sub", "no-unit"), new Claim(OpenIddictConstants.Claims.Private.TokenId, _entryId)]));

        using var response = await _host.WhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
