using DataVault.Vault.AccessLog;
using Microsoft.AspNetCore.Diagnostics;

namespace DataVault.Vault.Problems;

/// <summary>
/// A read whose log entry could not be made durable is refused with 503 <c>access_log_unavailable</c>
/// (issue 5, item 6): the caller learns that nothing was served and may retry, not that something broke.
/// </summary>
internal sealed class AccessLogFailureHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not AccessLogUnavailableException || httpContext.Response.HasStarted)
        {
            return false;
        }
        httpContext.Response.Headers.RetryAfter = "5";
        return await ProblemCatalog.WriteAsync(problems, httpContext, ProblemCatalog.AccessLogUnavailable,
            "访问日志无法记录本次访问，因此未返回任何数据，请稍后重试 / The access log could not record this access, so no data was returned. Retry later.",
            exception);
    }
}
