using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace DataVault.Vault.Problems;

/// <summary>
/// A request the framework could not bind (malformed or wrong-typed JSON, an empty body where one is
/// required, a query value that is not a number, a body too large or of the wrong media type) is the
/// client's mistake: 4xx ProblemDetails with a catalogued code, in every environment, and nothing
/// logged as an error (issue 14, item 6). The detail names the parameter and, for JSON, the path and
/// position of the fault, never the value sent: a value may be a resident's data.
/// </summary>
internal sealed partial class ClientRequestErrorHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        return await ProblemCatalog.WriteAsync(problems, httpContext, ProblemCatalog.ForClientStatus(bad.StatusCode), Describe(bad));
    }

    private static string Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var where = json.Path is { Length: > 0 } path ? $" at {path}" : "";
            var position = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
            return $"请求体不是此接口要求的 JSON / The request body is not the JSON this endpoint expects{where}{position}.";
        }
        return bad.StatusCode switch
        {
            StatusCodes.Status415UnsupportedMediaType => "请求体须为 application/json / The request body must be application/json.",
            StatusCodes.Status413PayloadTooLarge => "请求体过大 / The request body is too large.",
            _ => "请求参数无效 / " + QuotedSourceValue().Replace(bad.Message, ""),
        };
    }

    // The framework's binding messages end with `from "<the value sent>"`; the value stays out.
    [GeneratedRegex("""\s+from\s+".*"(?=\.?$)""", RegexOptions.Singleline)]
    private static partial Regex QuotedSourceValue();
}
