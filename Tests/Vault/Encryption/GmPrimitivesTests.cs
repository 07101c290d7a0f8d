using System.Text;
using DataVault.Vault.Encryption.Gm;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Security;

namespace DataVault.Tests.Vault.Encryption;

/// <summary>
/// Known answers for the 国密 primitives (issue 17, item 1), from the published examples: SM3 from
/// GB/T 32905-2016 appendix A, SM4 from GB/T 32907-2016 appendix A, SM4-GCM from RFC 8998 appendix
/// A.1, SM2 from GB/T 32918.2-2016 appendix A (its 256-bit test curve, fixed k, user id ALICE123@YAHOO.COM).
/// </summary>
public sealed class GmPrimitivesTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    [Fact]
    public void Sm3_GivesTheStandardsExamples()
    {
        Assert.Equal(Hex("66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0"), GmPrimitives.Sm3("abc"u8));
        Assert.Equal(Hex("debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732"),
            GmPrimitives.Sm3(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcd", 16)))));
    }

    [Fact]
    public void Sm4_GivesTheStandardsExamples_OnceAndAMillionTimes()
    {
        var key = Hex("0123456789abcdeffedcba9876543210");
        var engine = new Org.BouncyCastle.Crypto.Engines.SM4Engine();
        engine.Init(true, new KeyParameter(key));
        var block = (byte[])key.Clone();
        engine.ProcessBlock(block, 0, block, 0);
        Assert.Equal(Hex("681edf34d206965e86b3e94f536e4246"), block);
        block = (byte[])key.Clone();
        for (var i = 0; i < 1_000_000; i++)
        {
            engine.ProcessBlock(block, 0, block, 0);
        }
        Assert.Equal(Hex("595298c7c6fd271f0402f804c33d3f66"), block);
    }

    [Fact]
    public void Sm4Gcm_GivesRfc8998sExample_AndRefusesAChangedByte()
    {
        var key = Hex("0123456789ABCDEFFEDCBA9876543210");
        var nonce = Hex("00001234567800000000ABCD");
        var aad = Hex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        var plaintext = Hex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA");
        var expected = Hex("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D" + "83DE3541E4C2B58177E065A9BF7B62EC");

        var sealedBytes = GmPrimitives.Sm4GcmSeal(key, nonce, aad, plaintext);
        Assert.Equal(expected, sealedBytes);
        Assert.Equal(plaintext, GmPrimitives.Sm4GcmOpen(key, nonce, aad, sealedBytes));
        sealedBytes[5] ^= 1;
        Assert.Throws<InvalidCipherTextException>(() => GmPrimitives.Sm4GcmOpen(key, nonce, aad, sealedBytes));
    }

    [Fact]
    public void HmacSm3_IsKeyedAndDeterministic()
    {
        var a = GmPrimitives.HmacSm3("key-1"u8, "510107004003"u8);
        Assert.Equal(a, GmPrimitives.HmacSm3("key-1"u8, "510107004003"u8));
        Assert.NotEqual(a, GmPrimitives.HmacSm3("key-2"u8, "510107004003"u8));
        Assert.Equal(GmPrimitives.Sm3Size, a.Length);
    }

    [Fact]
    public void Sm2_GivesTheStandardsSignatureExample_AndVerifiesOnlyWithTheSameUserId()
    {
        // GB/T 32918.2-2016 appendix A.2: the test curve over F_p (256 bits).
        var p = new BigInteger("8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3", 16);
        var a = new BigInteger("787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498", 16);
        var b = new BigInteger("63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A", 16);
        var n = new BigInteger("8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7", 16);
        var curve = new FpCurve(p, a, b, n, BigInteger.One);
        var g = curve.CreatePoint(
            new BigInteger("421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D", 16),
            new BigInteger("0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2", 16));
        var domain = new ECDomainParameters(curve, g, n);
        var key = GmPrimitives.Sm2PrivateKey(new BigInteger("128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263", 16), domain);
        var publicKey = GmPrimitives.Sm2PublicKey(key);
        Assert.Equal("0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A", publicKey.Q.AffineXCoord.ToBigInteger().ToString(16).ToUpperInvariant().PadLeft(64, '0'));

        var userId = "ALICE123@YAHOO.COM"u8.ToArray();
        var message = "message digest"u8.ToArray();
        var k = Hex("6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F");
        var signature = GmPrimitives.Sm2Sign(key, userId, message, new FixedRandom(k));
        Assert.Equal(Hex("40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1" + "6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7"), signature);

        Assert.True(GmPrimitives.Sm2Verify(publicKey, userId, message, signature));
        Assert.False(GmPrimitives.Sm2Verify(publicKey, GmPrimitives.DefaultUserId, message, signature));
        Assert.False(GmPrimitives.Sm2Verify(publicKey, userId, "message digesT"u8, signature));
    }

    [Fact]
    public void Sm2_OnTheRecommendedCurve_SignsAndVerifies()
    {
        var key = GmPrimitives.Sm2PrivateKey(new BigInteger(1, GmPrimitives.Sm3("a test key, not a secret"u8)).Mod(GmPrimitives.Curve.N));
        var signature = GmPrimitives.Sm2Sign(key, GmPrimitives.DefaultUserId, "checkpoint"u8);
        Assert.Equal(64, signature.Length);
        Assert.True(GmPrimitives.Sm2Verify(GmPrimitives.Sm2PublicKey(key), GmPrimitives.DefaultUserId, "checkpoint"u8, signature));
    }

    /// <summary>Hands out the standard's k as the signer's randomness.</summary>
    private sealed class FixedRandom(byte[] value) : SecureRandom
    {
        public override void NextBytes(byte[] buffer) => NextBytes(buffer, 0, buffer.Length);

        public override void NextBytes(byte[] buffer, int start, int length) => value.AsSpan(0, length).CopyTo(buffer.AsSpan(start, length));

        public override void NextBytes(Span<byte> buffer) => value.AsSpan(0, buffer.Length).CopyTo(buffer);
    }
}
