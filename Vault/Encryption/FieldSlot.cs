using DataVault.Vault.Schema;

namespace DataVault.Vault.Encryption;

/// <summary>
/// Where a ciphertext lives. All four parts are bound into the AEAD associated data, so a value
/// copied to another record, field, jurisdiction or level fails to open (DESIGN.md, "Encryption and keys").
/// </summary>
/// <param name="RecordId">The resident record's id (L2, pseudonymous).</param>
/// <param name="FieldKey">The schema field key, e.g. <c>id_number</c>.</param>
/// <param name="JurisdictionCode">The record's community (or grid) code; its first six digits are the district.</param>
/// <param name="Level">The field's sensitivity level; it selects the data key.</param>
public sealed record FieldSlot(string RecordId, string FieldKey, string JurisdictionCode, SensitivityLevel Level) : IEnvelopeSlot
{
    /// <summary>The district (first six digits of the statistical division code): data keys are per (level, district).</summary>
    public string DistrictCode => JurisdictionCode[..6];

    ReadOnlySpan<char> IEnvelopeSlot.DistrictCode => JurisdictionCode.AsSpan(0, 6);

    string IEnvelopeSlot.PartName => FieldKey;

    int IEnvelopeSlot.MaxAssociatedDataSize(int headerLength) => EnvelopeFormat.MaxAssociatedDataSize(this, headerLength);

    int IEnvelopeSlot.WriteAssociatedData(ReadOnlySpan<byte> header, Span<byte> destination) => EnvelopeFormat.WriteAssociatedData(this, header, destination);
}
