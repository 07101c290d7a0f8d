using System.Buffers.Binary;
using System.Text;
using DataVault.Vault.Encryption;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Residents;

/// <summary>
/// What stays plain of a resident row, because queries route and filter on it (the jurisdiction
/// columns), and the row's version. All of it is bound into every bucket's associated data
/// (<see cref="BucketSlot"/>): moving a row to another district, street, community or grid by editing
/// its columns, or putting back a bucket of an older version, makes the record fail to open.
/// </summary>
internal sealed record RecordAddress(string Id, string DistrictCode, string StreetCode, string CommunityCode, string? GridCode, int Version);

/// <summary>
/// One level bucket of a resident record (docs/storage.md, "Resident record, layout 2"). Its associated data:
/// <code>
/// lp("DataVault/record/v2") | lp(record id) | lp(district) | lp(street) | lp(community) | lp(grid, empty if none)
///   | version:u32 big-endian | level:u8 | lp(envelope header)
/// </code>
/// </summary>
internal sealed record BucketSlot(RecordAddress Record, SensitivityLevel Level) : IEnvelopeSlot
{
    private static readonly byte[] Label = "DataVault/record/v2"u8.ToArray();

    public ReadOnlySpan<char> DistrictCode => Record.DistrictCode;

    public string RecordId => Record.Id;

    public string PartName => BucketName(Level);

    /// <summary>"L3 bucket": how a bucket is named in messages and incidents.</summary>
    public static string BucketName(SensitivityLevel level) => level switch
    {
        SensitivityLevel.L1 => "L1 bucket",
        SensitivityLevel.L2 => "L2 bucket",
        SensitivityLevel.L3 => "L3 bucket",
        SensitivityLevel.L4 => "L4 bucket",
        SensitivityLevel.L5 => "L5 bucket",
        _ => $"L{(int)level} bucket",
    };

    public int MaxAssociatedDataSize(int headerLength) =>
        4 + Label.Length
        + 4 + Encoding.UTF8.GetMaxByteCount(Record.Id.Length)
        + 4 + Encoding.UTF8.GetMaxByteCount(Record.DistrictCode.Length)
        + 4 + Encoding.UTF8.GetMaxByteCount(Record.StreetCode.Length)
        + 4 + Encoding.UTF8.GetMaxByteCount(Record.CommunityCode.Length)
        + 4 + Encoding.UTF8.GetMaxByteCount(Record.GridCode?.Length ?? 0)
        + 4 + 1
        + 4 + headerLength;

    public int WriteAssociatedData(ReadOnlySpan<byte> header, Span<byte> destination)
    {
        var at = EnvelopeFormat.WritePrefixed(destination, Label);
        at += EnvelopeFormat.WritePrefixed(destination[at..], Record.Id);
        at += EnvelopeFormat.WritePrefixed(destination[at..], Record.DistrictCode);
        at += EnvelopeFormat.WritePrefixed(destination[at..], Record.StreetCode);
        at += EnvelopeFormat.WritePrefixed(destination[at..], Record.CommunityCode);
        at += EnvelopeFormat.WritePrefixed(destination[at..], Record.GridCode ?? "");
        BinaryPrimitives.WriteUInt32BigEndian(destination[at..], checked((uint)Record.Version));
        at += 4;
        destination[at++] = checked((byte)Level);
        at += EnvelopeFormat.WritePrefixed(destination[at..], header);
        return at;
    }
}
