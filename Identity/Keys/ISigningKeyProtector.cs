namespace DataVault.Identity.Keys;

/// <summary>
/// Encrypts token key material before it is written to the identity store, and decrypts it when
/// it is loaded. The seam through which the vault's master key can protect the identity keys.
/// </summary>
public interface ISigningKeyProtector
{
    /// <summary>Encrypts <paramref name="plaintext"/>; <paramref name="keyId"/> is bound as associated data.</summary>
    byte[] Protect(string keyId, ReadOnlySpan<byte> plaintext);

    /// <summary>Decrypts what <see cref="Protect"/> returned for the same <paramref name="keyId"/>; throws when it was tampered with.</summary>
    byte[] Unprotect(string keyId, ReadOnlySpan<byte> protectedBytes);
}
