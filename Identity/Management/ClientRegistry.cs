using System.Text.Json;
using DataVault.Identity.Units;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace DataVault.Identity.Management;

/// <summary>An API consumer as an operator sees it (never its secret).</summary>
public sealed record ClientSummary(string ClientId, string Role, string Jurisdiction, string? Department);

/// <summary>
/// Registers API consumers (client credentials, one unit each) and the browser clients. OpenIddict
/// stores client secrets hashed (PBKDF2); the clear secret exists only in the operator's file.
/// </summary>
internal sealed class ClientRegistry(IOpenIddictApplicationManager applications)
{
    public const int MinimumSecretLength = 32;

    /// <summary>Registers an API consumer; returns the reason it was refused, or null.</summary>
    public async Task<string?> AddApiClientAsync(string clientId, string role, string jurisdiction, string? department, string secret, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(clientId) || clientId.Length > 100 || clientId.Any(char.IsWhiteSpace))
        {
            return "client id must be 1-100 characters without spaces";
        }
        if (UnitRoles.Validate(role, jurisdiction, department) is { } invalid)
        {
            return invalid;
        }
        if (role == UnitRoles.Resident)
        {
            return "residents sign in in person; an API client cannot hold the resident role";
        }
        if (secret.Length < MinimumSecretLength)
        {
            return $"the secret must be at least {MinimumSecretLength} characters";
        }
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not null)
        {
            return $"client '{clientId}' already exists";
        }
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = UnitRoles.UnitName(role, jurisdiction, department),
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Introspection,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + UnitClaims.ApiScope,
            },
        };
        descriptor.Properties[UnitClaims.Role] = JsonSerializer.SerializeToElement(role);
        descriptor.Properties[UnitClaims.Jurisdiction] = JsonSerializer.SerializeToElement(jurisdiction);
        if (department is not null)
        {
            descriptor.Properties[UnitClaims.Department] = JsonSerializer.SerializeToElement(department);
        }
        await applications.CreateAsync(descriptor, cancellationToken);
        return null;
    }

    /// <summary>
    /// Registers a public browser client (authorization code + PKCE, no secret: a browser cannot keep one).
    /// </summary>
    public async Task<string?> AddBrowserClientAsync(string clientId, string displayName, IEnumerable<Uri> redirectUris, IEnumerable<Uri> postLogoutRedirectUris, CancellationToken cancellationToken)
    {
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not null)
        {
            return $"client '{clientId}' already exists";
        }
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = displayName,
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.EndSession,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile,
                Permissions.Scopes.Phone,
                Permissions.Prefixes.Scope + UnitClaims.ApiScope,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in redirectUris)
        {
            descriptor.RedirectUris.Add(uri);
        }
        foreach (var uri in postLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(uri);
        }
        await applications.CreateAsync(descriptor, cancellationToken);
        return null;
    }

    public async Task<IReadOnlyList<ClientSummary>> ListApiClientsAsync(CancellationToken cancellationToken)
    {
        var result = new List<ClientSummary>();
        await foreach (var application in applications.ListAsync(count: null, offset: null, cancellationToken))
        {
            if (await FindUnitAsync(application, cancellationToken) is { } unit)
            {
                result.Add(unit);
            }
        }
        return [.. result.OrderBy(c => c.ClientId, StringComparer.Ordinal)];
    }

    /// <summary>The unit an API client is registered for, or null when it is not an API consumer.</summary>
    public async Task<ClientSummary?> FindUnitAsync(object application, CancellationToken cancellationToken)
    {
        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        if (!properties.TryGetValue(UnitClaims.Role, out var role) || !properties.TryGetValue(UnitClaims.Jurisdiction, out var jurisdiction))
        {
            return null;
        }
        var department = properties.TryGetValue(UnitClaims.Department, out var d) ? d.GetString() : null;
        var clientId = await applications.GetClientIdAsync(application, cancellationToken);
        return new ClientSummary(clientId!, role.GetString()!, jurisdiction.GetString()!, department);
    }

    public async Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return false;
        }
        // Deleting the application deletes its authorizations and tokens with it.
        await applications.DeleteAsync(application, cancellationToken);
        return true;
    }
}
