using DataVault.Vault.Oversight.Snooping;
using DataVault.Vault.Residents;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Oversight;

/// <summary>Oversight: explanations of decisions, the reverse queries, and snooping detection, for privacy officers and auditors.</summary>
internal static class OversightSetup
{
    public static IServiceCollection AddOversight(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<DecisionExplainer>();
        services.AddSingleton<ReverseQueries>();
        services.AddSingleton<OversightService>();
        services.Configure<SnoopingOptions>(configuration.GetSection("Snooping"));
        services.AddSingleton(sp => SnoopingRules.LoadOrThrow(sp.GetRequiredService<IOptions<SchemaOptions>>().Value.PoliciesDirectory));
        services.AddSingleton<SnoopingScanner>();
        services.AddSingleton<SnoopingAlerts>();
        services.AddHostedService<SnoopingScanService>();
        return services;
    }
}
