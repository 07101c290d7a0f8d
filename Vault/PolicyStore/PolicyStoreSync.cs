using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.PolicyStore;

/// <summary>
/// Picks up versions published by another node: when that node's notification arrives
/// (<see cref="SharedChanges"/>, PostgreSQL), and every <see cref="PolicyStoreOptions.PollInterval"/> as the
/// fallback, it asks the store for a version newer than the running one and installs it. A version that no longer
/// loads is logged and skipped (the node keeps deciding under the version it has: fail closed to the
/// last good policy, never to no policy).
/// </summary>
internal sealed partial class PolicyStoreSync : BackgroundService
{
    /// <summary>The <see cref="SharedChanges"/> topic a publication notifies.</summary>
    public const string Topic = "policy";

    private readonly PolicyVersionLoader loader;
    private readonly PolicyRuntime runtime;
    private readonly IOptions<PolicyStoreOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<PolicyStoreSync> logger;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public PolicyStoreSync(PolicyVersionLoader loader, PolicyRuntime runtime, IOptions<PolicyStoreOptions> options, TimeProvider time, ILogger<PolicyStoreSync> logger, SharedChanges changes)
    {
        this.loader = loader;
        this.runtime = runtime;
        this.options = options;
        this.time = time;
        this.logger = logger;
        // Pushed: another node's publication lands here within milliseconds; the poll below stays the fallback.
        changes.Subscribe(Topic, () => _ = PollOnceAsync(CancellationToken.None));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PollOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    /// <summary>One look at the store; true when a newer version was installed. The poll and a push never overlap.</summary>
    public async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var running = runtime.HighestStoreVersion;
            if (await loader.NewerThanAsync(running, cancellationToken) is not { } row)
            {
                return false;
            }
            var snapshot = loader.Build(row);
            if (!snapshot.IsSuccess)
            {
                LogUnloadable(logger, row.Number);
                return false;
            }
            if (runtime.Install(snapshot.Value))
            {
                LogPickedUp(logger, row.Number, running);
                return true;
            }
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store may be briefly unreachable; the next tick tries again.
            LogPollFailed(logger, e.GetType().Name);
            return false;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy version {Version} picked up from the store (was {Running})")]
    private static partial void LogPickedUp(ILogger logger, int version, int running);

    [LoggerMessage(Level = LogLevel.Error, Message = "Policy version {Version} in the store does not load; keeping the running version")]
    private static partial void LogUnloadable(ILogger logger, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Policy store poll failed ({Error}); retrying on the next tick")]
    private static partial void LogPollFailed(ILogger logger, string error);
}
