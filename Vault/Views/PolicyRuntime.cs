using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
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

    /// <summary>A number from the policy store (<c>v7</c>), or <c>shipped-…</c> for the files shipped in policies/.</summary>
    public string Version { get; }

    /// <summary>The policy store's version number (<c>v7</c> is 7), or 0 for the files shipped in policies/.</summary>
    public int StoreVersion { get; }

    public string ModelText { get; }

    /// <summary>The composed policy: policy.csv followed by the generated g2 and g3 lines.</summary>
    public string PolicyText { get; }

    public Enforcer Enforcer { get; }

    public DateTimeOffset PublishedAt { get; }

    internal ConcurrentDictionary<ViewKey, FieldRights> Decisions { get; } = new();

    /// <summary>A content hash, so two nodes loading the same files agree on the version without talking.</summary>
    public static string ContentVersion(string modelText, string policyText) =>
        "shipped-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(modelText + "\n\u0000\n" + policyText)))[..12];
}

/// <summary>
/// The policy every decision uses now. Publishing swaps one reference: a request decides wholly under
/// the old version or wholly under the new one, never a mix (it reads <see cref="Current"/> once).
/// </summary>
public sealed class PolicyRuntime
{
    private PolicySnapshot _current;

    public PolicyRuntime(PolicySnapshot initial) => _current = initial;

    public PolicySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Raised after a new snapshot is in place (for caches built on the policy).</summary>
    public event Action<PolicySnapshot>? Published;

    /// <summary>Builds and installs a snapshot; returns the errors and installs nothing when it does not load.</summary>
    public PolicyResult<PolicySnapshot> Publish(string version, string modelText, string policyText, DateTimeOffset publishedAt)
    {
        var built = Build(version, modelText, policyText, publishedAt);
        if (built.IsSuccess)
        {
            Volatile.Write(ref _current, built.Value);
            Published?.Invoke(built.Value);
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
    /// Installs a store version if it is newer than the running one. The publishing node and the poll
    /// can race to install versions; comparing numbers keeps the newest, never an older one.
    /// </summary>
    public bool Install(PolicySnapshot snapshot)
    {
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current.StoreVersion >= snapshot.StoreVersion && current.StoreVersion != 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _current, snapshot, current) == current)
            {
                Published?.Invoke(snapshot);
                return true;
            }
        }
    }
}
