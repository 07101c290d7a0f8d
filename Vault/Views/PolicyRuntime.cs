using System.Collections.Concurrent;
using DataVault.Policy;

namespace DataVault.Vault.Views;

/// <summary>
/// One published policy: the composed model and rules, the enforcer built from them, and its
/// version, which every access-log entry records. Immutable; the view decisions made under it are
/// cached on it, so publishing a new version drops them all at once. A version with time windows is
/// composed as of an instant and is right only until <see cref="NextBoundary"/>; past it,
/// <see cref="PolicyRuntime.Current"/> replaces it with the same version composed again.
/// </summary>
public sealed class PolicySnapshot
{
    internal PolicySnapshot(string version, string modelText, string policyText, Enforcer enforcer, DateTimeOffset publishedAt, int storeVersion = 0, PolicyWindowClock? windows = null)
    {
        Version = version;
        StoreVersion = storeVersion;
        ModelText = modelText;
        PolicyText = policyText;
        Enforcer = enforcer;
        PublishedAt = publishedAt;
        Windows = windows;
    }

    /// <summary>The version every access-log entry records: <c>v7</c> for the policy store's version 7.</summary>
    public string Version { get; }

    /// <summary>The policy store's version number (<c>v7</c> is 7), or 0 for a snapshot published directly (<see cref="PolicyRuntime.Publish"/>).</summary>
    public int StoreVersion { get; }

    public string ModelText { get; }

    /// <summary>The composed policy: policy.csv followed by the generated g2 and g3 lines.</summary>
    public string PolicyText { get; }

    public Enforcer Enforcer { get; }

    public DateTimeOffset PublishedAt { get; }

    /// <summary>When a window in this version next opens or closes, so the composed text changes; null when none will.</summary>
    public DateTimeOffset? NextBoundary => Windows?.NextBoundary;

    internal PolicyWindowClock? Windows { get; }

    internal ConcurrentDictionary<ViewKey, FieldRights> Decisions { get; } = new();
}

/// <summary>
/// The time side of a snapshot with windows: the instant its text stops being right, and how to compose
/// the same version again at a later instant (the policy store's loader knows the hand-written text).
/// </summary>
internal sealed record PolicyWindowClock(DateTimeOffset NextBoundary, Func<DateTimeOffset, PolicyResult<PolicySnapshot>> Recompose);

/// <summary>
/// The policy every decision uses now. Publishing swaps one reference: a request decides wholly under
/// the old version or wholly under the new one, never a mix (it reads <see cref="Current"/> once).
/// Time windows are enforced here, fail closed: the first read at or after a snapshot's
/// <see cref="PolicySnapshot.NextBoundary"/> composes the version again as of now and installs it, so a
/// rule whose window has closed stops deciding on the next request, not at the next poll.
/// </summary>
public sealed class PolicyRuntime
{
    private readonly Lock _installGate = new();
    private readonly TimeProvider _time;
    private PolicySnapshot _current;
    private int _highestStoreVersion;

    public PolicyRuntime(PolicySnapshot initial, TimeProvider? time = null)
    {
        _current = initial;
        _highestStoreVersion = initial.StoreVersion;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// The running snapshot. The hot path is one reference read and, only for a version with windows,
    /// one clock read and comparison.
    /// </summary>
    public PolicySnapshot Current
    {
        get
        {
            var current = Volatile.Read(ref _current);
            return current.Windows is { } windows && _time.GetUtcNow() >= windows.NextBoundary ? AdvanceWindows() : current;
        }
    }

    /// <summary>
    /// Re-composes the running version as of now, once, under the install lock (readers that raced here
    /// find it done). The store version stays the same: the windows are part of that version's text.
    /// A version that no longer composes cannot be trusted to have closed its windows: it throws, so the
    /// request fails rather than decide under a rule whose window has closed.
    /// </summary>
    private PolicySnapshot AdvanceWindows()
    {
        lock (_installGate)
        {
            var current = _current;
            var now = _time.GetUtcNow();
            if (current.Windows is not { } windows || now < windows.NextBoundary)
            {
                return current;
            }
            var next = windows.Recompose(now);
            if (!next.IsSuccess)
            {
                throw new InvalidOperationException($"policy {current.Version} does not compose at its window boundary: " + string.Join("; ", next.Errors));
            }
            Volatile.Write(ref _current, next.Value);
            return next.Value;
        }
    }

    /// <summary>Builds and installs a snapshot; returns the errors and installs nothing when it does not load.</summary>
    public PolicyResult<PolicySnapshot> Publish(string version, string modelText, string policyText, DateTimeOffset publishedAt)
    {
        var built = Build(version, modelText, policyText, publishedAt);
        if (built.IsSuccess)
        {
            Volatile.Write(ref _current, built.Value);
        }
        return built;
    }

    /// <summary>
    /// A snapshot built from text without installing it: the policy store builds before it commits a
    /// version (a policy that does not load is never published) and installs only after the commit.
    /// <paramref name="windows"/>: for a version with time windows, when its composed text stops being
    /// right and how to compose it again.
    /// </summary>
    internal static PolicyResult<PolicySnapshot> Build(string version, string modelText, string policyText, DateTimeOffset publishedAt, int storeVersion = 0, PolicyWindowClock? windows = null)
    {
        var loaded = Enforcer.FromText(modelText, "model.conf", policyText, "policy.csv");
        return loaded.IsSuccess
            ? PolicyResult<PolicySnapshot>.Success(new PolicySnapshot(version, modelText, policyText, loaded.Value, publishedAt, storeVersion, windows))
            : PolicyResult<PolicySnapshot>.Failure(loaded.Errors);
    }

    /// <summary>
    /// Installs a store version if it is newer than every store version installed so far. The
    /// publishing node and the poll can race to install versions; comparing numbers keeps the newest,
    /// never an older one. A snapshot published directly (<see cref="Publish"/>, store version 0) is
    /// replaced only by a store version newer than the one it replaced.
    /// </summary>
    public bool Install(PolicySnapshot snapshot)
    {
        lock (_installGate)
        {
            if (snapshot.StoreVersion <= _highestStoreVersion)
            {
                return false;
            }
            _highestStoreVersion = snapshot.StoreVersion;
            Volatile.Write(ref _current, snapshot);
        }
        return true;
    }

    /// <summary>The newest store version this runtime has installed (0 while only directly published snapshots have run).</summary>
    public int HighestStoreVersion
    {
        get
        {
            lock (_installGate)
            {
                return _highestStoreVersion;
            }
        }
    }
}
