using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DataVault.Tests.Identity;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DataVault.Tests.Vault.Api;

/// <summary>
/// The real Vault host (identity, policy, store, access log) on a fresh data directory, seeded with a
/// small synthetic population in two communities of different streets, with one API client per unit a
/// test asks for (real client-credentials tokens). Intent methods speak the resident API.
/// </summary>
internal sealed class ApiTestHost : IAsyncDisposable
{
    /// <summary>Community Y (street 510107004) and a community of another street (510107001).</summary>
    public const string CommunityY = SeedRequest.DemoCommunity;
    public const string OtherCommunity = "510107001001";

    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    // The API clients made so far (client id → secret): stored in the vault, so they outlive a restart.
    private readonly Dictionary<string, string> _secrets = new(StringComparer.Ordinal);

    private ApiTestHost(IdentityTestHost host) => Host = host;

    public IdentityTestHost Host { get; }

    public IServiceProvider Services => Host.Services;

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A host with <paramref name="perCommunity"/> synthetic residents in each of the two communities.</summary>
    public static async Task<ApiTestHost> StartAsync(int perCommunity = 40, Action<IWebHostBuilder>? configure = null)
    {
        var host = new ApiTestHost(new IdentityTestHost(configure: configure));
        var seeder = host.Get<ResidentSeeder>();
        var ct = TestContext.Current.CancellationToken;
        await seeder.SeedAsync(new SeedRequest(perCommunity, Seed: 11, Community: CommunityY), null, ct);
        await seeder.SeedAsync(new SeedRequest(perCommunity, Seed: 12, Community: OtherCommunity), null, ct);
        return host;
    }

    /// <summary>
    /// Stops this host and starts a new one on the same data directory and settings, as a restart of
    /// the vault would (nothing seeded again); tokens of the old host are dropped and issued afresh.
    /// </summary>
    public async Task<ApiTestHost> RestartAsync(Action<IWebHostBuilder>? configure = null)
    {
        var directory = Host.DataDirectory;
        await Host.DisposeAsync();
        var restarted = new ApiTestHost(new IdentityTestHost(directory, configure));
        foreach (var (client, secret) in _secrets)
        {
            restarted._secrets[client] = secret;
        }
        return restarted;
    }

    /// <summary>Every stored resident (id, community, grid), read straight from the store.</summary>
    public async Task<IReadOnlyList<StoredResident>> StoredResidentsAsync()
    {
        var list = new List<StoredResident>();
        await foreach (var r in Get<ResidentReader>().ReadAllAsync(TestContext.Current.CancellationToken))
        {
            list.Add(r);
        }
        return list;
    }

    /// <summary>A token for an API client holding the unit (created on first use).</summary>
    public async Task<string> TokenAsync(string role, string jurisdiction, string? department = null)
    {
        var key = $"{role}:{department}@{jurisdiction}";
        if (!_tokens.TryGetValue(key, out var token))
        {
            var clientId = "t-" + key.Replace(':', '-').Replace('@', '-');
            if (!_secrets.TryGetValue(clientId, out var secret))
            {
                secret = await Host.AddApiClientAsync(clientId, role, jurisdiction, department);
                _secrets[clientId] = secret;
            }
            token = await Host.ClientTokenAsync(clientId, secret);
            _tokens[key] = token;
        }
        return token;
    }

    public HttpClient CreateClient() => Host.CreateApiClient();

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? purpose, object? body = null, Action<HttpRequestMessage>? configure = null)
    {
        using var client = CreateClient();
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (purpose is not null)
        {
            request.Headers.Add("X-Purpose", purpose);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        configure?.Invoke(request);
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? token, string? purpose) => SendAsync(HttpMethod.Get, path, token, purpose);

    /// <summary>The JSON body of a response, asserting its status first (the body is in the failure message).</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, System.Net.HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The stable <c>code</c> of a ProblemDetails response.</summary>
    public static async Task<string?> ProblemCodeAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return JsonDocument.Parse(text).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
