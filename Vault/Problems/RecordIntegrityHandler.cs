using DataVault.Vault.Integrity;
using Microsoft.AspNetCore.Diagnostics;

namespace DataVault.Vault.Problems;

/// <summary>
/// A record that fails to open on a single-record path (read, reveal, update, lookup by ID number…) is
/// refused with <c>record_integrity_failed</c>, not a generic <c>internal_error</c> (issue 14, item 3), and
/// recorded as an integrity incident for the privacy officers of its district. Nothing of it is served.
/// </summary>
internal sealed class RecordIntegrityHandler(IProblemDetailsService problems, IntegrityIncidents incidents) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not RecordIntegrityException failure)
        {
            return false;
        }
        await incidents.RecordAsync(failure.Record, CancellationToken.None);
        return await ProblemCatalog.WriteAsync(problems, httpContext, ProblemCatalog.RecordIntegrityFailed,
            "该记录未通过完整性校验，未提供任何数据，已记录为完整性事件并通知隐私官 / This record failed its integrity check: nothing of it was served, and an integrity incident was recorded for the privacy officers.",
            exception);
    }
}
