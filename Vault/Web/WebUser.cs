using DataVault.Identity.Storage;
using DataVault.Identity.Units;
using DataVault.Vault.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace DataVault.Vault.Web;

/// <summary>
/// The person behind a page request, read from the identity server's own session cookie (the one
/// its sign-in pages set) and the user store: no second login. The cookie holds only the subject
/// and how they signed in (<c>amr</c>); role and jurisdiction come from the store on each request,
/// so a locked or re-roled account stops at its next click.
/// </summary>
internal sealed record WebUser(string Subject, string UserName, string Role, string Jurisdiction, string? Department, string? Phone, bool SecondFactor)
{
    /// <summary>The identity server's session cookie scheme (Identity/Account/AccountSessions.cs).</summary>
    public const string SessionScheme = "DataVault.Session";

    public string Unit => UnitRoles.UnitName(Role, Jurisdiction, Department);

    /// <summary>The same caller the API would build from this person's token, for the services the pages share with it.</summary>
    public CallerContext Caller => new(Subject, "user", Role, Jurisdiction, Department, Unit) { ClientId = WebSetup.PagesClientId };

    public static async Task<WebUser?> FromSessionAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(SessionScheme);
        var subject = result.Succeeded ? result.Principal!.FindFirst("sub")?.Value : null;
        if (subject is null)
        {
            return null;
        }
        var users = http.RequestServices.GetRequiredService<UserManager<VaultUser>>();
        var user = await users.FindByIdAsync(subject);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            return null;
        }
        var mfa = result.Principal!.FindAll("amr").Any(c => c.Value == "mfa");
        return new WebUser(user.Id, user.UserName ?? "", user.Role, user.Jurisdiction, user.Department, user.PhoneNumber, mfa);
    }
}
