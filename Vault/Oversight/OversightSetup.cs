namespace DataVault.Vault.Oversight;

/// <summary>Oversight: explanations of decisions and the reverse queries, for privacy officers and auditors.</summary>
internal static class OversightSetup
{
    public static IServiceCollection AddOversight(this IServiceCollection services)
    {
        services.AddSingleton<DecisionExplainer>();
        services.AddSingleton<ReverseQueries>();
        services.AddSingleton<OversightService>();
        return services;
    }
}
