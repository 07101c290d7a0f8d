using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using DataVault.Vault.Encryption.Gm;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;

namespace DataVault.Benchmarks.Vault;

/// <summary>
/// The 国密 primitives beside the ones the vault uses today, one run (issue 17, item 1): sealing and
/// opening a 64-byte field value (AES-256-GCM vs SM4-GCM, both BouncyCastle), a blind index
/// (HMAC-SHA256 vs HMAC-SM3) and a tree-head signature (Ed25519 vs SM2 with SM3).
/// <c>dotnet run -c Release --project Tests/Benchmarks -- --filter *GmPrimitiveBenchmarks*</c>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[ShortRunJob]
public class GmPrimitiveBenchmarks
{
    private readonly byte[] _value = RandomNumberGenerator.GetBytes(64);
    private readonly byte[] _aad = RandomNumberGenerator.GetBytes(48);
    private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(12);
    private readonly byte[] _aesKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _sm4Key = RandomNumberGenerator.GetBytes(16);
    private readonly byte[] _macKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _head = RandomNumberGenerator.GetBytes(120);
    private byte[] _aesSealed = null!;
    private byte[] _sm4Sealed = null!;
    private Ed25519PrivateKeyParameters _ed = null!;
    private ECPrivateKeyParameters _sm2 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _aesSealed = AesSeal();
        _sm4Sealed = Sm4Seal();
        _ed = new Ed25519PrivateKeyParameters(RandomNumberGenerator.GetBytes(32));
        _sm2 = GmPrimitives.Sm2PrivateKey(new BigInteger(1, RandomNumberGenerator.GetBytes(32)).Mod(GmPrimitives.Curve.N));
    }

    [Benchmark(Baseline = true)]
    public byte[] AesSeal() => Aes(true, _value);

    [Benchmark]
    public byte[] Sm4Seal() => GmPrimitives.Sm4GcmSeal(_sm4Key, _nonce, _aad, _value);

    [Benchmark]
    public byte[] AesOpen() => Aes(false, _aesSealed);

    [Benchmark]
    public byte[] Sm4Open() => GmPrimitives.Sm4GcmOpen(_sm4Key, _nonce, _aad, _sm4Sealed);

    [Benchmark]
    public byte[] HmacSha256() => HMACSHA256.HashData(_macKey, _value);

    [Benchmark]
    public byte[] HmacSm3() => GmPrimitives.HmacSm3(_macKey, _value);

    [Benchmark]
    public byte[] Ed25519Sign()
    {
        var signer = new Ed25519Signer();
        signer.Init(true, _ed);
        signer.BlockUpdate(_head, 0, _head.Length);
        return signer.GenerateSignature();
    }

    [Benchmark]
    public byte[] Sm2Sign() => GmPrimitives.Sm2Sign(_sm2, GmPrimitives.DefaultUserId, _head);

    private byte[] Aes(bool seal, byte[] input)
    {
        var gcm = new GcmBlockCipher(new AesEngine());
        gcm.Init(seal, new AeadParameters(new KeyParameter(_aesKey), 128, _nonce, _aad));
        var output = new byte[gcm.GetOutputSize(input.Length)];
        var written = gcm.ProcessBytes(input, 0, input.Length, output, 0);
        gcm.DoFinal(output, written);
        return output;
    }
}
