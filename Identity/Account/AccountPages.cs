using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using DataVault.Identity.Management;
using DataVault.Identity.Storage;
using DataVault.Identity.Units;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace DataVault.Identity.Account;

/// <summary>
/// The sign-in pages: plain server-rendered HTML, large type, one task per page, Chinese first.
/// Officers: username + password, then the authenticator code when they have (or must have) one.
/// Residents: phone number + one-time code. Every failure counts towards lockout.
/// </summary>
internal static partial class AccountPages
{
    private const string PhoneCodePurpose = "resident-sign-in";
    private const string AuthenticatorIssuer = "DataVault";

    private const string Css = """
        body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 1.25rem; line-height: 1.6; max-width: 30rem; margin: 0 auto; padding: 1rem; color: #111; background: #fff; }
        h1 { font-size: 1.75rem; }
        label { display: block; margin-top: 1rem; font-weight: 600; }
        input { display: block; width: 100%; box-sizing: border-box; font-size: 1.5rem; padding: .6rem; border: 2px solid #333; border-radius: .4rem; }
        button { display: block; width: 100%; margin-top: 1.5rem; font-size: 1.5rem; padding: .8rem; background: #0b4f9c; color: #fff; border: 0; border-radius: .4rem; }
        a { color: #0b4f9c; }
        .error { color: #9b1c1c; font-weight: 600; }
        .secret { font-family: monospace; font-size: 1.4rem; word-break: break-all; }
        .small { font-size: .9rem; word-break: break-all; }
        nav { text-align: right; }
        """;

    public static void MapAccountPages(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").AllowAnonymous().ExcludeFromDescription();
        account.MapGet("/login", (HttpContext http, IAntiforgery af) => LoginPage(http, af, null)).WithName("AccountLogin");
        account.MapPost("/login", PostLoginAsync).WithName("AccountLoginPost");
        account.MapGet("/mfa", (HttpContext http, IAntiforgery af) => CodePage(http, af, "/account/mfa", t => t.MfaHeading, t => t.MfaHint, null)).WithName("AccountMfa");
        account.MapPost("/mfa", PostMfaAsync).WithName("AccountMfaPost");
        account.MapGet("/enrol", GetEnrolAsync).WithName("AccountEnrol");
        account.MapPost("/enrol", PostEnrolAsync).WithName("AccountEnrolPost");
        account.MapGet("/phone", (HttpContext http, IAntiforgery af) => PhonePage(http, af, null)).WithName("AccountPhone");
        account.MapPost("/phone", PostPhoneAsync).WithName("AccountPhonePost");
        account.MapGet("/phone/code", (HttpContext http, IAntiforgery af) => CodePage(http, af, "/account/phone/code", t => t.PhoneHeading, t => t.CodeSent, null)).WithName("AccountPhoneCode");
        account.MapPost("/phone/code", PostPhoneCodeAsync).WithName("AccountPhoneCodePost");
    }

    private static async Task<IResult> PostLoginAsync(HttpContext http, IAntiforgery af, UserManager<VaultUser> users, ILoggerFactory loggers)
    {
        if (!await af.IsRequestValidAsync(http))
        {
            return Results.BadRequest();
        }
        var t = AccountText.For(http);
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var user = await users.FindByNameAsync(form["username"].ToString());
        var logger = loggers.CreateLogger("DataVault.Identity.Account");
        if (user is null || user.Role == UnitRoles.Resident)
        {
            // Same answer as a wrong password: no username oracle.
            return LoginPage(http, af, t.WrongCredentials);
        }
        if (await users.IsLockedOutAsync(user))
        {
            LogLockedOut(logger, user.Id);
            return LoginPage(http, af, t.LockedOut);
        }
        if (!await users.CheckPasswordAsync(user, form["password"].ToString()))
        {
            await users.AccessFailedAsync(user);
            LogFailure(logger, user.Id, "password");
            return LoginPage(http, af, await users.IsLockedOutAsync(user) ? t.LockedOut : t.WrongCredentials);
        }
        var returnUrl = SafeReturnUrl(form["returnUrl"]);
        if (user.TwoFactorEnabled)
        {
            await AccountSessions.SignInPendingAsync(http, user.Id, AccountSessions.StepSecondFactor);
            return Results.Redirect("/account/mfa?returnUrl=" + Uri.EscapeDataString(returnUrl));
        }
        if (UnitRoles.RequiresSecondFactor(user.Role))
        {
            await AccountSessions.SignInPendingAsync(http, user.Id, AccountSessions.StepEnrol);
            return Results.Redirect("/account/enrol?returnUrl=" + Uri.EscapeDataString(returnUrl));
        }
        await users.ResetAccessFailedCountAsync(user);
        await AccountSessions.SignInSessionAsync(http, user.Id, "pwd");
        LogSignedIn(logger, user.Id, "pwd");
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> PostMfaAsync(HttpContext http, IAntiforgery af, UserManager<VaultUser> users, ILoggerFactory loggers)
    {
        if (!await af.IsRequestValidAsync(http))
        {
            return Results.BadRequest();
        }
        var t = AccountText.For(http);
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = SafeReturnUrl(form["returnUrl"]);
        var subject = await AccountSessions.PendingSubjectAsync(http, AccountSessions.StepSecondFactor);
        var user = subject is null ? null : await users.FindByIdAsync(subject);
        if (user is null)
        {
            return LoginPage(http, af, t.StartAgain);
        }
        return await CompleteSecondFactorAsync(http, af, users, loggers, user, form["code"].ToString(), returnUrl, enrolling: false);
    }

    private static async Task<IResult> GetEnrolAsync(HttpContext http, IAntiforgery af, UserManager<VaultUser> users)
    {
        var t = AccountText.For(http);
        var subject = await AccountSessions.PendingSubjectAsync(http, AccountSessions.StepEnrol);
        var user = subject is null ? null : await users.FindByIdAsync(subject);
        if (user is null || user.TwoFactorEnabled)
        {
            return LoginPage(http, af, t.StartAgain);
        }
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }
        var uri = $"otpauth://totp/{Uri.EscapeDataString(AuthenticatorIssuer)}:{Uri.EscapeDataString(user.UserName!)}?secret={key}&issuer={Uri.EscapeDataString(AuthenticatorIssuer)}&digits=6";
        var extra = $"<p>{E(t.SecretLabel)}:</p><p class=\"secret\" id=\"secret\">{E(key!)}</p><p class=\"small\"><a href=\"{E(uri)}\">{E(uri)}</a></p>";
        return CodePage(http, af, "/account/enrol", x => x.EnrolHeading, x => x.EnrolHint, null, extra);
    }

    private static async Task<IResult> PostEnrolAsync(HttpContext http, IAntiforgery af, UserManager<VaultUser> users, ILoggerFactory loggers)
    {
        if (!await af.IsRequestValidAsync(http))
        {
            return Results.BadRequest();
        }
        var t = AccountText.For(http);
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var subject = await AccountSessions.PendingSubjectAsync(http, AccountSessions.StepEnrol);
        var user = subject is null ? null : await users.FindByIdAsync(subject);
        if (user is null || user.TwoFactorEnabled)
        {
            return LoginPage(http, af, t.StartAgain);
        }
        return await CompleteSecondFactorAsync(http, af, users, loggers, user, form["code"].ToString(), SafeReturnUrl(form["returnUrl"]), enrolling: true);
    }

    private static async Task<IResult> CompleteSecondFactorAsync(HttpContext http, IAntiforgery af, UserManager<VaultUser> users, ILoggerFactory loggers, VaultUser user, string code, string returnUrl, bool enrolling)
    {
        var t = AccountText.For(http);
        var logger = loggers.CreateLogger("DataVault.Identity.Account");
        if (await users.IsLockedOutAsync(user))
        {
            await http.SignOutAsync(AccountSessions.Pending);
            return LoginPage(http, af, t.LockedOut);
        }
        var normalised = new string([.. code.Where(char.IsAsciiDigit)]);
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, normalised))
        {
            await users.AccessFailedAsync(user);
            LogFailure(logger, user.Id, "totp");
            if (await users.IsLockedOutAsync(user))
            {
                await http.SignOutAsync(AccountSessions.Pending);
                return LoginPage(http, af, t.LockedOut);
            }
            return enrolling
                ? Results.Redirect("/account/enrol?error=1&returnUrl=" + Uri.EscapeDataString(returnUrl))
                : CodePage(http, af, "/account/mfa", x => x.MfaHeading, x => x.MfaHint, t.WrongCode);
        }
        if (enrolling)
        {
            await users.SetTwoFactorEnabledAsync(user, true);
            LogEnrolled(logger, user.Id);
        }
        await users.ResetAccessFailedCountAsync(user);
        await http.SignOutAsync(AccountSessions.Pending);
        await AccountSessions.SignInSessionAsync(http, user.Id, "pwd", "otp", "mfa");
        LogSignedIn(logger, user.Id, "pwd+otp");
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> PostPhoneAsync(HttpContext http, IAntiforgery af, UserManager<VaultUser> users, IOneTimeCodeSender sender, ILoggerFactory loggers)
    {
        if (!await af.IsRequestValidAsync(http))
        {
            return Results.BadRequest();
        }
        var t = AccountText.For(http);
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = SafeReturnUrl(form["returnUrl"]);
        var phone = UserRegistry.NormalisePhone(form["phone"].ToString());
        var user = phone is null ? null : await users.Users.FirstOrDefaultAsync(u => u.PhoneNumber == phone && u.Role == UnitRoles.Resident, http.RequestAborted);
        // The answer is the same whether or not the number is registered (no enumeration); an
        // unknown number gets a pending step no code can ever complete.
        var subject = "none:" + Guid.NewGuid().ToString("N");
        if (user is not null && !await users.IsLockedOutAsync(user))
        {
            var code = await users.GenerateUserTokenAsync(user, TokenOptions.DefaultPhoneProvider, PhoneCodePurpose);
            if (!await sender.SendAsync(phone!, code, http.RequestAborted))
            {
                return PhonePage(http, af, t.CodeNotSent);
            }
            LogCodeSent(loggers.CreateLogger("DataVault.Identity.Account"), user.Id);
            subject = user.Id;
        }
        await AccountSessions.SignInPendingAsync(http, subject, AccountSessions.StepPhoneCode);
        return Results.Redirect("/account/phone/code?returnUrl=" + Uri.EscapeDataString(returnUrl));
    }

    private static async Task<IResult> PostPhoneCodeAsync(HttpContext http, IAntiforgery af, UserManager<VaultUser> users, ILoggerFactory loggers)
    {
        if (!await af.IsRequestValidAsync(http))
        {
            return Results.BadRequest();
        }
        var t = AccountText.For(http);
        var logger = loggers.CreateLogger("DataVault.Identity.Account");
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = SafeReturnUrl(form["returnUrl"]);
        var subject = await AccountSessions.PendingSubjectAsync(http, AccountSessions.StepPhoneCode);
        if (subject is null)
        {
            return PhonePage(http, af, t.StartAgain);
        }
        var user = subject.StartsWith("none:", StringComparison.Ordinal) ? null : await users.FindByIdAsync(subject);
        if (user is null)
        {
            return CodePage(http, af, "/account/phone/code", x => x.PhoneHeading, x => x.CodeSent, t.WrongCode);
        }
        if (await users.IsLockedOutAsync(user))
        {
            await http.SignOutAsync(AccountSessions.Pending);
            return PhonePage(http, af, t.LockedOut);
        }
        var code = new string([.. form["code"].ToString().Where(char.IsAsciiDigit)]);
        if (!await users.VerifyUserTokenAsync(user, TokenOptions.DefaultPhoneProvider, PhoneCodePurpose, code))
        {
            await users.AccessFailedAsync(user);
            LogFailure(logger, user.Id, "phone-code");
            return await users.IsLockedOutAsync(user)
                ? PhonePage(http, af, t.LockedOut)
                : CodePage(http, af, "/account/phone/code", x => x.PhoneHeading, x => x.CodeSent, t.WrongCode);
        }
        // A code is good for one sign-in: rotating the security stamp invalidates it.
        await users.UpdateSecurityStampAsync(user);
        await users.ResetAccessFailedCountAsync(user);
        await http.SignOutAsync(AccountSessions.Pending);
        await AccountSessions.SignInSessionAsync(http, user.Id, "sms", "otp");
        LogSignedIn(logger, user.Id, "sms");
        return Results.Redirect(returnUrl);
    }

    /// <summary>Only our own authorization endpoint and the vault's own pages are valid places to return to: no open redirect.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is not null && !returnUrl.Contains('\\', StringComparison.Ordinal)
            && (returnUrl.StartsWith("/connect/authorize?", StringComparison.Ordinal) || IsPagePath(returnUrl, "/console") || IsPagePath(returnUrl, "/portal"))
            ? returnUrl
            : "/account/login";

    private static bool IsPagePath(string url, string root) =>
        url == root || url.StartsWith(root + "/", StringComparison.Ordinal) || url.StartsWith(root + "?", StringComparison.Ordinal);

    private static IResult LoginPage(HttpContext http, IAntiforgery af, string? error)
    {
        var t = AccountText.For(http);
        var returnUrl = SafeReturnUrl(ReturnUrlOf(http));
        var body = $"""
            <h1>{E(t.OfficerHeading)}</h1>
            {Error(error)}
            <form method="post" action="/account/login">
              {Antiforgery(http, af)}
              <input type="hidden" name="returnUrl" value="{E(returnUrl)}">
              <label for="username">{E(t.UserName)}</label>
              <input id="username" name="username" autocomplete="username" required autofocus>
              <label for="password">{E(t.Password)}</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required>
              <button type="submit">{E(t.SignIn)}</button>
            </form>
            <p><a href="/account/phone?returnUrl={E(Uri.EscapeDataString(returnUrl))}">{E(t.ResidentLink)}</a></p>
            """;
        return Page(http, t, body, error is null ? 200 : 400);
    }

    private static IResult PhonePage(HttpContext http, IAntiforgery af, string? error)
    {
        var t = AccountText.For(http);
        var returnUrl = SafeReturnUrl(ReturnUrlOf(http));
        var body = $"""
            <h1>{E(t.PhoneHeading)}</h1>
            {Error(error)}
            <form method="post" action="/account/phone">
              {Antiforgery(http, af)}
              <input type="hidden" name="returnUrl" value="{E(returnUrl)}">
              <label for="phone">{E(t.Phone)}</label>
              <input id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel" required autofocus>
              <button type="submit">{E(t.SendCode)}</button>
            </form>
            <p><a href="/account/login?returnUrl={E(Uri.EscapeDataString(returnUrl))}">{E(t.OfficerLink)}</a></p>
            """;
        return Page(http, t, body, error is null ? 200 : 400);
    }

    private static IResult CodePage(HttpContext http, IAntiforgery af, string action, Func<AccountText, string> heading, Func<AccountText, string> hint, string? error, string extra = "")
    {
        var t = AccountText.For(http);
        var returnUrl = SafeReturnUrl(ReturnUrlOf(http));
        if (error is null && http.Request.Query.ContainsKey("error"))
        {
            error = t.WrongCode;
        }
        var body = $"""
            <h1>{E(heading(t))}</h1>
            <p>{E(hint(t))}</p>
            {extra}
            {Error(error)}
            <form method="post" action="{E(action)}">
              {Antiforgery(http, af)}
              <input type="hidden" name="returnUrl" value="{E(returnUrl)}">
              <label for="code">{E(t.Code)}</label>
              <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required autofocus>
              <button type="submit">{E(t.Verify)}</button>
            </form>
            """;
        return Page(http, t, body, error is null ? 200 : 400);
    }

    private static string? ReturnUrlOf(HttpContext http) =>
        http.Request.HasFormContentType && http.Request.Form.TryGetValue("returnUrl", out var fromForm) ? fromForm.ToString() : http.Request.Query["returnUrl"].ToString();

    private static string Antiforgery(HttpContext http, IAntiforgery af)
    {
        var tokens = af.GetAndStoreTokens(http);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken!)}\">";
    }

    private static string Error(string? error) => error is null ? "" : $"<p class=\"error\" role=\"alert\">{E(error)}</p>";

    // Chinese text stays readable in the page source; markup characters are still encoded.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private static string E(string value) => Html.Encode(value);

    private static IResult Page(HttpContext http, AccountText t, string body, int status)
    {
        var path = http.Request.Path.Value ?? "/account/login";
        var query = QueryWithLang(http, t.SwitchLang);
        var html = $"""
            <!DOCTYPE html>
            <html lang="{t.Lang}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(t.Title)}</title>
            <style>
            {Css}
            </style>
            </head>
            <body>
            <nav><a href="{E(path + query)}" lang="{(t.SwitchLang == "en" ? "en" : "zh-CN")}">{E(t.Switch)}</a></nav>
            <main>
            {body}
            </main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static string QueryWithLang(HttpContext http, string lang)
    {
        var pairs = http.Request.Query.Where(q => q.Key != "lang").Select(q => new KeyValuePair<string, string?>(q.Key, q.Value.ToString())).ToList();
        if (http.Request.HasFormContentType && http.Request.Form.TryGetValue("returnUrl", out var returnUrl) && pairs.All(p => p.Key != "returnUrl"))
        {
            pairs.Add(new("returnUrl", returnUrl.ToString()));
        }
        pairs.Add(new("lang", lang));
        return QueryString.Create(pairs).ToString();
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "User {UserId} signed in ({Method})")]
    private static partial void LogSignedIn(ILogger logger, string userId, string method);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "User {UserId} failed a sign-in step ({Step})")]
    private static partial void LogFailure(ILogger logger, string userId, string step);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Warning, Message = "User {UserId} is locked out")]
    private static partial void LogLockedOut(ILogger logger, string userId);

    [LoggerMessage(EventId = 4304, Level = LogLevel.Information, Message = "User {UserId} enrolled an authenticator")]
    private static partial void LogEnrolled(ILogger logger, string userId);

    [LoggerMessage(EventId = 4305, Level = LogLevel.Information, Message = "One-time sign-in code sent to user {UserId}")]
    private static partial void LogCodeSent(ILogger logger, string userId);
}
