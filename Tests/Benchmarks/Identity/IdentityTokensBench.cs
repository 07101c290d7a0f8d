using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using DataVault.Identity;
using DataVault.Identity.Management;
using DataVault.Vault.Api;
using DataVault.Vault.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace DataVault.Benchmarks.Identity;

/// <summary>
/// <c>identity-tokens [--tokens N] [--concurrency C] [--validations M]</c>: client-credentials
/// token issuance per second over HTTP (Kestrel on loopback, SQLite store), and the added cost of
/// validating an access token on an API request: the bearer authentication handler plus building
/// the <see cref="CallerContext"/>, measured in-process per call, against the same call with no token.
/// </summary>
public sealed class IdentityTokensBench : IBenchCommand
{
    public string Name => "identity-tokens";

    public string Description => "client-credentials tokens/s and per-request token validation cost";

    public async Task<int> RunAsync(string[] args)
    {
        var tokens = Arg(args, "--tokens", 400);
        var concurrency = Arg(args, "--concurrency", 4);
        var validations = Arg(args, "--validations", 20000);
        var dataDir = Directory.CreateTempSubdirectory("dv-bench-identity-").FullName;

        var builder = VaultHost.CreateBuilder(["--environment=Development", $"--Vault:DataDirectory={dataDir}", "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        await using var app = VaultHost.Build(builder);
        await VaultHost.PrepareAsync(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        const string secret = "bench-secret-bench-secret-bench-secret-0123456789";
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var error = await scope.ServiceProvider.GetRequiredService<ClientRegistry>().AddApiClientAsync("bench-api", "street_officer", "510107001", null, secret, CancellationToken.None);
            if (error is not null)
            {
                Console.Error.WriteLine(error);
                return 1;
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri(address) };
        async Task<string> IssueAsync()
        {
            using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = "bench-api", ["client_secret"] = secret, ["scope"] = "datavault",
            }));
            response.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("access_token").GetString()!;
        }

        // Warm-up, then issuance with C concurrent callers.
        var token = "";
        for (var i = 0; i < 20; i++)
        {
            token = await IssueAsync();
        }
        var latencies = new double[tokens];
        var next = -1;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < tokens)
            {
                var t = Stopwatch.GetTimestamp();
                await IssueAsync();
                latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
        }));
        wall.Stop();
        Array.Sort(latencies);

        // Validation, in-process: the authentication middleware (as on every request) and the
        // bearer handler, then the caller built from the claims, as the API endpoints do.
        var schemes = app.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        async Task<double[]> MeasureAsync(string? bearer, bool expectCaller)
        {
            var samples = new double[validations];
            for (var i = -2000; i < validations; i++)
            {
                await using var scope = app.Services.CreateAsyncScope();
                var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
                context.Request.Path = "/api/v1/whoami";
                if (bearer is not null)
                {
                    context.Request.Headers.Authorization = "Bearer " + bearer;
                }
                CallerContext? caller = null;
                var pipeline = new AuthenticationMiddleware(async ctx =>
                {
                    var result = await ctx.AuthenticateAsync(IdentitySetup.ApiAuthenticationScheme);
                    caller = result.Succeeded ? CallerContext.FromPrincipal(result.Principal!) : null;
                }, schemes);
                var t = Stopwatch.GetTimestamp();
                await pipeline.Invoke(context);
                var elapsed = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
                if ((caller is not null) != expectCaller)
                {
                    throw new InvalidOperationException("validation did not behave as expected");
                }
                if (i >= 0)
                {
                    samples[i] = elapsed;
                }
            }
            Array.Sort(samples);
            return samples;
        }
        var withToken = await MeasureAsync(token, expectCaller: true);
        var without = await MeasureAsync(null, expectCaller: false);

        // For comparison: IdentityModel alone (signature, issuer, audience, lifetime) on the same token.
        var server = app.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue;
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = server.Issuer!.AbsoluteUri,
            ValidAudience = "datavault-api",
            IssuerSigningKeys = server.SigningCredentials.Select(c => c.Key).ToList(),
            ValidTypes = ["at+jwt"],
        };
        var handler = new JsonWebTokenHandler();
        var raw = new double[validations];
        for (var i = -2000; i < validations; i++)
        {
            var t = Stopwatch.GetTimestamp();
            var result = await handler.ValidateTokenAsync(token, parameters);
            var elapsed = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
            if (!result.IsValid)
            {
                throw new InvalidOperationException("raw validation failed");
            }
            if (i >= 0)
            {
                raw[i] = elapsed;
            }
        }
        Array.Sort(raw);

        // End to end over HTTP: whoami (token validated) next to healthz (anonymous).
        var e2eWhoAmI = await HttpLatenciesAsync(http, "/api/v1/whoami", token, 2000);
        var e2eHealth = await HttpLatenciesAsync(http, "/healthz", null, 2000);

        await app.StopAsync();
        Console.WriteLine($"identity-tokens on {Environment.ProcessorCount} cores, SQLite store");
        Console.WriteLine($"| measure | value |");
        Console.WriteLine($"|---|---|");
        Console.WriteLine($"| client-credentials tokens issued | {tokens} with {concurrency} concurrent callers |");
        Console.WriteLine($"| issuance throughput | {tokens / wall.Elapsed.TotalSeconds:F0} tokens/s |");
        Console.WriteLine($"| issuance latency median / p95 | {P(latencies, 0.5):F2} ms / {P(latencies, 0.95):F2} ms |");
        Console.WriteLine($"| token validation per request, median / p95 ({validations} calls) | {P(withToken, 0.5):F1} µs / {P(withToken, 0.95):F1} µs |");
        Console.WriteLine($"| same call without a token, median | {P(without, 0.5):F1} µs |");
        Console.WriteLine($"| added cost of validation, median | {P(withToken, 0.5) - P(without, 0.5):F1} µs |");
        Console.WriteLine($"| IdentityModel JWT validation alone, median / p95 | {P(raw, 0.5):F1} µs / {P(raw, 0.95):F1} µs |");
        Console.WriteLine($"| HTTP GET /api/v1/whoami (token) median | {P(e2eWhoAmI, 0.5) * 1000:F0} µs |");
        Console.WriteLine($"| HTTP GET /healthz (anonymous) median | {P(e2eHealth, 0.5) * 1000:F0} µs |");
        return 0;
    }

    private static async Task<double[]> HttpLatenciesAsync(HttpClient http, string path, string? token, int count)
    {
        var samples = new double[count];
        for (var i = -200; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            var t = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            if (i >= 0)
            {
                samples[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
        }
        Array.Sort(samples);
        return samples;
    }

    private static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }
}
