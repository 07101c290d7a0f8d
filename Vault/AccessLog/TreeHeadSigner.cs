using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace DataVault.Vault.AccessLog;

/// <summary>
/// Signs tree heads with Ed25519 (RFC 8032). The seed comes from the key ring, wrapped by the
/// master key, so it never sits in the clear beside the log it vouches for: someone who can
/// rewrite the database still cannot produce a valid head. The key id is the start of SHA-256 of
/// the public key.
/// </summary>
internal sealed class TreeHeadSigner
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("DataVault tree head v1");
    private readonly Ed25519PrivateKeyParameters _privateKey;

    public TreeHeadSigner(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519PrivateKeyParameters.KeySize)
        {
            throw new ArgumentException($"an Ed25519 seed is {Ed25519PrivateKeyParameters.KeySize} bytes", nameof(seed));
        }
        _privateKey = new Ed25519PrivateKeyParameters(seed.ToArray());
        PublicKey = _privateKey.GeneratePublicKey().GetEncoded();
        KeyId = KeyIdOf(PublicKey);
    }

    public string KeyId { get; }

    public byte[] PublicKey { get; }

    public static string KeyIdOf(byte[] publicKey) => Convert.ToHexString(SHA256.HashData(publicKey), 0, 8).ToLowerInvariant();

    public byte[] Sign(string logId, long treeSize, long signedAtUnixMs, ReadOnlySpan<byte> rootHash) =>
        SignBytes(Payload(logId, treeSize, signedAtUnixMs, rootHash));

    /// <summary>Whether a stored head was signed by this key: the key id names it and the signature verifies.</summary>
    public bool SignedHead(string keyId, string logId, long treeSize, long signedAtUnixMs, byte[] rootHash, byte[] signature) =>
        keyId == KeyId && Verify(PublicKey, logId, treeSize, signedAtUnixMs, rootHash, signature);

    /// <summary>An Ed25519 signature over a C2SP note's text (<see cref="CheckpointNote.Body"/>).</summary>
    public byte[] SignNote(string body) => SignBytes(Encoding.UTF8.GetBytes(body));

    public static bool VerifyNote(byte[] publicKey, string body, byte[] signature) => VerifyBytes(publicKey, Encoding.UTF8.GetBytes(body), signature);

    public static bool Verify(byte[] publicKey, string logId, long treeSize, long signedAtUnixMs, ReadOnlySpan<byte> rootHash, byte[] signature) =>
        VerifyBytes(publicKey, Payload(logId, treeSize, signedAtUnixMs, rootHash), signature);

    private byte[] SignBytes(byte[] message)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, _privateKey);
        signer.BlockUpdate(message, 0, message.Length);
        return signer.GenerateSignature();
    }

    private static bool VerifyBytes(byte[] publicKey, byte[] message, byte[] signature)
    {
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey));
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(signature);
    }

    // Domain-separated and length-prefixed, so a head signature can never be replayed as anything
    // else and no two different heads share a payload.
    private static byte[] Payload(string logId, long treeSize, long signedAtUnixMs, ReadOnlySpan<byte> rootHash)
    {
        var log = Encoding.UTF8.GetBytes(logId);
        var payload = new byte[Domain.Length + 4 + log.Length + 8 + 8 + rootHash.Length];
        var span = payload.AsSpan();
        Domain.CopyTo(span);
        var offset = Domain.Length;
        BinaryPrimitives.WriteInt32BigEndian(span[offset..], log.Length);
        log.CopyTo(span[(offset + 4)..]);
        offset += 4 + log.Length;
        BinaryPrimitives.WriteInt64BigEndian(span[offset..], treeSize);
        BinaryPrimitives.WriteInt64BigEndian(span[(offset + 8)..], signedAtUnixMs);
        rootHash.CopyTo(span[(offset + 16)..]);
        return payload;
    }
}
