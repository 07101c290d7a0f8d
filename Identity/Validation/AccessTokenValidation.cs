using DataVault.Identity.Units;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace DataVault.Identity.Validation;

/// <summary>
/// Validates DataVault access tokens on API requests as plain JWTs (RFC 9068): signature with a
/// key the server publishes, issuer, audience <c>datavault-api</c>, <c>typ</c> <c>at+jwt</c>,
/// expiry and not-before. In-process the keys are read from the running server on every request,
/// so key rollover needs no restart. Then the token's entry and authorization in the store must
/// still be valid (<see cref="TokenEntryChecks"/>, answers cached 3 s), so a revoked token is
/// refused within seconds. Chosen over OpenIddict's validation handler because it does the same
/// checks at a fraction of the cost per request (docs/identity.md, benchmark).
/// </summary>
internal static class AccessTokenValidation
{
    public const string Scheme = "DataVault.Bearer";

    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddLocalAccessTokenValidation(this IServiceCollection services)
    {
        services.AddSingleton<TokenEntryChecks>();
        services.AddAuthentication().AddJwtBearer(Scheme, _ => { });
        services.AddOptions<JwtBearerOptions>(Scheme).Configure<IOptionsMonitor<OpenIddictServerOptions>, IOptions<IdentityServerOptions>, TimeProvider>((bearer, server, ours, time) =>
        {
            bearer.MapInboundClaims = false;
            bearer.IncludeErrorDetails = true;
            bearer.RefreshOnIssuerKeyNotFound = false;
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = ours.Value.Issuer.AbsoluteUri,
                ValidAudience = UnitClaims.ApiAudience,
                ValidTypes = ["at+jwt"],
                // Only what the server signs with: no "none", no HMAC with a public key as secret.
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ValidateLifetime = true,
                ClockSkew = ClockSkew,
                // IdentityModel's own lifetime check reads the system clock; this one reads the
                // host's TimeProvider (the same clock that issued the token) and throws the same
                // exception types, so the error descriptions stay specific.
                LifetimeValidator = (notBefore, expires, _, _) => ValidateLifetime(notBefore, expires, time.GetUtcNow().UtcDateTime),
                NameClaimType = "name",
                RoleClaimType = UnitClaims.Role,
                IssuerSigningKeyResolver = new LiveSigningKeys(server).Resolve,
            };
            // After the signature and lifetime: is the token (and its authorization) still valid
            // in the store? Revocation reaches the API within TokenEntryChecks.CacheFor.
            bearer.Events = new JwtBearerEvents
            {
                OnTokenValidated = async context =>
                {
                    var checks = context.HttpContext.RequestServices.GetRequiredService<TokenEntryChecks>();
                    if (await checks.RefusalAsync(context.Principal!, context.HttpContext.RequestAborted) is { } refusal)
                    {
                        context.Fail(new SecurityTokenValidationException(refusal));
                    }
                },
            };
        });
        return services;
    }

    internal static bool ValidateLifetime(DateTime? notBefore, DateTime? expires, DateTime now)
    {
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiry.");
        }
        if (notBefore is { } nbf && nbf > now + ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }
        if (expires.Value < now - ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }
        return true;
    }
}

/// <summary>
/// The server's published signing keys, looked up by <c>kid</c>. Rebuilt only when the server
/// options are rebuilt (at a key transition), so a request costs one reference comparison and a
/// dictionary lookup.
/// </summary>
internal sealed class LiveSigningKeys(IOptionsMonitor<OpenIddictServerOptions> server)
{
    private sealed record Snapshot(OpenIddictServerOptions Source, SecurityKey[] All, Dictionary<string, SecurityKey[]> ByKid);

    private Snapshot? _snapshot;

    public IEnumerable<SecurityKey> Resolve(string token, SecurityToken securityToken, string? kid, TokenValidationParameters parameters)
    {
        var current = server.CurrentValue;
        var snapshot = _snapshot;
        if (snapshot is null || !ReferenceEquals(snapshot.Source, current))
        {
            var all = current.SigningCredentials.Select(c => c.Key).ToArray();
            snapshot = new Snapshot(current, all, all.Where(k => k.KeyId is not null).GroupBy(k => k.KeyId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal));
            _snapshot = snapshot;
        }
        // A token naming an unknown kid gets no key at all (fails "signature key not found").
        return kid is null ? snapshot.All : snapshot.ByKid.GetValueOrDefault(kid, []);
    }
}
