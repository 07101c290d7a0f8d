using DataVault.Vault.PolicyStore;
using DataVault.Vault.ResidentApi;
using DataVault.Vault.Residents;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Views;

/// <summary>Scoped views: the purposes, the running policy, the decider and resolver, and the resident endpoints.</summary>
internal static class ViewsSetup
{
    public static IServiceCollection AddScopedViews(this IServiceCollection services)
    {
        services.AddSingleton(sp => PurposeCatalog.LoadOrThrow(PoliciesDirectory(sp)));
        // The running policy starts from the newest version in the policy store (the shipped files become
        // version 1 on first start); PolicyStoreSync and publication install later versions.
        services.AddSingleton(sp => new PolicyRuntime(sp.GetRequiredService<PolicyVersionLoader>().LoadRunning(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ViewDecider>();
        services.AddSingleton<AccessResolver>();
        services.AddSingleton<ResidentViews>();
        return services;
    }

    public static IEndpointRouteBuilder MapScopedViewEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPurposeEndpoints();
        var residents = api.MapResidentsGroup();
        residents.MapResidentListEndpoints();
        residents.MapResidentExportEndpoints();
        residents.MapResidentLookupEndpoints();
        residents.MapResidentWriteEndpoints();
        residents.MapResidentRevealEndpoints();
        return api;
    }

    private static string PoliciesDirectory(IServiceProvider sp) => sp.GetRequiredService<IOptions<SchemaOptions>>().Value.PoliciesDirectory;
}
