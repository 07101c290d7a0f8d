namespace DataVault.Vault.Storage;

/// <summary>When a node's in-memory copy of a shared table was loaded: the local change count and the time slot.</summary>
internal readonly record struct CacheStamp(long Changes, long Slot);

/// <summary>
/// The stamp of a node's in-memory copy of a table that every vault node writes (grants,
/// break-glass). A write on this node changes the stamp at once, so the next request reloads. A
/// write on another node (a revocation, a rejected break-glass) arrives as a PostgreSQL notification
/// (<see cref="SharedChanges"/>, one topic per table) and changes the stamp as soon as it
/// lands; should the notification be lost, it is seen when the time slot turns, at most
/// <see cref="MaxStaleness"/> later: each node reloads once per slot, one small query a second,
/// whatever its request rate. DESIGN.md, "Scale": several stateless nodes on PostgreSQL.
/// </summary>
internal sealed class SharedTableCache
{
    private readonly TimeProvider time;
    private readonly SharedChanges changes;
    private readonly string topic;

    public SharedTableCache(TimeProvider time, SharedChanges changes, string topic)
    {
        this.time = time;
        this.changes = changes;
        this.topic = topic;
        changes.Subscribe(topic, () => Interlocked.Increment(ref _changes));
    }

    /// <summary>How long another node's write may take to reach this node's requests.</summary>
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromSeconds(1);

    private long _changes;

    /// <summary>The stamp a copy loaded now carries; a copy whose stamp differs is stale.</summary>
    public CacheStamp Current => new(Interlocked.Read(ref _changes), time.GetUtcNow().UtcTicks / MaxStaleness.Ticks);

    /// <summary>Called after every write of this node (committed or not: a reload is always safe); tells the other nodes too.</summary>
    public void Changed()
    {
        Interlocked.Increment(ref _changes);
        changes.Publish(topic);
    }
}
