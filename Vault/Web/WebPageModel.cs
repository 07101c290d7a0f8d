using DataVault.Identity.Units;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace DataVault.Vault.Web;

/// <summary>Who may open a page.</summary>
internal enum PageAudience
{
    Anyone,

    /// <summary>Privacy officers (read and write) and auditors (read only), both signed in with the second factor.</summary>
    Console,

    /// <summary>Residents signed in with their phone.</summary>
    Portal,
}

/// <summary>
/// The base of every page: resolves the language and the signed-in person, and turns away whoever
/// the page is not for before any handler runs (fail closed: a page that forgets to say who it is
/// for is open to no one but <see cref="PageAudience.Anyone"/> pages, which show nothing private).
/// Anonymous to the authorization middleware, because the API's bearer scheme does not apply here:
/// the check is this filter, on the identity server's session cookie.
/// </summary>
[AllowAnonymous]
internal abstract class WebPageModel : PageModel
{
    protected abstract PageAudience Audience { get; }

    public WebText T { get; private set; } = WebText.Zh;

    /// <summary>Which part of the site the page belongs to (the layout shows its sections).</summary>
    public PageAudience Area => Audience;

    public WebUser? Person { get; private set; }

    /// <summary>The signed-in person (the filter has made sure there is one on console and portal pages).</summary>
    public WebUser Me => Person ?? throw new InvalidOperationException("no signed-in person on this page");

    /// <summary>An auditor sees the console but changes nothing.</summary>
    public bool CanWrite => Person?.Role == UnitRoles.PrivacyOfficer;

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        T = WebText.For(HttpContext);
        Person = await WebUser.FromSessionAsync(HttpContext);
        var refusal = Refuse(HttpContext.Request.Method) ?? await BeforeHandlerAsync();
        if (refusal is not null)
        {
            context.Result = refusal;
            return;
        }
        await next();
    }

    /// <summary>Runs once the person may see the page, before its handler; a result stops the handler.</summary>
    protected virtual Task<IActionResult?> BeforeHandlerAsync() => Task.FromResult<IActionResult?>(null);

    private IActionResult? Refuse(string method)
    {
        var back = Request.Path + Request.QueryString;
        switch (Audience)
        {
            case PageAudience.Anyone:
                return null;
            case PageAudience.Console:
                if (Person is null)
                {
                    return Redirect("/account/login?returnUrl=" + Uri.EscapeDataString(back));
                }
                if (Person.Role is not (UnitRoles.PrivacyOfficer or UnitRoles.Auditor))
                {
                    return Forbidden("forbidden");
                }
                if (!Person.SecondFactor)
                {
                    return Forbidden("forbidden_mfa");
                }
                // Auditors read; only privacy officers change anything, whatever the form says.
                return HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || CanWrite ? null : Forbidden("read_only");
            case PageAudience.Portal:
                if (Person is null)
                {
                    return Redirect("/account/phone?returnUrl=" + Uri.EscapeDataString(back));
                }
                return Person.Role == UnitRoles.Resident ? null : Forbidden("forbidden");
            default:
                return Forbidden("forbidden");
        }
    }

    private ContentResult Forbidden(string key) => new()
    {
        StatusCode = StatusCodes.Status403Forbidden,
        ContentType = "text/html; charset=utf-8",
        Content = WebLayout.Refusal(T, T[key]),
    };
}
