using DataVault.Vault.Schema;

namespace DataVault.Vault.Encryption;

/// <summary>
/// Where an envelope lives: what selects its data key (level, district) and what its associated data
/// binds, so that an envelope copied anywhere else fails to open. A single field value
/// (<see cref="FieldSlot"/>) and a resident record's level bucket (<c>BucketSlot</c>) are slots.
/// </summary>
internal interface IEnvelopeSlot
{
    /// <summary>The sensitivity level: with the district it selects the data key.</summary>
    SensitivityLevel Level { get; }

    /// <summary>The six-digit district code: data keys are per (level, district).</summary>
    ReadOnlySpan<char> DistrictCode { get; }

    /// <summary>The record the envelope belongs to, for messages.</summary>
    string RecordId { get; }

    /// <summary>Which part of the record (a field key, a bucket), for messages; never a value.</summary>
    string PartName { get; }

    /// <summary>An upper bound of the associated data's size with an envelope header of <paramref name="headerLength"/> bytes.</summary>
    int MaxAssociatedDataSize(int headerLength);

    /// <summary>Writes the associated data for this slot and the envelope <paramref name="header"/>; returns its length.</summary>
    int WriteAssociatedData(ReadOnlySpan<byte> header, Span<byte> destination);
}
