using System.Net;
using DataVault.Identity.Management;
using DataVault.Identity.Units;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Tests.Identity;

/// <summary>What the <c>users</c> and <c>clients</c> verbs do, through the registries they call.</summary>
public sealed class OperatorActionsTests : IAsyncLifetime
{
    private readonly IdentityTestHost _host = new();

    public async ValueTask InitializeAsync() => await _host.EnsureWebClientAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task LockUser_CorrectPassword_Refused()
    {
        var password = await _host.AddUserAsync("op-locked", UnitRoles.StreetOfficer, "510107001");
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<UserRegistry>().LockAsync("op-locked"));
        }
        using var browser = _host.CreateBrowser();

        using var response = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(IdentityTestHost.NewPkce().Challenge), "op-locked", password);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var list = _host.Services.CreateAsyncScope();
        var user = (await list.ServiceProvider.GetRequiredService<UserRegistry>().ListAsync(TestContext.Current.CancellationToken)).Single(u => u.UserName == "op-locked");
        Assert.True(user.LockedOut);
    }

    [Fact]
    public async Task ResetMfa_EnrolledAuditor_MustEnrolAgainWithNewKey()
    {
        var password = await _host.AddUserAsync("op-auditor", UnitRoles.Auditor, "510107");
        string? firstKey = null;
        using (var browser = _host.CreateBrowser())
        {
            using var enrolled = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(IdentityTestHost.NewPkce().Challenge), "op-auditor", password, key => { firstKey = key; return SigningInWithCodeAndPkceTests.Totp(key); });
            IdentityTestHost.CodeFrom(enrolled);
        }
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<UserRegistry>().ResetSecondFactorAsync("op-auditor"));
        }

        string? secondKey = null;
        using var again = _host.CreateBrowser();
        using var reenrolled = await IdentityTestHost.SignInOfficerAsync(again, IdentityTestHost.AuthorizeUrl(IdentityTestHost.NewPkce().Challenge), "op-auditor", password, key => { secondKey = key; return SigningInWithCodeAndPkceTests.Totp(key); });

        IdentityTestHost.CodeFrom(reenrolled);
        Assert.NotNull(secondKey);
        Assert.NotEqual(firstKey, secondKey);
    }

    [Fact]
    public async Task RemoveClient_ThenToken_InvalidClient()
    {
        var secret = await _host.AddApiClientAsync("op-removed", UnitRoles.StreetOfficer, "510107001");
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            var registry = scope.ServiceProvider.GetRequiredService<ClientRegistry>();
            Assert.Contains(await registry.ListApiClientsAsync(TestContext.Current.CancellationToken), c => c.ClientId == "op-removed");
            Assert.True(await registry.RemoveAsync("op-removed", TestContext.Current.CancellationToken));
        }

        using var response = await _host.RequestClientTokenAsync("op-removed", secret);

        var error = await IdentityTestHost.JsonAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_client", error.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("bad id", "street_officer", "510107001", null, "0123456789abcdef0123456789abcdef", "client id must be 1-100 characters without spaces")]
    [InlineData("ok-id", "resident", "510107001001", null, "0123456789abcdef0123456789abcdef", "residents sign in in person; an API client cannot hold the resident role")]
    [InlineData("ok-id", "street_officer", "510107001", null, "short", "the secret must be at least 32 characters")]
    public async Task AddApiClient_Invalid_ExactReason(string id, string role, string jurisdiction, string? department, string secret, string expected)
    {
        await using var scope = _host.Services.CreateAsyncScope();

        var error = await scope.ServiceProvider.GetRequiredService<ClientRegistry>().AddApiClientAsync(id, role, jurisdiction, department, secret, TestContext.Current.CancellationToken);

        Assert.Equal(expected, error);
    }
}
