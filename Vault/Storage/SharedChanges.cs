using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataVault.Vault.Storage;

/// <summary>
/// Tells the other vault nodes on one PostgreSQL that a shared table changed (a policy version was
/// published, a grant revoked, a break-glass decided), so they reload at once instead of when their
/// poll or cache slot comes round (issue 13, item 2). PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c> on one
/// channel, <see cref="Channel"/>; the payload is <c>topic:node</c>, so a node ignores its own.
/// </summary>
/// <remarks>
/// A push is a hint, never the only path: a notification is lost when the listener's connection is
/// down, so every cache keeps its poll or slot as the fallback, and after the listener (re)connects it
/// wakes every subscriber once, covering whatever it missed. On SQLite there is one node and nothing
/// to tell: <see cref="Publish"/> does nothing and the listener does not start.
/// </remarks>
internal sealed partial class SharedChanges(IOptions<StorageOptions> storage, VaultDbContextFactory contexts, ILogger<SharedChanges> logger) : BackgroundService
{
    /// <summary>The one PostgreSQL notification channel every node listens on.</summary>
    public const string Channel = "datavault_changes";

    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private readonly string _node = Guid.NewGuid().ToString("N")[..12];
    private readonly ConcurrentDictionary<string, ConcurrentBag<Action>> _subscribers = new(StringComparer.Ordinal);

    private bool Enabled => contexts.PostgresDataSource is not null;

    /// <summary>Whether the listener holds its connection now (a node without it relies on its polls).</summary>
    public bool Listening { get; private set; }

    /// <summary>
    /// Calls <paramref name="onChange"/> when another node publishes <paramref name="topic"/>, and after every
    /// (re)connection of the listener. It runs on the listener's thread: keep it short (set a flag, start a task).
    /// </summary>
    public void Subscribe(string topic, Action onChange) => _subscribers.GetOrAdd(topic, _ => []).Add(onChange);

    /// <summary>
    /// Tells the other nodes that <paramref name="topic"/> changed (on the node's data source). Call it after the change committed.
    /// Never throws: a lost notification costs only the fallback's delay, and a failure is logged.
    /// </summary>
    public void Publish(string topic)
    {
        if (!Enabled)
        {
            return;
        }
        _ = PublishAsync(topic);
    }

    /// <summary><see cref="Publish"/>, awaited (tests and benchmarks time the push end to end).</summary>
    public async Task PublishAsync(string topic)
    {
        if (!Enabled)
        {
            return;
        }
        try
        {
            await using var command = contexts.PostgresDataSource!.CreateCommand("SELECT pg_notify($1, $2)");
            command.Parameters.AddWithValue(Channel);
            command.Parameters.AddWithValue($"{topic}:{_node}");
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogPublishFailed(e.GetType().Name, topic);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Its own connection, outside the pool: LISTEN belongs to the session, and keepalive
                // notices a silently dropped connection.
                var builder = new NpgsqlConnectionStringBuilder(storage.Value.ConnectionString) { Pooling = false, KeepAlive = 10 };
                await using var connection = new NpgsqlConnection(builder.ToString());
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                Listening = true;
                failures = 0;
                LogListening();
                WakeAll(); // whatever changed while this node was not listening
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or System.IO.IOException)
            {
                Listening = false;
                LogListenFailed(e.GetType().Name);
                await Task.Delay(Backoff[Math.Min(failures++, Backoff.Length - 1)], stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            finally
            {
                Listening = false;
            }
        }
    }

    private void OnNotification(string payload)
    {
        var colon = payload.LastIndexOf(':');
        if (colon <= 0 || payload.AsSpan(colon + 1).SequenceEqual(_node))
        {
            return; // malformed, or this node's own change (already applied here)
        }
        Wake(payload[..colon]);
    }

    private void WakeAll()
    {
        foreach (var topic in _subscribers.Keys)
        {
            Wake(topic);
        }
    }

    private void Wake(string topic)
    {
        if (!_subscribers.TryGetValue(topic, out var callbacks))
        {
            return;
        }
        foreach (var callback in callbacks)
        {
            try
            {
                callback();
            }
            catch (Exception e)
            {
                LogSubscriberFailed(e, topic);
            }
        }
    }

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Listening for other nodes' changes on PostgreSQL channel " + Channel)]
    private partial void LogListening();

    [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "Change listener lost its connection ({Error}); reconnecting, the polls cover meanwhile")]
    private partial void LogListenFailed(string error);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Warning, Message = "Could not tell the other nodes that {Topic} changed ({Error}); they pick it up on their next poll")]
    private partial void LogPublishFailed(string error, string topic);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Error, Message = "A subscriber to {Topic} failed")]
    private partial void LogSubscriberFailed(Exception exception, string topic);
}
