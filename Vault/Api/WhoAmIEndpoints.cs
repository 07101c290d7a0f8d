namespace DataVault.Vault.Api;

internal static class WhoAmIEndpoints
{
    /// <summary><c>GET whoami</c>: the caller as the API sees it (the claims of the access token, nothing else).</summary>
    public static IEndpointRouteBuilder MapWhoAmIEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/whoami", (CallerContext caller) => TypedResults.Ok(caller))
            .WithName("WhoAmI")
            .WithTags("Identity")
            .WithSummary("The calling unit: role, jurisdiction and department from the access token.");
        return api;
    }
}
