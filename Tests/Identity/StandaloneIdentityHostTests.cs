using System.Net;
using System.Text.Json;
using DataVault.Identity;
using DataVault.Identity.Management;
using DataVault.Identity.Units;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DataVault.Tests.Identity;

/// <summary>Identity in a host of its own, without Vault: the same two calls compose it.</summary>
public sealed class StandaloneIdentityHostTests
{
    [Fact]
    public async Task StandaloneHost_ClientCredentials_IssuesUnitToken()
    {
        var dataDir = Directory.CreateTempSubdirectory("dv-identity-standalone-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Configuration["Vault:DataDirectory"] = dataDir;
        builder.Services.AddVaultIdentity(builder.Configuration, builder.Environment);
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapIdentityEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        const string secret = "standalone-secret-standalone-secret-0123";
        await using (var scope = app.Services.CreateAsyncScope())
        {
            Assert.Null(await scope.ServiceProvider.GetRequiredService<ClientRegistry>().AddApiClientAsync("standalone-api", UnitRoles.DistrictAnalyst, "510107", null, secret, TestContext.Current.CancellationToken));
        }
        using var http = app.GetTestClient();

        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "standalone-api", ["client_secret"] = secret, ["scope"] = "datavault",
        }), TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var token = JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
        Assert.Equal("district_analyst@510107", IdentityTestHost.JwtPart(token, 1).GetProperty("dv_unit").GetString());
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
