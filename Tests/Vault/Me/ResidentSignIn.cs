using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DataVault.Identity.Units;
using DataVault.Tests.Identity;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Me;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;

namespace DataVault.Tests.Vault.Me;

/// <summary>A resident with a record and an account, signed in through the real phone + one-time-code flow.</summary>
internal sealed record SignedInResident(string ResidentId, string Phone, string Community, string Token);

/// <summary>Intent methods for the resident's side of the API, on top of <see cref="ApiTestHost"/>.</summary>
internal static partial class ResidentSignIn
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Stores a resident record carrying <paramref name="phone"/> (through the validator and writer), and returns its id.</summary>
    public static async Task<string> CreateRecordAsync(this ApiTestHost host, string community, string phone, string? idNumberSeedPhone = null)
    {
        var fields = await DemoResidentRecords.PersonAsync(idNumberSeedPhone ?? phone, community, host.Get<JurisdictionTree>(), host.Get<ResidentReader>(), Ct);
        fields["phone"] = phone;
        var outcome = host.Get<ResidentValidator>().Validate(1, fields.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
        Assert.True(outcome.IsValid, string.Join("; ", outcome.Errors));
        var written = await host.Get<ResidentWriter>().WriteAsync([outcome.Resident!], Ct);
        return written[0].ResidentId;
    }

    /// <summary>A resident record, the matching account, and a token from the phone sign-in.</summary>
    public static async Task<SignedInResident> ResidentAsync(this ApiTestHost host, string community, string phone)
    {
        var id = await host.CreateRecordAsync(community, phone);
        await host.Host.AddUserAsync("resident." + phone, UnitRoles.Resident, community, phone: phone);
        return new SignedInResident(id, phone, community, await host.ResidentTokenAsync(phone));
    }

    /// <summary>Signs in with the phone and the code from the outbox (PKCE, authorization code), and returns the access token.</summary>
    public static async Task<string> ResidentTokenAsync(this ApiTestHost host, string phone)
    {
        var identity = host.Host;
        await identity.EnsureWebClientAsync();
        var (verifier, challenge) = IdentityTestHost.NewPkce();
        using var browser = identity.CreateBrowser();
        using var toLogin = await IdentityTestHost.FollowAsync(browser, await browser.GetAsync(IdentityTestHost.AuthorizeUrl(challenge, "openid phone offline_access datavault"), Ct));
        var login = await toLogin.Content.ReadAsStringAsync(Ct);
        var phoneLink = WebUtility.HtmlDecode(PhoneLink().Match(login).Groups[1].Value);
        var phonePage = await IdentityTestHost.GetPageAsync(browser, phoneLink);
        using var sent = await IdentityTestHost.FollowAsync(browser, await IdentityTestHost.SubmitFormAsync(browser, phonePage, new Dictionary<string, string> { ["phone"] = phone }));
        var codePage = await sent.Content.ReadAsStringAsync(Ct);
        using var signedIn = await IdentityTestHost.FollowAsync(browser, await IdentityTestHost.SubmitFormAsync(browser, codePage, new Dictionary<string, string> { ["code"] = identity.LatestOneTimeCode() }));
        var tokens = await IdentityTestHost.JsonAsync(await identity.RedeemCodeAsync(IdentityTestHost.CodeFrom(signedIn), verifier));
        return tokens.GetProperty("access_token").GetString()!;
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await ApiTestHost.JsonAsync(response, expected);
        return body.Deserialize<T>(Json)!;
    }

    /// <summary>Every entry of the resident's log, following the cursors.</summary>
    public static async Task<List<MyAccessEntry>> MyLogAsync(this ApiTestHost host, string token, int limit = 50)
    {
        var entries = new List<MyAccessEntry>();
        string? cursor = null;
        do
        {
            using var response = await host.GetAsync($"/api/v1/me/access-log?limit={limit}" + (cursor is null ? "" : "&cursor=" + cursor), token, null);
            var page = await ReadAsync<AccessLogPage<MyAccessEntry>>(response);
            entries.AddRange(page.Entries);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return entries;
    }

    public static async Task<IReadOnlyList<LogPublicKey>> LogKeysAsync(this ApiTestHost host, string token)
    {
        using var response = await host.GetAsync("/api/v1/access-log/keys", token, null);
        return await ReadAsync<List<LogPublicKey>>(response);
    }

    /// <summary>An officer's read of a resident; returns where it was logged.</summary>
    public static async Task<(string LogId, long Index)> OfficerReadAsync(this ApiTestHost host, string token, string residentId, string purpose = "community_service")
    {
        using var response = await host.GetAsync($"/api/v1/residents/{residentId}", token, purpose);
        var body = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
        var log = body.GetProperty("log");
        return (log.GetProperty("logId").GetString()!, log.GetProperty("index").GetInt64());
    }

    [GeneratedRegex("href=\"(/account/phone[^\"]*)\"")]
    private static partial Regex PhoneLink();
}
