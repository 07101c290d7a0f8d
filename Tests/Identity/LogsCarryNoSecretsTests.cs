using DataVault.Identity.Units;
using OtpNet;

namespace DataVault.Tests.Identity;

/// <summary>
/// Runs every flow once with every log level recorded, then looks for each secret the flows
/// handled: client secret, passwords, authenticator key and codes, one-time codes, authorization
/// codes, access, refresh and identity tokens. None may appear in any log entry.
/// </summary>
public sealed class LogsCarryNoSecretsTests : IAsyncLifetime
{
    private readonly IdentityTestHost _host = new();

    public async ValueTask InitializeAsync() => await _host.EnsureWebClientAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task AllFlows_RecordedLogs_ContainNoSecret()
    {
        var secrets = new List<string>();
        var ct = TestContext.Current.CancellationToken;

        // Client credentials, then an API call and introspection.
        var clientSecret = await _host.AddApiClientAsync("log-api", UnitRoles.StreetOfficer, "510107001");
        secrets.Add(clientSecret);
        var clientToken = await _host.ClientTokenAsync("log-api", clientSecret);
        secrets.Add(clientToken);
        (await _host.WhoAmIAsync(clientToken)).Dispose();
        (await _host.WhoAmIAsync(clientToken + "x")).Dispose();

        // An officer with enrolment of the second factor, code flow, refresh, refresh reuse.
        var password = await _host.AddUserAsync("log-po", UnitRoles.PrivacyOfficer, "510107");
        secrets.Add(password);
        var (verifier, challenge) = IdentityTestHost.NewPkce();
        secrets.Add(verifier);
        using var browser = _host.CreateBrowser();
        using var signedIn = await IdentityTestHost.SignInOfficerAsync(browser, IdentityTestHost.AuthorizeUrl(challenge), "log-po", password, key =>
        {
            secrets.Add(key!);
            var totp = new Totp(Base32Encoding.ToBytes(key)).ComputeTotp();
            secrets.Add(totp);
            return totp;
        });
        var code = IdentityTestHost.CodeFrom(signedIn);
        secrets.Add(code);
        var tokens = await IdentityTestHost.JsonAsync(await _host.RedeemCodeAsync(code, verifier));
        foreach (var name in new[] { "access_token", "refresh_token", "id_token" })
        {
            secrets.Add(tokens.GetProperty(name).GetString()!);
        }
        var refreshed = await IdentityTestHost.JsonAsync(await _host.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!));
        secrets.Add(refreshed.GetProperty("refresh_token").GetString()!);
        secrets.Add(refreshed.GetProperty("access_token").GetString()!);
        (await _host.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!)).Dispose();
        (await _host.RedeemCodeAsync(code, verifier)).Dispose();

        // A failed password.
        var loginPage = await IdentityTestHost.GetPageAsync(browser, "/account/login");
        const string wrongPassword = "wrong-password-that-must-not-be-logged";
        secrets.Add(wrongPassword);
        (await IdentityTestHost.SubmitFormAsync(browser, loginPage, new Dictionary<string, string> { ["username"] = "log-po", ["password"] = wrongPassword })).Dispose();

        // A resident with a phone code.
        await _host.AddUserAsync("log-resident", UnitRoles.Resident, "510107001001", phone: "13800138099");
        secrets.Add("13800138099");
        using var residentBrowser = _host.CreateBrowser();
        var phonePage = await IdentityTestHost.GetPageAsync(residentBrowser, "/account/phone");
        using var sent = await IdentityTestHost.FollowAsync(residentBrowser, await IdentityTestHost.SubmitFormAsync(residentBrowser, phonePage, new Dictionary<string, string> { ["phone"] = "13800138099" }));
        var oneTimeCode = _host.LatestOneTimeCode();
        secrets.Add(oneTimeCode);
        var codePage = await sent.Content.ReadAsStringAsync(ct);
        (await IdentityTestHost.SubmitFormAsync(residentBrowser, codePage, new Dictionary<string, string> { ["code"] = oneTimeCode })).Dispose();

        var log = string.Join("\n", _host.Logs.Entries);
        Assert.True(_host.Logs.Entries.Count > 50, "the recorder saw too little to prove anything");
        Assert.Contains("signed in", log, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            // Six-digit codes are short: look for them only as whole words to avoid matching ids by chance.
            var found = secret.Length <= 6
                ? System.Text.RegularExpressions.Regex.IsMatch(log, $@"(?<![0-9A-Za-z]){secret}(?![0-9A-Za-z])")
                : log.Contains(secret, StringComparison.Ordinal);
            var where = found ? _host.Logs.Entries.FirstOrDefault(e => e.Contains(secret, StringComparison.Ordinal))?.Replace(secret, "[SECRET]", StringComparison.Ordinal)[..400] : null;
            Assert.False(found, $"a secret of length {secret.Length} appears in the log, entry {where}");
        }
        // The signature part alone must not appear either (a truncated token is still a token).
        foreach (var token in secrets.Where(s => s.Count(c => c == '.') == 2))
        {
            Assert.DoesNotContain(token.Split('.')[2], log, StringComparison.Ordinal);
        }
    }
}
