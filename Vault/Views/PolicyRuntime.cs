using System.Collections.Concurrent;
using DataVault.Policy;

namespace DataVault.Vault.Views;

/// <summary>
/// One published policy: the composed model and rules, the enforcer built from them, and its
/// version, which every access-log entry records. Immutable; the view decisions made under it are
/// cached on it, so publishing a new version drops them all at once.
/// </summary>
public sealed class PolicySnapshot
{
    internal PolicySnapshot(string version, string modelText, string policyText, Enforcer enforcer, DateTimeOffset publishedAt, int storeVersion = 0)
    {
        Version = version;
        StoreVersion = storeVersion;
        ModelText = modelText;
        PolicyText = policyText;
        Enforcer = enforcer;
        PublishedAt = publishedAt;
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

    internal ConcurrentDictionary<ViewKey, FieldRights> Decisions { get; } = new();
}

/// <summary>
/// The policy every decision uses now. Publishing swaps one reference: a request decides wholly under
/// the old version or wholly under the new one, never a mix (it reads <see cref="Current"/> once).
/// </summary>
public sealed class PolicyRuntime
{
    private readonly Lock _installGate = new();
    private PolicySnapshot _current;
    private int _highestStoreVersion;

    public PolicyRuntime(PolicySnapshot initial)
    {
        _current = initial;
        _highestStoreVersion = initial.StoreVersion;
    }

    public PolicySnapshot Current => Volatile.Read(ref _current);

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
    /// </summary>
    public static PolicyResult<PolicySnapshot> Build(string version, string modelText, string policyText, DateTimeOffset publishedAt, int storeVersion = 0)
    {
        var loaded = Enforcer.FromText(modelText, "model.conf", policyText, "policy.csv");
        return loaded.IsSuccess
            ? PolicyResult<PolicySnapshot>.Success(new PolicySnapshot(version, modelText, policyText, loaded.Value, publishedAt, storeVersion))
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
