using DataVault.Vault.Keys;
using DataVault.Vault.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Encryption;

/// <summary>Registers field encryption, the key ring and blind indexes (one line in VaultHost).</summary>
public static class EncryptionSetup
{
    public static IServiceCollection AddFieldEncryption(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EncryptionOptions>()
            .Bind(configuration.GetSection(EncryptionOptions.Section))
            .ValidateDataAnnotations()
            .Validate(EncryptionOptions.IsConsistent, "Encryption:ReservationBlock must not exceed Encryption:RetireAfterEncryptions.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        // TryAdd: a test or an HSM/KMS integration registers its own provider first.
        services.TryAddSingleton<IMasterKeyProvider>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EncryptionOptions>>().Value;
            return options.MasterKeyProvider switch
            {
                MasterKeyProviderKind.File => new FileMasterKeyProvider(
                    options.KeyFile ?? Path.Combine(sp.GetRequiredService<IOptions<VaultOptions>>().Value.DataDirectory, "keys", "master.key"),
                    sp.GetRequiredService<ILogger<FileMasterKeyProvider>>()),
                MasterKeyProviderKind.Environment => new EnvironmentMasterKeyProvider(options.EnvironmentVariable),
            };
        });
        services.TryAddSingleton<KeyRing>();
        services.TryAddSingleton<FieldCipher>();
        services.TryAddSingleton<BlindIndexer>();
        services.AddHostedService<MasterKeyStartupCheck>();
        return services;
    }
}

/// <summary>Loads the master key when the host starts, so that a missing or exposed key stops the server before it serves anything.</summary>
internal sealed partial class MasterKeyStartupCheck(KeyRing keyRing, ILogger<MasterKeyStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            keyRing.EnsureMasterKey();
        }
        catch (MasterKeyException e)
        {
            // The message says what to fix and never holds key material; the operator sees it
            // on its own line before the host's stack trace.
            LogRefused(logger, e.Message);
            throw;
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4100, Level = LogLevel.Critical, Message = "{Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
