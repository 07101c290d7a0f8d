namespace DataVault.Vault.Problems;

internal static class ProblemDetailsSetup
{
    /// <summary>
    /// Every error leaves as RFC 9457 ProblemDetails with a <c>code</c>. Exception text is shown
    /// only in Development; elsewhere an unexpected error is just <c>internal_error</c> with a trace id.
    /// </summary>
    public static IServiceCollection AddVaultProblemDetails(this IServiceCollection services)
    {
        services.AddExceptionHandler<AccessLogFailureHandler>();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions.TryAdd("code", context.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => ProblemCatalog.NotFound.Code,
                StatusCodes.Status400BadRequest => ProblemCatalog.ValidationFailed.Code,
                StatusCodes.Status401Unauthorized => ProblemCatalog.Unauthenticated.Code,
                StatusCodes.Status403Forbidden => ProblemCatalog.Forbidden.Code,
                _ when context.ProblemDetails.Status >= 500 => ProblemCatalog.Internal.Code,
                _ => "http_" + context.ProblemDetails.Status,
            });
            context.ProblemDetails.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier);
        });
        return services;
    }
}
