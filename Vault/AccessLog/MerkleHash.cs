using System.Security.Cryptography;

namespace DataVault.Vault.AccessLog;

/// <summary>
/// RFC 6962 §2.1 hashing: leaves and interior nodes are hashed with distinct one-byte prefixes
/// (0x00 and 0x01) so that a leaf can never be passed off as an interior node (second-preimage
/// resistance of the tree).
/// </summary>
internal static class MerkleHash
{
    public const int Size = 32;
    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>MTH({}) = SHA-256() — the root of the empty tree.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>MTH({d}) = SHA-256(0x00 || d).</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = data.Length <= 1024 ? stackalloc byte[data.Length + 1] : new byte[data.Length + 1];
        buffer[0] = LeafPrefix;
        data.CopyTo(buffer[1..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>SHA-256(0x01 || left || right).</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + Size + Size];
        buffer[0] = NodePrefix;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Size)..]);
        return SHA256.HashData(buffer);
    }
}
