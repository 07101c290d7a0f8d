using System.Text;
using DataVault.Vault.Encryption;
using DataVault.Vault.Schema;

namespace DataVault.Vault.Keys;

/// <summary>An unwrapped data key, cached by the key ring for as long as the process runs.</summary>
internal sealed class DataKey : IDisposable
{
    public DataKey(string keyId, SensitivityLevel level, string districtCode, CryptoSuite suite, ReadOnlySpan<byte> key)
    {
        KeyId = keyId;
        KeyIdAscii = Encoding.ASCII.GetBytes(keyId);
        Level = level;
        DistrictCode = districtCode;
        Aead = new GcmKey(suite.Aead(), key);
    }

    public string KeyId { get; }

    public byte[] KeyIdAscii { get; }

    public SensitivityLevel Level { get; }

    public string DistrictCode { get; }

    public GcmKey Aead { get; }

    public void Dispose() => Aead.Dispose();
}
