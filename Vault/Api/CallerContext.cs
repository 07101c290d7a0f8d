using System.Reflection;
using System.Security.Claims;
using DataVault.Identity.Units;

namespace DataVault.Vault.Api;

/// <summary>
/// Who is calling an API: built only from the validated access token's claims (docs/identity.md).
/// No header or query parameter can set or override any of it. Endpoints take it as a parameter;
/// the API policy has already refused any request whose token does not yield one.
/// </summary>
public sealed record CallerContext(string Subject, string Kind, string Role, string Jurisdiction, string? Department, string Unit)
{
    /// <summary>The OAuth client the call came through (the access log records it).</summary>
    public string? ClientId { get; init; }

    /// <summary>The caller for a principal, or null when its claims do not describe a valid unit (fail closed).</summary>
    public static CallerContext? FromPrincipal(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        var subject = Single(principal, "sub");
        var kind = Single(principal, UnitClaims.CallerKind);
        var role = Single(principal, UnitClaims.Role);
        var jurisdiction = Single(principal, UnitClaims.Jurisdiction);
        var department = Single(principal, UnitClaims.Department);
        if (subject is null || kind is not ("client" or "user") || role is null || jurisdiction is null
            || UnitRoles.Validate(role, jurisdiction, department) is not null)
        {
            return null;
        }
        return new CallerContext(subject, kind, role, jurisdiction, department, UnitRoles.UnitName(role, jurisdiction, department))
        {
            // The client a person signed in through; for an API client it is the subject itself.
            ClientId = kind == "client" ? subject : Single(principal, "client_id") ?? Single(principal, "azp"),
        };
    }

    /// <summary>Minimal API binding: an endpoint parameter of this type comes from the token.</summary>
    public static ValueTask<CallerContext?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult(FromPrincipal(context.User));

    // A claim present twice is ambiguous: treat it as absent rather than pick one.
    private static string? Single(ClaimsPrincipal principal, string type)
    {
        string? value = null;
        foreach (var claim in principal.FindAll(type))
        {
            if (value is not null)
            {
                return null;
            }
            value = claim.Value;
        }
        return value;
    }
}
