using DataVault.Identity;
using DataVault.Vault.Problems;
using Microsoft.AspNetCore.Authorization;

namespace DataVault.Vault.Api;

/// <summary>
/// Every <c>/api</c> endpoint requires a valid DataVault access token whose claims form a
/// <see cref="CallerContext"/>. Two layers: the <c>/api/v1</c> route group carries the policy, and
/// the fallback policy applies the same rule to any <c>/api</c> endpoint mapped outside the group
/// without authorization metadata, so forgetting the group fails closed.
/// </summary>
internal static class ApiAuthorization
{
    public const string PolicyName = "datavault-api";

    public static IServiceCollection AddVaultApiAuthorization(this IServiceCollection services)
    {
        var api = new AuthorizationPolicyBuilder(IdentitySetup.ApiAuthenticationScheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(ctx => CallerContext.FromPrincipal(ctx.User) is not null)
            .Build();
        var fallback = new AuthorizationPolicyBuilder(IdentitySetup.ApiAuthenticationScheme)
            .RequireAssertion(ctx => ctx.Resource is not HttpContext http
                || !http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                || CallerContext.FromPrincipal(ctx.User) is not null)
            .Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(PolicyName, api)
            .SetDefaultPolicy(api)
            .SetFallbackPolicy(fallback);
        return services;
    }

    /// <summary>An endpoint filter that refuses callers of other roles with 403 <c>forbidden</c>.</summary>
    public static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> RequireRole(params string[] roles) =>
        async (context, next) =>
        {
            var caller = CallerContext.FromPrincipal(context.HttpContext.User);
            if (caller is null || !roles.Contains(caller.Role))
            {
                return ProblemCatalog.Problem(ProblemCatalog.Forbidden, $"仅限 {string.Join(", ", roles)} / Only for {string.Join(", ", roles)}.");
            }
            return await next(context);
        };
}
