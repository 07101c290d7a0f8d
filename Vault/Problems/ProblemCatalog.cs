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
    public static readonly ProblemType PurposeRequired = new("purpose_required", StatusCodes.Status400BadRequest, "缺少用途 / Purpose required");
    public static readonly ProblemType PurposeUnknown = new("purpose_unknown", StatusCodes.Status400BadRequest, "未知用途 / Unknown purpose");
    public static readonly ProblemType RevealNotAllowed = new("reveal_not_allowed", StatusCodes.Status403Forbidden, "不允许查看明文 / Reveal not allowed");
    public static readonly ProblemType GrantExceedsGrantor = new("grant_exceeds_grantor", StatusCodes.Status403Forbidden, "授权超出授权人权限 / Grant exceeds the grantor's rights");
    public static readonly ProblemType SelfApproval = new("self_approval", StatusCodes.Status403Forbidden, "不能批准自己的申请 / You cannot approve your own request");
    public static readonly ProblemType ResidentExists = new("resident_exists", StatusCodes.Status409Conflict, "该居民已登记 / This resident is already registered");
    public static readonly ProblemType Conflict = new("conflict", StatusCodes.Status409Conflict, "状态冲突 / Conflict with the current state");
    public static readonly ProblemType PreconditionFailed = new("precondition_failed", StatusCodes.Status412PreconditionFailed, "记录已被他人修改 / The record was changed since you read it");
    public static readonly ProblemType FormInvalid = new("form_invalid", StatusCodes.Status422UnprocessableEntity, "表单定义有误 / The form definition has mistakes");
    public static readonly ProblemType FormNotAllowed = new("form_not_allowed", StatusCodes.Status403Forbidden, "表单所需超出查看范围 / The form needs what its filler may not see");
    public static readonly ProblemType PolicyInvalid = new("policy_invalid", StatusCodes.Status422UnprocessableEntity, "策略无效 / The policy does not validate");
    public static readonly ProblemType PreconditionRequired = new("precondition_required", StatusCodes.Status428PreconditionRequired, "需要 If-Match / If-Match is required");
    public static readonly ProblemType RateLimited = new("rate_limited", StatusCodes.Status429TooManyRequests, "请求过于频繁 / Too many requests");
    public static readonly ProblemType HouseholdIndexBuilding = new("household_index_building", StatusCodes.Status503ServiceUnavailable, "家庭户索引正在建立 / The household index is still being built");
    public static readonly ProblemType AccessLogUnavailable = new("access_log_unavailable", StatusCodes.Status503ServiceUnavailable, "访问日志不可用，未提供数据 / The access log is unavailable; nothing was served");
    public static readonly ProblemType MeNotLinked = new("me_not_linked", StatusCodes.Status404NotFound, "账号未关联居民档案 / Your account is not linked to a resident record");
    public static readonly ProblemType MePhoneShared = new("me_phone_shared", StatusCodes.Status409Conflict, "手机号由多位居民共用 / This phone number is shared by several residents");
    public static readonly ProblemType PayloadTooLarge = new("payload_too_large", StatusCodes.Status413PayloadTooLarge, "请求体过大 / Request body too large");
    public static readonly ProblemType UriTooLong = new("uri_too_long", StatusCodes.Status414UriTooLong, "请求地址过长 / Request URI too long");
    public static readonly ProblemType UnsupportedMediaType = new("unsupported_media_type", StatusCodes.Status415UnsupportedMediaType, "不支持的内容类型 / Unsupported media type");
    public static readonly ProblemType HeadersTooLarge = new("headers_too_large", StatusCodes.Status431RequestHeaderFieldsTooLarge, "请求头过大 / Request header fields too large");
    /// <summary>A stored record failed to open (tampered, moved, key missing): refused, never served; an integrity incident.</summary>
    public static readonly ProblemType RecordIntegrityFailed = new(Integrity.WithheldRecord.Code, StatusCodes.Status500InternalServerError, "记录完整性校验失败 / The record failed its integrity check");
    public static readonly ProblemType Internal = new("internal_error", StatusCodes.Status500InternalServerError, "内部错误 / Internal error");

    /// <summary>Every entry of the catalog, in declaration order (the OpenAPI document's code enum, docs/errors.md).</summary>
    public static IReadOnlyList<ProblemType> All { get; } = [.. typeof(ProblemCatalog).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(ProblemType)).Select(f => (ProblemType)f.GetValue(null)!)];

    /// <summary>
    /// The code for a 4xx the framework or the server raised without one (binding, media type, sizes):
    /// the precise entry where the catalog has one, else <see cref="ValidationFailed"/> for 400 and a
    /// generic <c>http_NNN</c> for the rest.
    /// </summary>
    public static ProblemType ForClientStatus(int status) => status switch
    {
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status401Unauthorized => Unauthenticated,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status414UriTooLong => UriTooLong,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status431RequestHeaderFieldsTooLarge => HeadersTooLarge,
        >= 400 and < 500 and not StatusCodes.Status400BadRequest => new ProblemType("http_" + status, status, "请求无效 / Bad request"),
        _ => ValidationFailed,
    };

    /// <summary>
    /// Writes <paramref name="type"/> as the response from middleware or an exception handler, where
    /// no endpoint result exists; false when the response had already started.
    /// </summary>
    public static ValueTask<bool> WriteAsync(IProblemDetailsService problems, HttpContext context, ProblemType type, string detail, Exception? exception = null)
    {
        if (context.Response.HasStarted)
        {
            return ValueTask.FromResult(false);
        }
        context.Response.StatusCode = type.Status;
        return problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = type.Status, Title = type.Title, Type = type.Uri, Detail = detail, Extensions = { ["code"] = type.Code } },
        });
    }

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
