using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DataVault.Vault.AccessLog;

internal static class AccessLogSetup
{
    /// <summary>
    /// The access log: a durable writer (one per process, group commit), a reader for heads and
    /// proofs, and the verifier behind <c>audit verify</c>. <paramref name="signingSeed"/> gives
    /// the Ed25519 seed of the tree-head key; it comes from the key ring, never from the database
    /// in the clear.
    /// </summary>
    public static IServiceCollection AddAccessLog(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, byte[]> signingSeed)
    {
        services.AddOptions<AccessLogOptions>().Bind(configuration.GetSection(AccessLogOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new TreeHeadSigner(signingSeed(sp)));
        services.AddSingleton<AccessLogWriter>();
        services.AddSingleton<AccessLogReader>();
        services.AddSingleton<AccessLogVerifier>();
        services.AddSingleton<CheckpointIssuer>();
        services.AddSingleton<CosignedCheckpoints>();
        services.AddSingleton<Witness.WitnessSubmitter>();
        services.AddHostedService(sp => sp.GetRequiredService<Witness.WitnessSubmitter>());
        services.AddHttpClient(Witness.WitnessSubmitter.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        return services;
    }
}
