namespace DataVault.Vault.Keys;

/// <summary>
/// Where the master key comes from: the seam between the key ring and a key file, an environment
/// variable, or (later) an HSM/KMS. The master key only wraps and unwraps data keys; it never
/// encrypts a field.
/// </summary>
public interface IMasterKeyProvider
{
    /// <summary>Where the key comes from, for messages (a path or a variable name; never key material).</summary>
    string Source { get; }

    /// <summary>
    /// Returns a fresh copy of the 256-bit master key, which the caller zeroes when done.
    /// Throws <see cref="MasterKeyException"/> with a clear message when the key cannot be used.
    /// </summary>
    byte[] GetMasterKey();
}

/// <summary>The master key is missing, malformed, exposed, or does not match the key ring. The message never holds key material.</summary>
public sealed class MasterKeyException(string message) : Exception(message);
