using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DataVault.Identity.Account;
using DataVault.Identity.Management;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OtpNet;

namespace DataVault.Tests.Web;

/// <summary>
/// The real Vault host on a loopback port (Kestrel, not the in-memory test server, because a real
/// browser must reach it) with a fresh data directory and a small synthetic population, and a
/// headless Chromium driven by Playwright. Chromium is the Debian package, launched by path
/// (<c>DATAVAULT_CHROMIUM</c>, else <c>/usr/bin/chromium</c>): when it is missing the test is
/// skipped with the reason, and under <c>CI=true</c> it fails instead.
/// Intent methods sign people in through the identity server's own pages, as a person would.
/// </summary>
internal sealed class BrowserHost : IAsyncDisposable
{
    public const string CommunityY = SeedRequest.DemoCommunity;
    public const string OtherCommunity = "510107001001";

    private readonly WebApplicationFactory<Program> _factory;
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _totpKeys = new(StringComparer.Ordinal);
    private readonly string _testName;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private int _shot;

    private BrowserHost(string testName, Action<IWebHostBuilder>? configure)
    {
        _testName = testName;
        DataDirectory = Directory.CreateTempSubdirectory("dv-web-").FullName;
        Port = FreePort();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Vault:DataDirectory", DataDirectory);
            b.UseEnvironment("Development");
            b.UseSetting("Seeding:DemoOnFirstRun", "false");
            b.UseSetting("Identity:Issuer", BaseUrl + "/");
            b.UseUrls(BaseUrl);
            configure?.Invoke(b);
        });
        _factory.UseKestrel();
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public IServiceProvider Services => _factory.Services;

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Where this run's screenshots go (printed once per test).</summary>
    public static string ArtifactsDirectory =>
        Environment.GetEnvironmentVariable("DATAVAULT_ARTIFACTS") is { Length: > 0 } dir
            ? dir
            : Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    /// <summary>
    /// Chromium's path, or the reason there is none. Skips the test (fails it under CI) when missing,
    /// so a developer without Chromium is told, and CI can never pass by skipping.
    /// </summary>
    public static string ChromiumOrSkip()
    {
        var path = Environment.GetEnvironmentVariable("DATAVAULT_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (File.Exists(path))
        {
            return path;
        }
        var reason = $"Chromium not found at '{path}' (install the Debian package 'chromium' or set DATAVAULT_CHROMIUM): browser tests cannot run";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(reason);
        }
        Assert.Skip(reason);
        return path;
    }

    /// <summary>
    /// Starts the host and seeds it; with <paramref name="browser"/> false no Chromium is needed or
    /// launched (an outside API client, not a browser, is what reaches the port).
    /// </summary>
    public static async Task<BrowserHost> StartAsync(string testName, int perCommunity = 12, Action<IWebHostBuilder>? configure = null, bool browser = true)
    {
        var chromium = browser ? ChromiumOrSkip() : null;
        var host = new BrowserHost(testName, configure);
        host._factory.StartServer();
        var addresses = host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
        TestContext.Current.TestOutputHelper?.WriteLine($"listening: {string.Join(", ", addresses ?? [])} base {host._factory.ClientOptions.BaseAddress}");
        var ct = TestContext.Current.CancellationToken;
        var seeder = host.Get<ResidentSeeder>();
        await seeder.SeedAsync(new SeedRequest(perCommunity, Seed: 21, Community: CommunityY), null, ct);
        await seeder.SeedAsync(new SeedRequest(perCommunity, Seed: 22, Community: OtherCommunity), null, ct);
        if (chromium is null)
        {
            return host;
        }
        host._playwright = await Playwright.CreateAsync();
        host._browser = await host._playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Containers run as root, where Chromium refuses its sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshots: {ArtifactsDirectory}");
        return host;
    }

    /// <summary>A fresh browser profile (its own cookies) at a phone-sized or desktop viewport.</summary>
    public async Task<IPage> NewPageAsync(bool phone = false)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
            Locale = "zh-CN",
        });
        context.SetDefaultTimeout(60_000);
        return await context.NewPageAsync();
    }

    /// <summary>Saves a full-page screenshot as a test artefact and prints its path.</summary>
    public async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ArtifactsDirectory);
        var path = Path.Combine(ArtifactsDirectory, $"{_testName}-{++_shot:D2}-{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
    }

    /// <summary>Adds an officer (password sign-in; privacy officers and auditors enrol an authenticator on first sign-in).</summary>
    public async Task AddOfficerAsync(string userName, string role, string jurisdiction, string? department = null)
    {
        var password = "pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        await using var scope = Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserRegistry>().AddAsync(userName, role, jurisdiction, department, null, password));
        _passwords[userName] = password;
    }

    public async Task AddResidentUserAsync(string userName, string jurisdiction, string phone)
    {
        await using var scope = Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserRegistry>().AddAsync(userName, "resident", jurisdiction, null, phone, "pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12))));
    }

    /// <summary>
    /// Signs an officer in through the identity server's pages, starting from <paramref name="path"/>:
    /// username and password, then the authenticator code (enrolling on the first sign-in, reading the
    /// key the enrolment page shows, as a person would type it into an app).
    /// </summary>
    public async Task SignInOfficerAsync(IPage page, string userName, string path = "/console")
    {
        await page.GotoAsync(path);
        await page.FillAsync("#username", userName);
        await page.FillAsync("#password", _passwords[userName]);
        await page.ClickAsync("button[type=submit]");
        if (await page.Locator("#secret").CountAsync() > 0)
        {
            _totpKeys[userName] = (await page.Locator("#secret").InnerTextAsync()).Trim();
        }
        await page.FillAsync("#code", new Totp(Base32Encoding.ToBytes(_totpKeys[userName])).ComputeTotp());
        await page.ClickAsync("button[type=submit]");
        await WaitForPageAsync(page, path);
    }

    /// <summary>
    /// Waits until the browser has arrived at <paramref name="path"/> and shows its heading. Not a load
    /// event: after a POST-redirect-GET Chromium has (CI, 2 cores, the suite in parallel) left "load",
    /// and once "DOMContentLoaded", unreported for 60 s on a page that had rendered, so the test waits
    /// only for what it reads next (a locator retries across navigations).
    /// </summary>
    private static async Task WaitForPageAsync(IPage page, string path)
    {
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith(path, StringComparison.Ordinal),
            new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        await page.Locator("h1").First.WaitForAsync();
    }

    /// <summary>Signs a resident in with their phone and the one-time code the test host's outbox captured.</summary>
    public async Task SignInResidentAsync(IPage page, string phone, string path = "/portal")
    {
        await page.GotoAsync(path);
        await page.FillAsync("#phone", phone);
        await page.ClickAsync("button[type=submit]");
        await page.FillAsync("#code", LatestOneTimeCode());
        await page.ClickAsync("button[type=submit]");
        await WaitForPageAsync(page, path);
    }

    public string PasswordOf(string userName) => _passwords[userName];

    public string LatestOneTimeCode() => File.ReadAllLines(OutboxOneTimeCodeSender.OutboxPath(DataDirectory))[^1].Split('\t')[2];

    /// <summary>Every stored resident, straight from the store.</summary>
    public async Task<IReadOnlyList<StoredResident>> StoredResidentsAsync()
    {
        var list = new List<StoredResident>();
        await foreach (var r in Get<ResidentReader>().ReadAllAsync(TestContext.Current.CancellationToken))
        {
            list.Add(r);
        }
        return list;
    }

    /// <summary>An API client token for a unit (client credentials), to play the API consumer.</summary>
    public async Task<string> TokenAsync(string role, string jurisdiction, string? department = null)
    {
        var (clientId, secret) = await AddApiClientAsync(role, jurisdiction, department);
        using var http = CreateHttpClient();
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = "datavault",
        }), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Registers an API client holding the unit; returns its id and secret (for a client that asks for its own tokens).</summary>
    public async Task<(string ClientId, string Secret)> AddApiClientAsync(string role, string jurisdiction, string? department = null, string? name = null)
    {
        var clientId = name ?? $"t-{role}-{department}-{jurisdiction}";
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var scope = Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<ClientRegistry>().AddApiClientAsync(clientId, role, jurisdiction, department, secret, TestContext.Current.CancellationToken));
        return (clientId, secret);
    }

    public HttpClient CreateHttpClient() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(BaseUrl) };

    /// <summary>GET on the API with a bearer token and a purpose.</summary>
    public async Task<HttpResponseMessage> ApiGetAsync(string path, string token, string purpose)
    {
        using var http = CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("X-Purpose", purpose);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await _factory.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
