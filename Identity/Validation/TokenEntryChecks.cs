using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace DataVault.Identity.Validation;

/// <summary>
/// Is the token entry (and the authorization, the refresh-token family, it was issued under)
/// behind a validly signed access token still valid in the identity store? A JWT alone cannot say:
/// revocation (<c>/connect/revoke</c>, refresh-token reuse, a replayed code) only changes the
/// stored entries. The answer is kept for <see cref="CacheFor"/>, so a revocation reaches the API
/// within that time and a busy caller costs one store lookup per token per period, not per request.
/// </summary>
internal sealed class TokenEntryChecks(IServiceScopeFactory scopes, TimeProvider time) : IDisposable
{
    /// <summary>How long an answer is trusted: a revoked token is refused at most this long after revocation.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(3);

    private readonly MemoryCache _answers = new(new MemoryCacheOptions { SizeLimit = 100_000, Clock = new TimeProviderClock(time) });

    /// <summary>Null when the token may be used, else why not (for <c>error_description</c>).</summary>
    public async ValueTask<string?> RefusalAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var tokenId = principal.FindFirst(Claims.Private.TokenId)?.Value;
        if (string.IsNullOrEmpty(tokenId))
        {
            // Every access token the server issues is stored and names its entry: fail closed.
            return "The token has no token entry";
        }
        if (_answers.TryGetValue(tokenId, out string? cached))
        {
            return cached == "" ? null : cached;
        }
        var refusal = await LookUpAsync(tokenId, principal.FindFirst(Claims.Private.AuthorizationId)?.Value, cancellationToken);
        _answers.Set(tokenId, refusal ?? "", new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheFor });
        return refusal;
    }

    private async Task<string?> LookUpAsync(string tokenId, string? authorizationId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var token = await tokens.FindByIdAsync(tokenId, cancellationToken);
        if (token is null || !await tokens.HasStatusAsync(token, Statuses.Valid, cancellationToken))
        {
            return "The token was revoked";
        }
        // The entry's own authorization, not the claim's, so a token cannot point elsewhere.
        var entryAuthorization = await tokens.GetAuthorizationIdAsync(token, cancellationToken);
        if (!string.Equals(entryAuthorization, authorizationId, StringComparison.Ordinal))
        {
            return "The token was revoked";
        }
        if (entryAuthorization is not null)
        {
            var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
            var authorization = await authorizations.FindByIdAsync(entryAuthorization, cancellationToken);
            if (authorization is null || !await authorizations.HasStatusAsync(authorization, Statuses.Valid, cancellationToken))
            {
                return "The authorization was revoked";
            }
        }
        return null;
    }

    public void Dispose() => _answers.Dispose();

#pragma warning disable CS0618 // ISystemClock is what MemoryCacheOptions.Clock takes
    private sealed class TimeProviderClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
#pragma warning restore CS0618
}
