namespace DataVault.Vault.Aggregates;

/// <summary>Aggregates: the validated options (<c>Aggregates:K</c>, <c>Aggregates:PageSize</c>) and the query.</summary>
internal static class AggregatesSetup
{
    public static IServiceCollection AddAggregates(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AggregateOptions>().Bind(configuration.GetSection(AggregateOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AggregateQuery>();
        return services;
    }
}
