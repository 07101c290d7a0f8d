using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace DataVault.Vault.Encryption.Gm;

/// <summary>
/// The commercial-cryptography (国密) primitives the <c>Sm</c> suite is built from (issue 17, item 1),
/// all from BouncyCastle: SM3 (GB/T 32905), HMAC-SM3, SM4 (GB/T 32907) in GCM mode (RFC 8998), and
/// SM2 signatures (GB/T 32918.2) with the signer's user id in Z_A. Known-answer tests against the
/// published examples are in Tests/Vault/Encryption/GmPrimitivesTests.cs. Not yet wired to the vault's
/// envelopes, blind indexes or tree heads (docs/encryption.md, "国密").
/// </summary>
public static class GmPrimitives
{
    public const int Sm3Size = 32;
    public const int Sm4KeySize = 16;
    public const int GcmNonceSize = 12;
    public const int GcmTagSize = 16;

    /// <summary>GB/T 32918.2's default user id when a signer names none ("1234567812345678").</summary>
    public static readonly byte[] DefaultUserId = "1234567812345678"u8.ToArray();

    public static byte[] Sm3(ReadOnlySpan<byte> data)
    {
        var digest = new SM3Digest();
        digest.BlockUpdate(data);
        var output = new byte[Sm3Size];
        digest.DoFinal(output, 0);
        return output;
    }

    public static byte[] HmacSm3(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var mac = new HMac(new SM3Digest());
        mac.Init(new KeyParameter(key));
        mac.BlockUpdate(data);
        var output = new byte[Sm3Size];
        mac.DoFinal(output, 0);
        return output;
    }

    /// <summary>SM4-GCM: ciphertext then the 16-byte tag.</summary>
    public static byte[] Sm4GcmSeal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associated, ReadOnlySpan<byte> plaintext)
    {
        var gcm = Gcm(true, key, nonce, associated);
        var output = new byte[gcm.GetOutputSize(plaintext.Length)];
        var written = gcm.ProcessBytes(plaintext, output);
        gcm.DoFinal(output.AsSpan(written));
        return output;
    }

    /// <summary>Opens what <see cref="Sm4GcmSeal"/> sealed; throws <see cref="InvalidCipherTextException"/> when the tag does not verify.</summary>
    public static byte[] Sm4GcmOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associated, ReadOnlySpan<byte> sealedBytes)
    {
        var gcm = Gcm(false, key, nonce, associated);
        var output = new byte[gcm.GetOutputSize(sealedBytes.Length)];
        var written = gcm.ProcessBytes(sealedBytes, output);
        gcm.DoFinal(output.AsSpan(written));
        return output;
    }

    private static GcmBlockCipher Gcm(bool forSealing, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associated)
    {
        if (key.Length != Sm4KeySize || nonce.Length != GcmNonceSize)
        {
            throw new ArgumentException("SM4-GCM takes a 16-byte key and a 12-byte nonce.");
        }
        var gcm = new GcmBlockCipher(new SM4Engine());
        gcm.Init(forSealing, new AeadParameters(new KeyParameter(key), GcmTagSize * 8, nonce.ToArray(), associated.ToArray()));
        return gcm;
    }

    /// <summary>The recommended curve of GB/T 32918.5 (sm2p256v1).</summary>
    public static ECDomainParameters Curve { get; } = FromX9(GMNamedCurves.GetByName("sm2p256v1"));

    private static ECDomainParameters FromX9(Org.BouncyCastle.Asn1.X9.X9ECParameters x9) => new(x9.Curve, x9.G, x9.N, x9.H, x9.GetSeed());

    public static ECPrivateKeyParameters Sm2PrivateKey(BigInteger d, ECDomainParameters? curve = null) => new(d, curve ?? Curve);

    public static ECPublicKeyParameters Sm2PublicKey(ECPrivateKeyParameters key) =>
        new(key.Parameters.G.Multiply(key.D).Normalize(), key.Parameters);

    /// <summary>An SM2 signature over SM3 as r ‖ s (32 bytes each), with <paramref name="userId"/> in Z_A.</summary>
    public static byte[] Sm2Sign(ECPrivateKeyParameters key, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> message, SecureRandom? random = null)
    {
        var signer = new SM2Signer(PlainDsaEncoding.Instance, new SM3Digest());
        signer.Init(true, new ParametersWithID(new ParametersWithRandom(key, random ?? new SecureRandom()), userId.ToArray()));
        signer.BlockUpdate(message);
        return signer.GenerateSignature();
    }

    public static bool Sm2Verify(ECPublicKeyParameters key, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        var signer = new SM2Signer(PlainDsaEncoding.Instance, new SM3Digest());
        signer.Init(false, new ParametersWithID(key, userId.ToArray()));
        signer.BlockUpdate(message);
        return signer.VerifySignature(signature.ToArray());
    }
}
