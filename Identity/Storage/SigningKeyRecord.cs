namespace DataVault.Identity.Storage;

/// <summary>
/// One token key as stored: the private key material only ever as the output of
/// <see cref="Keys.ISigningKeyProtector"/>. <see cref="NotBefore"/> is when it starts signing;
/// it is published in the JWKS from creation, so relying parties learn it before it is used.
/// </summary>
internal sealed class SigningKeyRecord
{
    public string Id { get; set; } = "";

    /// <summary><c>signing</c> (RSA, published in the JWKS) or <c>encryption</c> (AES, for codes and refresh tokens).</summary>
    public string Use { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset NotBefore { get; set; }

    public byte[] ProtectedKey { get; set; } = [];
}
