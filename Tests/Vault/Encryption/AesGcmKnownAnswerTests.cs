using DataVault.Vault.Encryption;

namespace DataVault.Tests.Vault.Encryption;

/// <summary>
/// AES-256-GCM known answers against the primitive the envelope uses (BouncyCastle through
/// <see cref="GcmKey"/>): test cases 13–18 of McGrew and Viega, "The Galois/Counter Mode of
/// Operation (GCM)", appendix B (256-bit keys; 96-bit IVs in 13–16, 64-bit and 480-bit IVs in 17–18).
/// </summary>
public sealed class AesGcmKnownAnswerTests
{
    private const string K0 = "0000000000000000000000000000000000000000000000000000000000000000";
    private const string K1 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    private const string P64 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    private const string P60 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
    private const string A20 = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

    public static TheoryData<int, string, string, string, string, string, string> Vectors => new()
    {
        { 13, K0, "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
        { 14, K0, "000000000000000000000000", "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
        {
            15, K1, "cafebabefacedbaddecaf888", P64, "",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            "b094dac5d93471bdec1a502270e3cc6c"
        },
        {
            16, K1, "cafebabefacedbaddecaf888", P60, A20,
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b"
        },
        {
            17, K1, "cafebabefacedbad", P60, A20,
            "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
            "3a337dbf46a792c45e454913fe2ea8f2"
        },
        {
            18, K1, "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b", P60, A20,
            "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf40fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
            "a44a8266ee1c8eb0c8b5d4cf5ae9f19a"
        },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encrypt_GcmSpecTestCase_MatchesCiphertextAndTag(int testCase, string key, string iv, string plaintext, string aad, string ciphertext, string tag)
    {
        using var aead = GcmKey.Aes256(Convert.FromHexString(key));
        var p = Convert.FromHexString(plaintext);
        var output = new byte[p.Length + GcmKey.TagSize];

        aead.Encrypt(Convert.FromHexString(iv), Convert.FromHexString(aad), p, output);

        Assert.Equal(ciphertext + tag, Convert.ToHexStringLower(output));
        var back = new byte[p.Length];
        Assert.True(aead.TryDecrypt(Convert.FromHexString(iv), Convert.FromHexString(aad), output, back), $"test case {testCase} round trip");
        Assert.Equal(p, back);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decrypt_GcmSpecTestCase_ReturnsPlaintext(int testCase, string key, string iv, string plaintext, string aad, string ciphertext, string tag)
    {
        using var aead = GcmKey.Aes256(Convert.FromHexString(key));
        var output = new byte[plaintext.Length / 2];

        var ok = aead.TryDecrypt(Convert.FromHexString(iv), Convert.FromHexString(aad), Convert.FromHexString(ciphertext + tag), output);

        Assert.True(ok, $"test case {testCase}");
        Assert.Equal(plaintext, Convert.ToHexStringLower(output));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decrypt_GcmSpecTestCaseWithFlippedTagBit_FailsAndClearsOutput(int testCase, string key, string iv, string plaintext, string aad, string ciphertext, string tag)
    {
        using var aead = GcmKey.Aes256(Convert.FromHexString(key));
        var sealedBytes = Convert.FromHexString(ciphertext + tag);
        sealedBytes[^1] ^= 0x01;
        var output = new byte[plaintext.Length / 2];

        var ok = aead.TryDecrypt(Convert.FromHexString(iv), Convert.FromHexString(aad), sealedBytes, output);

        Assert.False(ok, $"test case {testCase}");
        Assert.All(output, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Encrypt_SameKeyObjectReusedAcrossOperations_StillMatchesVectors()
    {
        // The pooled ciphers are re-initialised without the key: check the cached key schedule and
        // GHASH table give the same answers on later calls, interleaving encryption and decryption.
        using var aead = GcmKey.Aes256(Convert.FromHexString(K1));
        var p = Convert.FromHexString(P60);
        for (var i = 0; i < 5; i++)
        {
            var output = new byte[p.Length + GcmKey.TagSize];
            aead.Encrypt(Convert.FromHexString("cafebabefacedbaddecaf888"), Convert.FromHexString(A20), p, output);
            Assert.Equal("76fc6ece0f4e1768cddf8853bb2d551b", Convert.ToHexStringLower(output.AsSpan(p.Length)));
            var back = new byte[p.Length];
            Assert.True(aead.TryDecrypt(Convert.FromHexString("cafebabefacedbad"), Convert.FromHexString(A20),
                Convert.FromHexString("c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f3a337dbf46a792c45e454913fe2ea8f2"), back));
            Assert.Equal(P60, Convert.ToHexStringLower(back));
        }
    }
}
