using Microsoft.AspNetCore.Http;

namespace DataVault.Identity.Account;

/// <summary>The sign-in pages' words, Chinese first; <c>?lang=en</c> switches (remembered in a cookie).</summary>
internal sealed record AccountText(
    string Lang, string Title, string OfficerHeading, string UserName, string Password, string SignIn,
    string ResidentLink, string OfficerLink, string PhoneHeading, string Phone, string SendCode, string CodeSent,
    string Code, string Verify, string MfaHeading, string MfaHint, string EnrolHeading, string EnrolHint, string SecretLabel,
    string WrongCredentials, string LockedOut, string WrongCode, string StartAgain, string CodeNotSent, string Switch, string SwitchLang)
{
    public const string Cookie = "dv_lang";

    public static readonly AccountText Zh = new(
        "zh-CN", "DataVault 登录", "工作人员登录", "用户名", "密码", "登录",
        "居民用手机号登录", "工作人员用账号登录", "居民登录", "手机号", "发送验证码", "如果该号码已登记，验证码已发送。",
        "验证码", "确认", "第二步：动态验证码", "请输入身份验证器应用中的 6 位数字。", "设置身份验证器", "您的角色必须使用第二重验证。请在身份验证器应用中添加以下密钥，然后输入应用显示的 6 位数字。", "密钥",
        "用户名或密码错误。", "尝试次数过多，账户已暂时锁定。请稍后再试或联系管理员。", "验证码错误或已过期。", "请重新开始登录。", "暂时无法发送验证码，请联系社区工作人员。", "English", "en");

    public static readonly AccountText En = new(
        "en", "DataVault sign-in", "Staff sign-in", "Username", "Password", "Sign in",
        "Residents: sign in with your phone", "Staff: sign in with your account", "Resident sign-in", "Phone number", "Send code", "If this number is registered, a code has been sent.",
        "Code", "Confirm", "Step 2: one-time code", "Enter the 6 digits shown in your authenticator app.", "Set up your authenticator", "Your role requires a second factor. Add this key to an authenticator app, then enter the 6 digits it shows.", "Key",
        "Wrong username or password.", "Too many attempts: the account is locked for now. Try again later or ask an administrator.", "Wrong or expired code.", "Please start signing in again.", "The code cannot be sent right now; please ask your community office.", "中文", "zh");

    public static AccountText For(HttpContext http)
    {
        var requested = http.Request.Query["lang"].ToString();
        if (requested is "en" or "zh")
        {
            http.Response.Cookies.Append(Cookie, requested, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true, MaxAge = TimeSpan.FromDays(365) });
            return requested == "en" ? En : Zh;
        }
        return http.Request.Cookies[Cookie] == "en" ? En : Zh;
    }
}
