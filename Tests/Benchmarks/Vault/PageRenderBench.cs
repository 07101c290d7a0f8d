using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DataVault.Identity.Account;
using DataVault.Identity.Management;
using DataVault.Vault.Hosting;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// <c>pages [--requests N] [--warmup N]</c>: server render time of each web page on the demo data
/// (the real host on a loopback port, first run in Development seeds the demo community, its officers
/// and its linked residents), signed in as a demo privacy officer (password + authenticator code) and
/// a demo resident (phone + one-time code). Sequential requests; p50/p95/max per page. Target: p95
/// under 200 ms.
/// </summary>
internal sealed partial class PageRenderBench : IBenchCommand
{
    private static readonly string[] ConsolePages = ["/console", "/console/drafts", "/console/coverage", "/console/oversight", "/console/alerts", "/console/log", "/console/questions", "/console/breakglass"];
    private static readonly string[] PortalPages = ["/portal", "/portal/log", "/portal/cases"];

    public string Name => "pages";

    public string Description => "Server render time of each console and portal page on the demo data, signed in (p50/p95; target p95 < 200 ms)";

    public async Task<int> RunAsync(string[] args)
    {
        var requests = IntOption(args, "--requests", 200);
        var warmup = IntOption(args, "--warmup", 20);
        var dataDirectory = Directory.CreateTempSubdirectory("dv-bench-pages-").FullName;
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var builder = VaultHost.CreateBuilder([
            "--environment", "Development",
            "--urls", baseUrl,
            "--Vault:DataDirectory", dataDirectory,
            "--Identity:Issuer", baseUrl + "/",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await using var app = VaultHost.Build(builder);
        await VaultHost.PrepareAsync(app);
        var seeding = Stopwatch.StartNew();
        await app.StartAsync(); // the first run seeds the demo data before it listens
        Console.WriteLine($"host up with demo data in {seeding.Elapsed.TotalSeconds:F1} s at {baseUrl}");

        using var officer = Browser(baseUrl);
        await SignInOfficerAsync(officer, "privacy.wuhou");
        using var resident = Browser(baseUrl);
        await SignInResidentAsync(resident, dataDirectory, "13800000001");

        Console.WriteLine($"{"page",-22} {"n",5} {"p50 ms",8} {"p95 ms",8} {"max ms",8} {"bytes",8}");
        var worst = 0.0;
        foreach (var (client, path) in ConsolePages.Select(p => (officer, p)).Concat(PortalPages.Select(p => (resident, p))))
        {
            var (p50, p95, max, bytes) = await TimeAsync(client, path, warmup, requests);
            worst = Math.Max(worst, p95);
            Console.WriteLine($"{path,-22} {requests,5} {p50,8:F1} {p95,8:F1} {max,8:F1} {bytes,8}");
        }
        Console.WriteLine($"worst p95: {worst:F1} ms (target < 200 ms): {(worst < 200 ? "met" : "NOT met")}");
        await app.StopAsync();
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Temp files left behind are harmless.
        }
        return 0;
    }

    private static async Task<(double P50, double P95, double Max, int Bytes)> TimeAsync(HttpClient client, string path, int warmup, int requests)
    {
        var bytes = 0;
        for (var i = 0; i < warmup; i++)
        {
            bytes = (await GetOkAsync(client, path)).Length;
        }
        var times = new double[requests];
        for (var i = 0; i < requests; i++)
        {
            var watch = Stopwatch.StartNew();
            await GetOkAsync(client, path);
            times[i] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return (times[requests / 2], times[(int)Math.Ceiling(requests * 0.95) - 1], times[^1], bytes);
    }

    private static async Task<string> GetOkAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        return response.StatusCode == HttpStatusCode.OK ? body : throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
    }

    private static HttpClient Browser(string baseUrl) =>
        new(new HttpClientHandler { AllowAutoRedirect = true, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(baseUrl) };

    private static async Task SignInOfficerAsync(HttpClient browser, string userName)
    {
        var login = await GetOkAsync(browser, "/account/login?returnUrl=%2Fconsole");
        var enrol = await PostFormAsync(browser, login, new() { ["username"] = userName, ["password"] = DemoIdentitySeeder.DemoPassword });
        var key = Secret().Match(enrol) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no enrolment key (already enrolled?)");
        var console = await PostFormAsync(browser, enrol, new() { ["code"] = Totp(key, DateTimeOffset.UtcNow) });
        if (!console.Contains("current-version", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("officer sign-in did not reach the console: " + console[..Math.Min(console.Length, 1500)]);
        }
    }

    private static async Task SignInResidentAsync(HttpClient browser, string dataDirectory, string phone)
    {
        var phonePage = await GetOkAsync(browser, "/account/phone?returnUrl=%2Fportal");
        var codePage = await PostFormAsync(browser, phonePage, new() { ["phone"] = phone });
        var code = File.ReadAllLines(OutboxOneTimeCodeSender.OutboxPath(dataDirectory))[^1].Split('\t')[2];
        var portal = await PostFormAsync(browser, codePage, new() { ["code"] = code });
        if (!portal.Contains("my-data", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("resident sign-in did not reach a linked record");
        }
    }

    private static async Task<string> PostFormAsync(HttpClient browser, string html, Dictionary<string, string> fields)
    {
        var action = WebUtility.HtmlDecode(FormAction().Match(html).Groups[1].Value);
        var values = HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        foreach (var (k, v) in fields)
        {
            values[k] = v;
        }
        using var response = await browser.PostAsync(action, new FormUrlEncodedContent(values));
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits) of an RFC 4648 base32 key, as an authenticator app computes it.</summary>
    private static string Totp(string base32Key, DateTimeOffset now)
    {
        var key = Base32(base32Key);
        Span<byte> counter = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, now.ToUnixTimeSeconds() / 30);
        var hash = HMACSHA1.HashData(key, counter);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    private static byte[] Base32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = new StringBuilder();
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            bits.Append(Convert.ToString(Alphabet.IndexOf(c, StringComparison.Ordinal), 2).PadLeft(5, '0'));
        }
        var bytes = new byte[bits.Length / 8];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = Convert.ToByte(bits.ToString(i * 8, 8), 2);
        }
        return bytes;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("id=\"secret\">([A-Z2-7]+)<")]
    private static partial Regex Secret();
}
