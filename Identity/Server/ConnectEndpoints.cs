using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore;
using DataVault.Identity.Account;
using DataVault.Identity.Management;
using DataVault.Identity.Storage;
using DataVault.Identity.Units;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace DataVault.Identity.Server;

/// <summary>
/// The endpoints OpenIddict passes through to us once it has validated the protocol request:
/// authorize (who is signed in, and may they have a code), token (what goes in the token),
/// userinfo and end-session. Discovery, JWKS, introspection and revocation are OpenIddict's own.
/// </summary>
internal static partial class ConnectEndpoints
{
    public static void MapConnectEndpoints(this IEndpointRouteBuilder app)
    {
        var connect = app.MapGroup("/connect").AllowAnonymous().ExcludeFromDescription();
        connect.MapMethods("/authorize", ["GET", "POST"], (Delegate)AuthorizeAsync).WithName("ConnectAuthorize");
        connect.MapPost("/token", TokenAsync).WithName("ConnectToken");
        connect.MapMethods("/userinfo", ["GET", "POST"], (Delegate)UserInfoAsync).WithName("ConnectUserInfo");
        connect.MapMethods("/endsession", ["GET", "POST"], (Delegate)EndSessionAsync).WithName("ConnectEndSession");
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, UserManager<VaultUser> users, ILoggerFactory loggers)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict did not attach the authorization request.");
        var session = await http.AuthenticateAsync(AccountSessions.Session);
        if (!session.Succeeded || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not signed in.");
            }
            if (session.Succeeded)
            {
                await http.SignOutAsync(AccountSessions.Session);
            }
            var parameters = http.Request.HasFormContentType ? http.Request.Form.Where(p => p.Key != Parameters.Prompt) : http.Request.Query.Where(p => p.Key != Parameters.Prompt);
            var returnUrl = "/connect/authorize" + QueryString.Create(parameters.ToList());
            return Results.Redirect("/account/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        }

        var user = await users.FindByIdAsync(session.Principal.FindFirst("sub")?.Value ?? "");
        if (user is null || await users.IsLockedOutAsync(user))
        {
            await http.SignOutAsync(AccountSessions.Session);
            return Forbid(Errors.AccessDenied, "The account is not available.");
        }
        var methods = session.Principal.FindAll(Amr).Select(c => c.Value).ToImmutableArray();
        // Defence in depth: the pages never start a session for these roles without the second
        // factor, and this refuses a code to any session that lacks it.
        if (UnitRoles.RequiresSecondFactor(user.Role) && !methods.Contains("mfa"))
        {
            LogSecondFactorMissing(loggers.CreateLogger("DataVault.Identity.Server"), user.Id);
            return Forbid(Errors.AccessDenied, "This role requires a second factor.");
        }

        var identity = UserIdentity(user, methods);
        identity.SetScopes(request.GetScopes());
        identity.SetResources(UnitClaims.ApiAudience);
        identity.SetDestinations(ClaimDestinations);
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> TokenAsync(HttpContext http, UserManager<VaultUser> users, IOpenIddictApplicationManager applications, ClientRegistry clients, ILoggerFactory loggers)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict did not attach the token request.");
        if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has already authenticated the client (hashed secret) before we get here.
            var application = await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted);
            var unit = application is null ? null : await clients.FindUnitAsync(application, http.RequestAborted);
            if (unit is null)
            {
                return Forbid(Errors.UnauthorizedClient, "This client is not registered for a unit.");
            }
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, unit.ClientId);
            identity.SetClaim(UnitClaims.CallerKind, "client");
            AddUnit(identity, unit.Role, unit.Jurisdiction, unit.Department);
            identity.SetScopes(request.GetScopes());
            identity.SetResources(UnitClaims.ApiAudience);
            identity.SetDestinations(_ => [OpenIddictConstants.Destinations.AccessToken]);
            LogTokenIssued(loggers.CreateLogger("DataVault.Identity.Server"), unit.ClientId, request.GrantType!);
            return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // OpenIddict has validated the code or refresh token (and PKCE, and that it was not
            // already redeemed). Re-read the user so a locked or changed account takes effect now.
            var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = result.Principal?.GetClaim(Claims.Subject) is { } subject ? await users.FindByIdAsync(subject) : null;
            if (user is null || await users.IsLockedOutAsync(user))
            {
                return Forbid(Errors.InvalidGrant, "The account is no longer available.");
            }
            var methods = AuthenticationMethods(result.Principal!);
            var identity = UserIdentity(user, methods);
            identity.SetScopes(result.Principal!.GetScopes());
            identity.SetResources(result.Principal!.GetResources());
            identity.SetDestinations(ClaimDestinations);
            LogTokenIssued(loggers.CreateLogger("DataVault.Identity.Server"), user.Id, request.GrantType!);
            return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Forbid(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, UserManager<VaultUser> users)
    {
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var user = result.Principal?.GetClaim(Claims.Subject) is { } subject ? await users.FindByIdAsync(subject) : null;
        if (user is null)
        {
            return Results.Challenge(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The user no longer exists.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }
        var claims = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [Claims.Subject] = user.Id,
            [UnitClaims.Role] = user.Role,
            [UnitClaims.Jurisdiction] = user.Jurisdiction,
            [UnitClaims.Unit] = UnitRoles.UnitName(user.Role, user.Jurisdiction, user.Department),
        };
        if (user.Department is not null)
        {
            claims[UnitClaims.Department] = user.Department;
        }
        if (result.Principal!.HasScope(Scopes.Profile) && user.Role != UnitRoles.Resident)
        {
            claims[Claims.Name] = user.UserName;
        }
        if (result.Principal!.HasScope(Scopes.Phone) && user.PhoneNumber is not null)
        {
            claims[Claims.PhoneNumber] = user.PhoneNumber;
            claims[Claims.PhoneNumberVerified] = user.PhoneNumberConfirmed;
        }
        return Results.Ok(claims);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(AccountSessions.Session);
        // OpenIddict redirects to the validated post_logout_redirect_uri, or to RedirectUri.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/login" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static ClaimsIdentity UserIdentity(VaultUser user, IEnumerable<string> methods)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id);
        identity.SetClaim(UnitClaims.CallerKind, "user");
        if (user.Role != UnitRoles.Resident)
        {
            identity.SetClaim(Claims.Name, user.UserName);
        }
        AddUnit(identity, user.Role, user.Jurisdiction, user.Department);
        // RFC 8176: amr is a JSON array even with one method (a plain claim would be a string).
        identity.AddClaim(new Claim(Amr, JsonSerializer.Serialize(methods.Distinct(StringComparer.Ordinal).ToArray()), JsonClaimValueTypes.JsonArray));
        return identity;
    }

    private const string Amr = UnitClaims.AuthenticationMethods;

    /// <summary>The methods a code or refresh token carries: one JSON-array claim, or (older tokens) one claim per method.</summary>
    private static IEnumerable<string> AuthenticationMethods(ClaimsPrincipal principal) =>
        principal.FindAll(Amr).SelectMany(c => c.ValueType == JsonClaimValueTypes.JsonArray
            ? JsonSerializer.Deserialize<string[]>(c.Value) ?? []
            : [c.Value]);

    private static void AddUnit(ClaimsIdentity identity, string role, string jurisdiction, string? department)
    {
        identity.SetClaim(UnitClaims.Role, role);
        identity.SetClaim(UnitClaims.Jurisdiction, jurisdiction);
        identity.SetClaim(UnitClaims.Department, department);
        identity.SetClaim(UnitClaims.Unit, UnitRoles.UnitName(role, jurisdiction, department));
    }

    /// <summary>Which token each claim goes into: the unit and authentication methods into both, the name into the identity token only with the profile scope.</summary>
    private static IEnumerable<string> ClaimDestinations(Claim claim) => claim.Type switch
    {
        Claims.Name when claim.Subject?.HasScope(Scopes.Profile) == true => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Name => [OpenIddictConstants.Destinations.AccessToken],
        Claims.Subject or UnitClaims.Role or UnitClaims.Jurisdiction or UnitClaims.Department or UnitClaims.Unit or UnitClaims.CallerKind or Amr
            => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        // Security stamps and anything else stay out of tokens.
        _ => [],
    };

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Information, Message = "Issued tokens to {Subject} ({GrantType})")]
    private static partial void LogTokenIssued(ILogger logger, string subject, string grantType);

    [LoggerMessage(EventId = 4401, Level = LogLevel.Warning, Message = "Refused an authorization code to user {UserId}: second factor required")]
    private static partial void LogSecondFactorMissing(ILogger logger, string userId);
}
