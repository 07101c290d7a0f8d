using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Residents;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.PolicyStore;

/// <summary>The policy store: versions and drafts, the running policy's source, and the <c>/policy</c> API.</summary>
internal static class PolicyStoreSetup
{
    public static IServiceCollection AddPolicyStore(this IServiceCollection services)
    {
        services.AddOptions<PolicyStoreOptions>().BindConfiguration(PolicyStoreOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var directory = sp.GetRequiredService<IOptions<SchemaOptions>>().Value.PoliciesDirectory;
            var (folder, errors) = DataVaultPolicyFolder.Load(directory, sp.GetRequiredService<TimeProvider>().GetUtcNow());
            return folder ?? throw new InvalidDataException("policies/ does not load: " + string.Join("; ", errors));
        });
        services.AddSingleton<PolicyVersionLoader>();
        services.AddSingleton<PolicyImpactCalculator>();
        services.AddSingleton<PolicyStoreService>();
        services.AddSingleton<PolicyStoreSync>();
        services.AddHostedService(sp => sp.GetRequiredService<PolicyStoreSync>());
        return services;
    }

    public static IEndpointRouteBuilder MapPolicyStoreEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPolicyEndpoints();
        return api;
    }
}
