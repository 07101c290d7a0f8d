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

    /// <summary>
    /// Reveals one caller may make per minute (issue 14, item 8: 60 reveals in 0.42 s went through).
    /// A worker reveals an ID number to fill in a form, a few times an hour, not dozens a minute.
    /// </summary>
    [Range(1, 10_000)]
    public int RevealsPerMinute { get; set; } = 10;

    /// <summary>Reveals of one resident's fields per hour, whoever asks: many callers cannot harvest one person.</summary>
    [Range(1, 10_000)]
    public int RevealsPerResidentPerHour { get; set; } = 20;

    /// <summary>
    /// Creates one caller may make per minute. A create carries the ID number in the clear and an
    /// existing one answers 409, so unthrottled creates were an existence oracle beside the
    /// rate-limited lookup.
    /// </summary>
    [Range(1, 10_000)]
    public int CreatesPerMinute { get; set; } = 30;
}

/// <summary>Marks an endpoint whose use is limited per caller (and, for reveals, per resident) by the global limiter.</summary>
internal sealed record LimitedAction(string Name, bool PerResident)
{
    public static readonly LimitedAction Reveal = new("reveal", PerResident: true);
    public static readonly LimitedAction Create = new("create", PerResident: false);
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
            limiter.AddPolicy(LookupPolicy, http => Window(CallerContext.FromPrincipal(http.User)?.Subject ?? "", perMinute, TimeSpan.FromMinutes(1)));
            // Reveals and creates: a global limiter chained from two partitions, so that one request
            // counts against its caller and (for a reveal) against the resident named in the route;
            // endpoints without LimitedAction metadata pass through without a limiter.
            var settings = api.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => http.GetEndpoint()?.Metadata.GetMetadata<LimitedAction>() is { } action
                    ? Window($"{action.Name}:{CallerContext.FromPrincipal(http.User)?.Subject}", action == LimitedAction.Reveal ? settings.RevealsPerMinute : settings.CreatesPerMinute, TimeSpan.FromMinutes(1))
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(http => http.GetEndpoint()?.Metadata.GetMetadata<LimitedAction>() is { PerResident: true } action
                    ? Window($"{action.Name}-resident:{http.Request.RouteValues["id"]}", settings.RevealsPerResidentPerHour, TimeSpan.FromHours(1))
                    : RateLimitPartition.GetNoLimiter("")));
        });
        return services;
    }

    private static RateLimitPartition<string> Window(string key, int permits, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0, AutoReplenishment = true });

    /// <summary>429 <c>rate_limited</c> as ProblemDetails, with Retry-After in seconds when the limiter knows it.</summary>
    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await ProblemCatalog.Problem(ProblemCatalog.RateLimited,
            "请求过于频繁，请稍后再试 / Too many requests of this kind; retry after the number of seconds in Retry-After.").ExecuteAsync(http);
    }
}
