using System.Reflection;
using DataVault.Vault.Problems;

namespace DataVault.Vault.Views;

/// <summary>
/// The purpose a data request states in <c>X-Purpose</c> (issue 5, item 1). Endpoints that serve
/// resident data take a <see cref="RequestPurpose"/> parameter; the group's filter
/// (<see cref="RequirePurpose"/>) has already refused a request whose header is missing or names
/// no purpose of <c>policies/purposes.csv</c>, so <see cref="Value"/> is always set in a handler.
/// </summary>
public sealed class RequestPurpose
{
    public const string Header = "X-Purpose";

    private RequestPurpose(string? stated, Purpose? purpose)
    {
        Stated = stated;
        _purpose = purpose;
    }

    private readonly Purpose? _purpose;

    /// <summary>What the caller sent (may be missing or unknown before the filter ran).</summary>
    public string? Stated { get; }

    public Purpose Value => _purpose ?? throw new InvalidOperationException($"the {Header} filter did not run on this endpoint");

    /// <summary>Never fails binding: the filter turns a bad purpose into a ProblemDetails with a stable code.</summary>
    public static ValueTask<RequestPurpose?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<RequestPurpose?>(From(context));

    public static RequestPurpose From(HttpContext context)
    {
        var values = context.Request.Headers[Header];
        var stated = values.Count == 1 ? values[0]?.Trim() : null;
        var catalog = context.RequestServices.GetRequiredService<PurposeCatalog>();
        return new RequestPurpose(stated, catalog.Find(stated));
    }

    /// <summary>The endpoint filter every resident-data endpoint carries: 400 on a missing, repeated or unknown purpose.</summary>
    public static async ValueTask<object?> RequirePurpose(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var values = http.Request.Headers[Header];
        if (values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            return ProblemCatalog.Problem(ProblemCatalog.PurposeRequired,
                $"每次数据请求都必须在 {Header} 中说明用途 / Every data request must state its purpose in the {Header} header (see GET /api/v1/purposes).");
        }
        if (values.Count > 1)
        {
            return ProblemCatalog.Problem(ProblemCatalog.PurposeRequired, $"{Header} must appear once.");
        }
        if (From(http)._purpose is null)
        {
            return ProblemCatalog.Problem(ProblemCatalog.PurposeUnknown,
                $"未知用途 / Unknown purpose (see GET /api/v1/purposes for the list).");
        }
        return await next(context);
    }
}
