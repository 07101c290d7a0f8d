using System.ComponentModel.DataAnnotations;

namespace DataVault.Vault.PolicyStore;

/// <summary>The policy store (section <c>PolicyStore</c>).</summary>
internal sealed class PolicyStoreOptions
{
    public const string Section = "PolicyStore";

    /// <summary>How often a node looks for versions published by another node (default 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00", ErrorMessage = "PolicyStore:PollInterval must be between 50 ms and 1 hour.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest page of versions one request returns.</summary>
    [Range(1, 500)]
    public int MaxPageSize { get; set; } = 100;
}
