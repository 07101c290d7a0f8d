using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DataVault.Tests.Vault;

public sealed class HostStartsTests
{
    [Fact]
    public async Task Healthz_FreshDataDirectory_ReturnsOk()
    {
        var dataDir = Directory.CreateTempSubdirectory("dv-host-").FullName;
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Vault:DataDirectory", dataDir).UseSetting("Seeding:DemoOnFirstRun", "false"));
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>(TestContext.Current.CancellationToken);
        Assert.Equal("ok", body!["status"]);
    }

    [Fact]
    public async Task OpenApi_Document_IsServed()
    {
        var dataDir = Directory.CreateTempSubdirectory("dv-host-").FullName;
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Vault:DataDirectory", dataDir).UseSetting("Seeding:DemoOnFirstRun", "false"));
        using var client = factory.CreateClient();

        var json = await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        Assert.Contains("\"/healthz\"", json, StringComparison.Ordinal);
    }
}

public sealed class HostSettingsTests
{
    /// <summary>
    /// The content root holds ./data: a settings file watched for changes would have the host watch the
    /// whole directory tree, and every write to the store would wake the watcher.
    /// </summary>
    [Fact]
    public void Settings_AreNotWatchedForChanges()
    {
        var builder = DataVault.Vault.Hosting.VaultHost.CreateBuilder([]);

        var files = builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.FileConfigurationSource>().ToList();

        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.False(f.ReloadOnChange, $"{f.Path} is watched for changes"));
    }
}
