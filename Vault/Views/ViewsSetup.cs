using DataVault.Vault.PolicyBench;
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
        services.AddSingleton(sp => new PolicyRuntime(LoadShippedPolicy(PoliciesDirectory(sp), sp.GetRequiredService<TimeProvider>())));
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

    /// <summary>The policy shipped in policies/ (model, rules and the generated lines), refusing to start when it does not load.</summary>
    public static PolicySnapshot LoadShippedPolicy(string directory, TimeProvider time)
    {
        var (folder, errors) = DataVaultPolicyFolder.Load(directory);
        if (folder is null)
        {
            throw new InvalidDataException("policies/ does not load: " + string.Join("; ", errors));
        }
        var enforcer = folder.LoadEnforcer();
        if (!enforcer.IsSuccess)
        {
            throw new InvalidDataException("policies/ does not load: " + string.Join("; ", enforcer.Errors));
        }
        return new PolicySnapshot(PolicySnapshot.ContentVersion(folder.ModelText, folder.PolicyText), folder.ModelText, folder.PolicyText, enforcer.Value, time.GetUtcNow());
    }
}
