using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace DataVault.Identity.Keys;

/// <summary>
/// Keeps a long-running process on schedule: at each key transition (a new key due to be
/// published, a pending key due to start signing, an old one due to go, and at least hourly) it
/// drops the cached server options, so they are rebuilt from the store on the next request. API
/// token validation reads the keys from the current server options, so it follows at once.
/// </summary>
internal sealed partial class TokenKeyRotationService(
    TokenKeyStore store,
    IOptionsMonitorCache<OpenIddictServerOptions> serverOptions,
    TimeProvider time,
    ILogger<TokenKeyRotationService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = store.NextChange() - time.GetUtcNow();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogScheduleFailed(logger, e);
                wait = TimeSpan.FromMinutes(1);
            }
            try
            {
                await Task.Delay(wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            serverOptions.TryRemove(Options.DefaultName);
            LogReloaded(logger);
        }
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "Token keys reloaded on schedule")]
    private static partial void LogReloaded(ILogger logger);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "Could not read the token key schedule; retrying in a minute")]
    private static partial void LogScheduleFailed(ILogger logger, Exception exception);
}
