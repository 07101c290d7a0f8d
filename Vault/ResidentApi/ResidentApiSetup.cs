using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.ResidentApi;

/// <summary>Settings of the resident API (<c>ResidentApi</c> section).</summary>
public sealed class ResidentApiOptions
{
    public const string Section = "ResidentApi";

    /// <summary>
    /// Blind-index lookups one caller (token subject) may make per minute. Lookups are the one way to
    /// find a resident by a value the caller already holds, so they are the enumeration vector
    /// (issue 5, item 2): a caller trying phone numbers one by one is stopped here.
    /// </summary>
    [Range(1, 10_000)]
    public int LookupsPerMinute { get; set; } = 30;
}

/// <summary>The resident API beyond the single read: list, lookup, create, update, reveal and export.</summary>
internal static class ResidentApiSetup
{
    /// <summary>The rate-limiter policy the lookup endpoint carries.</summary>
    public const string LookupPolicy = "resident-lookup";

    public static IServiceCollection AddResidentApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ResidentApiOptions>().Bind(configuration.GetSection(ResidentApiOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ResidentApiOptions>>((limiter, api) =>
        {
            var perMinute = api.Value.LookupsPerMinute;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = OnRejectedAsync;
            // Partitioned by the token's subject (the caller, never its IP): one client cannot spread
            // an enumeration over addresses, and callers behind one NAT do not starve each other.
            // The limiter middleware runs after authorization, so the token is already validated.
            limiter.AddPolicy(LookupPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                CallerContext.FromPrincipal(http.User)?.Subject ?? "",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true }));
        });
        return services;
    }

    /// <summary>429 <c>rate_limited</c> as ProblemDetails, with Retry-After in seconds when the limiter knows it.</summary>
    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await ProblemCatalog.Problem(ProblemCatalog.RateLimited,
            "查询过于频繁，请稍后再试 / Too many lookups; retry after the number of seconds in Retry-After.").ExecuteAsync(http);
    }
}
