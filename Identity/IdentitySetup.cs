using DataVault.Identity.Account;
using DataVault.Identity.Keys;
using DataVault.Identity.Management;
using DataVault.Identity.Server;
using DataVault.Identity.Storage;
using DataVault.Identity.Units;
using DataVault.Identity.Validation;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace DataVault.Identity;

/// <summary>
/// The OpenID Connect server: <c>AddVaultIdentity</c> registers it (and local validation of its
/// access tokens for APIs in the same process), <c>MapIdentityEndpoints</c> maps its endpoints and
/// sign-in pages. Hostable on its own: nothing here depends on Vault.
/// </summary>
public static class IdentitySetup
{
    /// <summary>The authentication scheme that validates DataVault access tokens on API requests.</summary>
    public const string ApiAuthenticationScheme = AccessTokenValidation.Scheme;

    public static IServiceCollection AddVaultIdentity(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<IdentityServerOptions>()
            .Bind(configuration.GetSection(IdentityServerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddIdentityStore(configuration);
        // OpenIddict writes whole tokens into its Trace messages ("a new JSON Web Token was
        // successfully created: eyJ...") and request parameters such as the PKCE code_verifier into
        // its Information messages. Secrets never go to a log, so its categories are capped at
        // Warning whatever the host's logging configuration says (this rule is registered after
        // it). Our own sign-in and token events log ids at Information instead.
        services.AddLogging(logging => logging.AddFilter("OpenIddict", LogLevel.Warning));
        services.TryAddSingletonTimeProvider();

        // Token keys: protected at rest by the key-protection seam; the default protector's KEK
        // comes from configuration or a key file beside (not inside) the database.
        services.AddSingleton<ISigningKeyProtector>(sp =>
        {
            var store = sp.GetRequiredService<IOptions<IdentityStoreOptions>>().Value;
            var kek = AesGcmSigningKeyProtector.LoadOrCreateKeyEncryptionKey(
                configuration["Identity:KeyProtection:Key"], Path.Combine(store.DataDirectory, "keys", "identity-token-keys.kek"));
            return new AesGcmSigningKeyProtector(kek);
        });
        services.AddSingleton<TokenKeyStore>();
        services.AddHostedService<TokenKeyRotationService>();

        services.AddIdentityCore<VaultUser>(o =>
            {
                o.User.RequireUniqueEmail = false;
                o.Password.RequiredLength = 12;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Lockout.AllowedForNewUsers = true;
            })
            .AddEntityFrameworkStores<IdentityStoreDbContext>()
            .AddDefaultTokenProviders();
        services.AddOptions<IdentityOptions>().Configure<IOptions<IdentityServerOptions>>((identity, ours) =>
        {
            identity.Lockout.MaxFailedAccessAttempts = ours.Value.LockoutThreshold;
            identity.Lockout.DefaultLockoutTimeSpan = ours.Value.LockoutDuration;
        });

        services.AddAuthorization(); // a standalone host needs it for the endpoints' AllowAnonymous metadata
        services.AddAntiforgery(o => o.Cookie.Name = "DataVault.Antiforgery");
        services.AddAccountSessions(environment);
        services.AddOneTimeCodes();

        services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<IdentityStoreDbContext>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetEndSessionEndpointUris("connect/endsession");
                o.AllowClientCredentialsFlow()
                    .AllowAuthorizationCodeFlow()
                    .RequireProofKeyForCodeExchange()
                    .AllowRefreshTokenFlow();
                // PKCE with S256 only: "plain" sends the verifier's equal over the front channel.
                o.Configure(server => server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
                o.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Phone, Scopes.OfflineAccess, UnitClaims.ApiScope);
                // claims_supported: every claim the tokens and userinfo carry (ConnectEndpoints).
                o.RegisterClaims(UnitClaims.Issued);
                // Access tokens are signed, not encrypted, so any API can validate them as JWTs.
                o.DisableAccessTokenEncryption();
                // Refresh tokens rotate on every use (OpenIddict's default). No grace period: a
                // redeemed refresh token presented again is treated as theft, and OpenIddict revokes
                // the whole authorization with every token issued from it.
                o.SetRefreshTokenReuseLeeway(null);
                var aspNetCore = o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
                if (environment.IsDevelopment())
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            });
        services.AddLocalAccessTokenValidation();

        services.AddOptions<OpenIddictServerOptions>().Configure<IOptions<IdentityServerOptions>>((server, ours) =>
        {
            var o = ours.Value;
            server.Issuer = o.Issuer;
            server.AccessTokenLifetime = o.AccessTokenLifetime;
            server.RefreshTokenLifetime = o.RefreshTokenLifetime;
            server.AuthorizationCodeLifetime = o.AuthorizationCodeLifetime;
        });
        services.AddOptions<OpenIddictServerAspNetCoreOptions>().Configure<IOptions<IdentityServerOptions>>((aspNetCore, ours) =>
        {
            if (!ours.Value.RequireHttps)
            {
                aspNetCore.DisableTransportSecurityRequirement = true;
            }
        });
        // Registered after OpenIddict's own configuration so its post-configure (which reorders keys) runs first.
        services.AddSingleton<TokenKeyConfiguration>();
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>>(sp => sp.GetRequiredService<TokenKeyConfiguration>());
        services.AddSingleton<IPostConfigureOptions<OpenIddictServerOptions>>(sp => sp.GetRequiredService<TokenKeyConfiguration>());

        services.AddScoped<ClientRegistry>();
        services.AddScoped<UserRegistry>();
        return services;
    }

    /// <summary>Maps the OpenID Connect endpoints that need our code (the rest are served by OpenIddict) and the sign-in pages.</summary>
    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapConnectEndpoints();
        app.MapAccountPages();
        return app;
    }

    /// <summary>Migrates the identity store (for verbs, which do not start the host).</summary>
    public static Task PrepareIdentityStoreAsync(this IServiceProvider services, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<IdentityStoreMigrator>().EnsureMigratedAsync(cancellationToken);

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
