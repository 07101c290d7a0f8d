using DataVault.Vault.PolicyBench;
using DataVault.Vault.PolicyStore;
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
        services.AddSingleton(sp => new PolicyRuntime(sp.GetRequiredService<PolicyVersionLoader>().LoadRunning()));
        services.AddSingleton<ViewDecider>();
        services.AddSingleton<AccessResolver>();
        services.AddSingleton<ResidentViews>();
        return services;
    }

    public static IEndpointRouteBuilder MapScopedViewEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPurposeEndpoints();
        api.MapResidentsGroup();
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
