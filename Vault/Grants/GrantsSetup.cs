using DataVault.Vault.Views;

namespace DataVault.Vault.Grants;

/// <summary>Downward grants: the store, the issuer, the grant rights scoped views merge, the demo grants.</summary>
internal static class GrantsSetup
{
    public static IServiceCollection AddGrants(this IServiceCollection services)
    {
        services.AddSingleton<GrantStore>();
        services.AddSingleton<GrantChains>();
        services.AddSingleton<GrantIssuer>();
        services.AddSingleton<IAccessExtension, GrantRights>();
        services.AddSingleton<DemoGrants>();
        services.AddHostedService<DemoGrantsOnFirstRun>();
        return services;
    }
}
