using System.ComponentModel.DataAnnotations;

namespace DataVault.Vault.Aggregates;

/// <summary><c>Aggregates</c> options: the k of k-anonymity and how many residents one page of the scan reads.</summary>
public sealed class AggregateOptions
{
    public const string Section = "Aggregates";

    /// <summary>Counts from 1 to k−1 are never published (DESIGN.md, L1). Default 5; 1 would publish every count.</summary>
    [Range(2, 1_000_000)]
    public int K { get; set; } = 5;

    /// <summary>Residents read per keyset page: bounds memory whatever the size of <c>within</c>.</summary>
    [Range(10, 100_000)]
    public int PageSize { get; set; } = 2000;
}
