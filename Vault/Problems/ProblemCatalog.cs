using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.Problems;

/// <summary>
/// The one catalog of error codes DataVault returns (RFC 9457 ProblemDetails with a stable
/// <c>code</c> extension). Clients match on <c>code</c>, never on the human-readable text.
/// Add a code here before using it anywhere; never reuse a retired one.
/// </summary>
public static class ProblemCatalog
{
    public static readonly ProblemType NotFound = new("not_found", StatusCodes.Status404NotFound, "未找到 / Not found");
    public static readonly ProblemType ValidationFailed = new("validation_failed", StatusCodes.Status400BadRequest, "输入无效 / Invalid input");
    public static readonly ProblemType Unauthenticated = new("unauthenticated", StatusCodes.Status401Unauthorized, "需要有效的访问令牌 / A valid access token is required");
    public static readonly ProblemType Forbidden = new("forbidden", StatusCodes.Status403Forbidden, "无权访问 / Not allowed");
    public static readonly ProblemType Internal = new("internal_error", StatusCodes.Status500InternalServerError, "内部错误 / Internal error");

    /// <summary>A ProblemDetails result for <paramref name="type"/>, with an optional detail that must never carry a field value.</summary>
    public static ProblemHttpResult Problem(ProblemType type, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var ext = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = type.Code };
        return TypedResults.Problem(detail: detail, statusCode: type.Status, title: type.Title, type: type.Uri, extensions: ext);
    }
}

/// <summary>One entry of <see cref="ProblemCatalog"/>.</summary>
public sealed record ProblemType(string Code, int Status, string Title)
{
    public string Uri => $"https://datavault.example/problems/{Code}";
}
