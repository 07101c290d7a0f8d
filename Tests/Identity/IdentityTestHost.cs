using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DataVault.Identity.Account;
using DataVault.Identity.Management;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataVault.Tests.Identity;

/// <summary>
/// The real Vault host with a fresh data directory, a log recorder, and intent methods for the
/// identity flows. A browser is played by an HttpClient that keeps cookies and does not follow
/// redirects, so each step of the sign-in can be asserted.
/// </summary>
public sealed partial class IdentityTestHost : IAsyncDisposable
{
    public const string WebClientId = "test-web";
    public static readonly Uri RedirectUri = new("https://app.test/callback");

    private readonly WebApplicationFactory<Program> _factory;

    public IdentityTestHost(string? dataDirectory = null, Action<IWebHostBuilder>? configure = null)
    {
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("dv-identity-").FullName;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Vault:DataDirectory", DataDirectory);
            b.UseEnvironment("Development");
            // Identity tests make their own users: no demo community or demo identities on first run.
            b.UseSetting("Seeding:DemoOnFirstRun", "false");
            // appsettings.json keeps these at Warning; the no-secrets test must see everything an
            // operator could turn on (OpenIddict stays capped in code, where tokens would appear).
            b.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Information");
            b.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Information");
            b.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
            configure?.Invoke(b);
        });
    }

    public string DataDirectory { get; }

    public RecordingLoggerProvider Logs { get; } = new();

    public IServiceProvider Services => _factory.Services;

    public HttpClient CreateApiClient() => _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    public HttpClient CreateBrowser() => _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public async Task<string> AddApiClientAsync(string clientId, string role, string jurisdiction, string? department = null)
    {
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var scope = Services.CreateAsyncScope();
        var error = await scope.ServiceProvider.GetRequiredService<ClientRegistry>().AddApiClientAsync(clientId, role, jurisdiction, department, secret, TestContext.Current.CancellationToken);
        Assert.Null(error);
        return secret;
    }

    public async Task<string> AddUserAsync(string userName, string role, string jurisdiction, string? department = null, string? phone = null)
    {
        var password = "pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        await using var scope = Services.CreateAsyncScope();
        var error = await scope.ServiceProvider.GetRequiredService<UserRegistry>().AddAsync(userName, role, jurisdiction, department, phone, password);
        Assert.Null(error);
        return password;
    }

    public async Task EnsureWebClientAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        // A second call reports "already exists", which is fine here.
        await scope.ServiceProvider.GetRequiredService<ClientRegistry>().AddBrowserClientAsync(WebClientId, "test web", [RedirectUri], [new Uri("https://app.test/signed-out")], TestContext.Current.CancellationToken);
    }

    public async Task<HttpResponseMessage> RequestClientTokenAsync(string clientId, string secret, string scope = "datavault")
    {
        using var api = CreateApiClient();
        return await api.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = scope,
        }), TestContext.Current.CancellationToken);
    }

    public async Task<string> ClientTokenAsync(string clientId, string secret)
    {
        using var response = await RequestClientTokenAsync(clientId, secret);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    public async Task<HttpResponseMessage> WhoAmIAsync(string? accessToken)
    {
        using var api = CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/whoami");
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }
        return await api.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>A PKCE pair (RFC 7636 §4.1, §4.2: S256).</summary>
    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return (verifier, challenge);
    }

    public static string AuthorizeUrl(string challenge, string scope = "openid profile offline_access datavault", string state = "st-1") =>
        QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = WebClientId,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });

    /// <summary>GETs a page and returns its HTML (asserting success).</summary>
    public static async Task<string> GetPageAsync(HttpClient browser, string url)
    {
        using var response = await browser.GetAsync(url, TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {html}");
        return html;
    }

    /// <summary>Submits the first form of <paramref name="html"/> with its hidden fields plus <paramref name="fields"/>.</summary>
    public static async Task<HttpResponseMessage> SubmitFormAsync(HttpClient browser, string html, IDictionary<string, string> fields)
    {
        var action = WebUtility.HtmlDecode(FormAction().Match(html).Groups[1].Value);
        var values = HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        foreach (var (k, v) in fields)
        {
            values[k] = v;
        }
        return await browser.PostAsync(action, new FormUrlEncodedContent(values), TestContext.Current.CancellationToken);
    }

    /// <summary>Follows redirects inside the host until one leaves it (to the client's redirect URI) or a page is served.</summary>
    public static async Task<HttpResponseMessage> FollowAsync(HttpClient browser, HttpResponseMessage response)
    {
        for (var i = 0; i < 10 && response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther; i++)
        {
            var location = response.Headers.Location!;
            if (location.IsAbsoluteUri && location.Host != "localhost")
            {
                return response;
            }
            response.Dispose();
            response = await browser.GetAsync(location, TestContext.Current.CancellationToken);
        }
        return response;
    }

    /// <summary>
    /// Drives the officer sign-in from the authorization request to the code. <paramref name="totp"/>
    /// computes the authenticator code from the enrolment key when a second factor is asked for.
    /// Returns the final response (a redirect to the client with a code, or a page).
    /// </summary>
    public static async Task<HttpResponseMessage> SignInOfficerAsync(HttpClient browser, string authorizeUrl, string userName, string password, Func<string?, string>? totp = null)
    {
        var response = await FollowAsync(browser, await browser.GetAsync(authorizeUrl, TestContext.Current.CancellationToken));
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("name=\"password\"", html, StringComparison.Ordinal);
        response = await FollowAsync(browser, await SubmitFormAsync(browser, html, new Dictionary<string, string> { ["username"] = userName, ["password"] = password }));
        if (totp is not null && response.StatusCode == HttpStatusCode.OK)
        {
            html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            var key = EnrolmentKey().Match(html) is { Success: true } m ? m.Groups[1].Value : null;
            response = await FollowAsync(browser, await SubmitFormAsync(browser, html, new Dictionary<string, string> { ["code"] = totp(key) }));
        }
        return response;
    }

    public static string CodeFrom(HttpResponseMessage response)
    {
        var location = response.Headers.Location;
        Assert.True(location is not null && location.AbsoluteUri.StartsWith(RedirectUri.AbsoluteUri, StringComparison.Ordinal), $"expected a redirect to the client, got {(int)response.StatusCode} {location}");
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.True(query.ContainsKey("code"), location.Query);
        return query["code"].ToString();
    }

    public async Task<HttpResponseMessage> RedeemCodeAsync(string code, string verifier)
    {
        using var api = CreateApiClient();
        return await api.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = WebClientId,
            ["code"] = code,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["code_verifier"] = verifier,
        }), TestContext.Current.CancellationToken);
    }

    public async Task<HttpResponseMessage> RefreshAsync(string refreshToken)
    {
        using var api = CreateApiClient();
        return await api.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = WebClientId,
            ["refresh_token"] = refreshToken,
        }), TestContext.Current.CancellationToken);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The JSON payload of a JWT, without validating it (the tests check what the server put in).</summary>
    public static JsonElement JwtPart(string jwt, int part) =>
        JsonDocument.Parse(Base64UrlTextEncoder.Decode(jwt.Split('.')[part])).RootElement.Clone();

    public string LatestOneTimeCode()
    {
        var lines = File.ReadAllLines(OutboxOneTimeCodeSender.OutboxPath(DataDirectory));
        return lines[^1].Split('\t')[2];
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("id=\"secret\">([A-Z2-7]+)<")]
    private static partial Regex EnrolmentKey();
}

/// <summary>Records every log entry (message, state values, exception) for the secrets-in-logs test.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            entries.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" | ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            entries.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {{{values}}} {exception}");
        }
    }
}
