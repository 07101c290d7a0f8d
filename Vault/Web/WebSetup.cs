using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.WebEncoders;
using System.Text.Encodings.Web;
using System.Text.Unicode;


namespace DataVault.Vault.Web;

/// <summary>
/// The web pages: the privacy officer's console (<c>/console</c>) and the resident portal
/// (<c>/portal</c>), server-rendered Razor Pages under <c>Vault/Web/Pages</c>, no front-end build
/// and no script. They sign in through the identity server's own pages and session cookie.
/// </summary>
internal static class WebSetup
{
    /// <summary>The client the access log names for reads made through the pages.</summary>
    public const string PagesClientId = "datavault-pages";

    public const string TextSizeCookie = "dv_text";

    public static IServiceCollection AddVaultWeb(this IServiceCollection services)
    {
        // The pages live in this assembly whatever the entry assembly is (a benchmark or test host
        // starts the vault from its own), so it is named as the application part explicitly.
        services.AddRazorPages(o => o.RootDirectory = "/Web/Pages").AddApplicationPart(typeof(WebSetup).Assembly);
        // Razor's default encoder escapes every non-Latin character as a numeric entity
        // (&#x6570;&#x636E;…): Chinese-first pages would be unreadable as source and about three
        // times larger. Only the HTML-significant characters need escaping; UTF-8 carries the rest.
        services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        services.AddSingleton<WhoMaySee>();
        return services;
    }

    public static IEndpointRouteBuilder MapVaultWeb(this IEndpointRouteBuilder app)
    {
        app.MapRazorPages();
        var web = app.MapGroup("/web").AllowAnonymous().ExcludeFromDescription();
        web.MapGet("/site.css", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Text(WebStyles.Css, "text/css; charset=utf-8");
        }).WithName("WebStyles");
        // A display preference, so a plain link or GET form sets it: no script needed.
        web.MapGet("/text", (HttpContext http, string? size, string? back) =>
        {
            http.Response.Cookies.Append(TextSizeCookie, size == "large" ? "large" : "normal",
                new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true, MaxAge = TimeSpan.FromDays(365) });
            return Results.LocalRedirect(LocalOrHome(back));
        }).WithName("WebTextSize");
        web.MapPost("/signout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.BadRequest();
            }
            await http.SignOutAsync(WebUser.SessionScheme);
            return Results.LocalRedirect("/");
        }).WithName("WebSignOut");
        return app;
    }

    /// <summary>Only a path on this site (no scheme, no <c>//host</c>, no backslash): no open redirect.</summary>
    public static string LocalOrHome(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal) ? url : "/";

    public static bool LargeText(HttpContext http) => http.Request.Cookies[TextSizeCookie] == "large";
}
