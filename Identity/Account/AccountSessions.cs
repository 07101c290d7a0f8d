using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DataVault.Identity.Account;

/// <summary>
/// Two cookies. <see cref="Session"/>: a person has signed in (subject and how: <c>amr</c>).
/// <see cref="Pending"/>: a first step passed (password or phone) and a second one is due; it
/// lives five minutes and grants nothing by itself.
/// </summary>
internal static class AccountSessions
{
    public const string Session = "DataVault.Session";
    public const string Pending = "DataVault.Pending";

    public const string StepClaim = "dv_step";
    public const string StepSecondFactor = "mfa";
    public const string StepEnrol = "enrol";
    public const string StepPhoneCode = "phone";

    public static IServiceCollection AddAccountSessions(this IServiceCollection services, IHostEnvironment environment)
    {
        var secure = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        services.AddAuthentication()
            .AddCookie(Session, o =>
            {
                o.Cookie.Name = "DataVault.Session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = secure;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(30);
                o.SlidingExpiration = true;
                o.LoginPath = "/account/login";
            })
            .AddCookie(Pending, o =>
            {
                o.Cookie.Name = "DataVault.Pending";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = secure;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(5);
                o.SlidingExpiration = false;
            });
        return services;
    }

    public static Task SignInSessionAsync(HttpContext http, string subject, params string[] methods)
    {
        var identity = new ClaimsIdentity(Session);
        identity.AddClaim(new Claim("sub", subject));
        foreach (var method in methods)
        {
            identity.AddClaim(new Claim("amr", method));
        }
        return http.SignInAsync(Session, new ClaimsPrincipal(identity));
    }

    public static Task SignInPendingAsync(HttpContext http, string subject, string step)
    {
        var identity = new ClaimsIdentity(Pending);
        identity.AddClaim(new Claim("sub", subject));
        identity.AddClaim(new Claim(StepClaim, step));
        return http.SignInAsync(Pending, new ClaimsPrincipal(identity));
    }

    /// <summary>The subject of the pending step, when the pending cookie is for exactly that step.</summary>
    public static async Task<string?> PendingSubjectAsync(HttpContext http, string step)
    {
        var result = await http.AuthenticateAsync(Pending);
        return result.Succeeded && result.Principal.FindFirst(StepClaim)?.Value == step ? result.Principal.FindFirst("sub")?.Value : null;
    }
}
