using System.Security.Claims;
using DataVault.Identity.Management;
using DataVault.Identity.Units;
using DataVault.Vault.Api;

namespace DataVault.Tests.Identity;

public sealed class UnitAndCallerTests
{
    [Theory]
    [InlineData("mayor", "510107", null, "unknown role 'mayor' (expected one of: community_worker, grid_worker, street_officer, district_analyst, caseworker, privacy_officer, auditor, resident)")]
    [InlineData("street_officer", "51010", null, "invalid jurisdiction code '51010' (expected 6, 9 or 12 digits, optionally followed by -NN for a grid)")]
    [InlineData("caseworker", "510107", null, "role 'caseworker' needs a department (one of: civil_affairs, health, public_security, justice, disabled_federation, veterans)")]
    [InlineData("street_officer", "510107001", "health", "only role 'caseworker' carries a department")]
    [InlineData("caseworker", "510107", "tax", "unknown department 'tax' (expected one of: civil_affairs, health, public_security, justice, disabled_federation, veterans)")]
    public void Validate_InvalidUnit_ExactMessage(string role, string jurisdiction, string? department, string expected)
    {
        Assert.Equal(expected, UnitRoles.Validate(role, jurisdiction, department));
    }

    [Theory]
    [InlineData("grid_worker", "510107001001-03", null)]
    [InlineData("caseworker", "510107", "veterans")]
    [InlineData("community_worker", "510107001001", null)]
    public void Validate_ValidUnit_Null(string role, string jurisdiction, string? department)
    {
        Assert.Null(UnitRoles.Validate(role, jurisdiction, department));
    }

    [Theory]
    [InlineData("+86 138-0013-8000", "13800138000")]
    [InlineData("13800138000", "13800138000")]
    [InlineData("23800138000", null)]
    [InlineData("1380013800", null)]
    public void NormalisePhone_Inputs_Normalised(string input, string? expected)
    {
        Assert.Equal(expected, UserRegistry.NormalisePhone(input));
    }

    private static ClaimsPrincipal Principal(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "Bearer"));

    [Fact]
    public void FromPrincipal_CompleteClaims_BuildsCaller()
    {
        var caller = CallerContext.FromPrincipal(Principal(("sub", "c1"), (UnitClaims.CallerKind, "client"), (UnitClaims.Role, "caseworker"), (UnitClaims.Jurisdiction, "510107"), (UnitClaims.Department, "health")));

        Assert.Equal(new CallerContext("c1", "client", "caseworker", "510107", "health", "caseworker:health@510107") { ClientId = "c1" }, caller);
    }

    [Fact]
    public void FromPrincipal_DuplicatedRoleClaim_Null()
    {
        Assert.Null(CallerContext.FromPrincipal(Principal(("sub", "c1"), (UnitClaims.CallerKind, "client"), (UnitClaims.Role, "community_worker"), (UnitClaims.Role, "privacy_officer"), (UnitClaims.Jurisdiction, "510107001001"))));
    }

    [Fact]
    public void FromPrincipal_Unauthenticated_Null()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "x"), new Claim(UnitClaims.CallerKind, "client"), new Claim(UnitClaims.Role, "auditor"), new Claim(UnitClaims.Jurisdiction, "510107")]));

        Assert.Null(CallerContext.FromPrincipal(anonymous));
    }

    [Fact]
    public async Task WhoAmI_HeadersClaimingAnotherUnit_Ignored()
    {
        await using var host = new IdentityTestHost();
        var secret = await host.AddApiClientAsync("header-api", UnitRoles.GridWorker, "510107001001-01");
        var token = await host.ClientTokenAsync("header-api", secret);
        using var api = host.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/whoami");
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add("X-Role", "privacy_officer");
        request.Headers.Add("X-Jurisdiction", "510107");
        request.Headers.Add("dv_role", "privacy_officer");

        var caller = await IdentityTestHost.JsonAsync(await api.SendAsync(request, TestContext.Current.CancellationToken));

        Assert.Equal("grid_worker", caller.GetProperty("role").GetString());
        Assert.Equal("510107001001-01", caller.GetProperty("jurisdiction").GetString());
    }

    [Fact]
    public async Task FallbackPolicy_ApiPathOutsideGroup_RequiresToken()
    {
        await using var host = new IdentityTestHost();
        using var api = host.CreateApiClient();

        using var unknown = await api.GetAsync("/api/v2/anything", TestContext.Current.CancellationToken);
        using var health = await api.GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }
}
