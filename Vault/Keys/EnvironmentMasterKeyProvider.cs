using System.Security.Cryptography;

namespace DataVault.Vault.Keys;

/// <summary>
/// Production provider: the master key as base64 in an environment variable (default
/// <c>DATAVAULT_MASTER_KEY</c>), injected by the orchestrator from its secret store. Error
/// messages name the variable, never its content.
/// </summary>
internal sealed class EnvironmentMasterKeyProvider(string variable, Func<string, string?>? read = null) : IMasterKeyProvider
{
    private readonly Func<string, string?> _read = read ?? Environment.GetEnvironmentVariable;

    public string Source => $"environment variable {variable}";

    public byte[] GetMasterKey()
    {
        var value = _read(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new MasterKeyException($"The master key environment variable {variable} is not set (Encryption:MasterKeyProvider is Environment).");
        }
        var key = new byte[MasterKey.Size];
        if (!Convert.TryFromBase64String(value.Trim(), key, out var written) || written != MasterKey.Size)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new MasterKeyException($"The environment variable {variable} does not hold a base64-encoded 256-bit key.");
        }
        return key;
    }
}
