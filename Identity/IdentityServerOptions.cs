using System.ComponentModel.DataAnnotations;

namespace DataVault.Identity;

/// <summary>The OpenID Connect server's settings (section <c>Identity</c>).</summary>
public sealed class IdentityServerOptions : IValidatableObject
{
    public const string Section = "Identity";

    /// <summary>The issuer (<c>iss</c>) of every token; the public base address of the server.</summary>
    [Required]
    public Uri Issuer { get; set; } = new("https://localhost/");

    /// <summary>Short on purpose: a stolen access token nobody revokes is useful only this long (the API honours a revocation within seconds).</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(8);

    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Failed sign-in attempts (password, second factor or one-time code) before the account locks.</summary>
    [Range(1, 100)]
    public int LockoutThreshold { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long one signing key signs before the next one takes over.</summary>
    public TimeSpan SigningKeyRotation { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long before it signs a new key is published in the JWKS (longer than any relying party caches the JWKS).</summary>
    public TimeSpan SigningKeyPropagation { get; set; } = TimeSpan.FromDays(2);

    /// <summary>
    /// HTTPS is required outside Development. Set to false only behind a TLS-terminating proxy
    /// that forwards the original scheme.
    /// </summary>
    public bool RequireHttps { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Issuer.IsAbsoluteUri)
        {
            yield return new ValidationResult("Identity:Issuer must be an absolute URI.", [nameof(Issuer)]);
        }
        if (AccessTokenLifetime <= TimeSpan.Zero || AccessTokenLifetime > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Identity:AccessTokenLifetime must be between 0 and 1 hour.", [nameof(AccessTokenLifetime)]);
        }
        if (SigningKeyPropagation <= TimeSpan.Zero || SigningKeyPropagation >= SigningKeyRotation)
        {
            yield return new ValidationResult("Identity:SigningKeyPropagation must be positive and shorter than Identity:SigningKeyRotation.", [nameof(SigningKeyPropagation)]);
        }
    }
}
