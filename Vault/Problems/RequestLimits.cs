using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace DataVault.Vault.Problems;

/// <summary>
/// Over-long request targets and header blocks are refused as ProblemDetails (414 <c>uri_too_long</c>,
/// 431 <c>headers_too_large</c>), not as the empty responses Kestrel writes when its own limits trip
/// (issue 14, item 6). Kestrel's limits are therefore raised to a ceiling well above ours, and ours are
/// checked first thing in the pipeline, where a ProblemDetails writer exists.
/// </summary>
public static class RequestLimits
{
    /// <summary>The longest request target (path and query) served: Kestrel's own default.</summary>
    public const int MaxRequestTarget = 8 * 1024;

    /// <summary>The largest header block served: Kestrel's own default.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>What Kestrel itself accepts; past this it still answers with an empty 414/431.</summary>
    private const int KestrelCeiling = 128 * 1024;

    public static void ConfigureKestrelCeiling(KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxRequestLineSize = KestrelCeiling;
        kestrel.Limits.MaxRequestHeadersTotalSize = KestrelCeiling;
        kestrel.Limits.MaxRequestBufferSize = Math.Max(kestrel.Limits.MaxRequestBufferSize ?? 0, 2 * KestrelCeiling);
    }

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var target = request.Path.Value?.Length + request.PathBase.Value?.Length + request.QueryString.Value?.Length ?? 0;
        if (target > MaxRequestTarget)
        {
            await RefuseAsync(context, ProblemCatalog.UriTooLong,
                $"请求地址超过 {MaxRequestTarget} 个字符，请改用请求体传递条件 / The request target exceeds {MaxRequestTarget} characters; send long criteria in a request body.");
            return;
        }
        var headerBytes = 0;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headerBytes += name.Length + (value?.Length ?? 0) + 4;
            }
        }
        if (headerBytes > MaxHeaderBytes)
        {
            await RefuseAsync(context, ProblemCatalog.HeadersTooLarge,
                $"请求头合计超过 {MaxHeaderBytes} 字节 / The request headers exceed {MaxHeaderBytes} bytes in total.");
            return;
        }
        await next(context);
    });

    private static async Task RefuseAsync(HttpContext context, ProblemType type, string detail) =>
        await ProblemCatalog.WriteAsync(context.RequestServices.GetRequiredService<IProblemDetailsService>(), context, type, detail);
}
