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
        services.AddExceptionHandler<RecordIntegrityHandler>();
        services.AddExceptionHandler<ClientRequestErrorHandler>();
        // Binding failures throw in every environment (not only Development), so that they all
        // reach ClientRequestErrorHandler and leave with a detail and a code, not an empty 400.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions.TryAdd("code", context.ProblemDetails.Status is >= 500 or null
                ? ProblemCatalog.Internal.Code
                : ProblemCatalog.ForClientStatus(context.ProblemDetails.Status.Value).Code);
            context.ProblemDetails.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier);
        });
        return services;
    }
}
