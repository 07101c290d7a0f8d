using System.Globalization;
using System.Net;
using System.Text.Json;
using DataVault.Tests.Identity;
using DataVault.Tests.Vault.Api;
using DataVault.Tests.Vault.Storage;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Tests.Vault.ResidentApi;

/// <summary>Intent methods for the resident API tests, on top of the shared <see cref="ApiTestHost"/>.</summary>
internal static class ResidentApiTestKit
{
    public const string Service = "community_service";

    /// <summary>The purpose a community registers and corrects its residents under: its policy lines say <c>write</c> (policy.csv).</summary>
    public const string Collection = "data_collection";

    /// <summary>A valid GB 11643 ID number for a made-up person (district 510107, born 1980-01-01).</summary>
    public static string IdNumber(int serial)
    {
        var first17 = "51010719800101" + serial.ToString("000", CultureInfo.InvariantCulture);
        return first17 + ChineseIdNumber.CheckCharFor(first17);
    }

    /// <summary>A validated resident of <paramref name="community"/> (community Y by default) for the store-level writer tests.</summary>
    public static ValidResident Valid(TestVault vault, int serial, string? phone, string community = "510107004003", string? grid = null)
    {
        var fields = new Dictionary<string, string?> { ["name"] = "测试", ["id_number"] = IdNumber(serial), ["community"] = community, ["phone"] = phone, ["grid"] = grid };
        var outcome = vault.Get<ResidentValidator>().Validate(1, fields);
        Assert.True(outcome.IsValid, string.Join("; ", outcome.Errors));
        return outcome.Resident!;
    }

    public static Dictionary<string, object?> NewResident(string community, int serial, string? address = null) => new()
    {
        ["name"] = "测试" + serial.ToString(CultureInfo.InvariantCulture),
        ["id_number"] = IdNumber(serial),
        ["community"] = community,
        ["phone"] = "1391234" + serial.ToString("0000", CultureInfo.InvariantCulture),
        ["address"] = address ?? "四川省成都市武侯区玉林街道测试小区1栋",
    };

    public static Task<HttpResponseMessage> CreateAsync(this ApiTestHost host, string token, Dictionary<string, object?> fields, string purpose = Collection) =>
        host.SendAsync(HttpMethod.Post, "/api/v1/residents", token, purpose, new { fields });

    public static Task<HttpResponseMessage> PatchAsync(this ApiTestHost host, string token, string id, string? ifMatch, Dictionary<string, object?> fields, string purpose = Collection) =>
        host.SendAsync(HttpMethod.Patch, $"/api/v1/residents/{id}", token, purpose, new { fields },
            r => { if (ifMatch is not null) { r.Headers.TryAddWithoutValidation("If-Match", ifMatch); } });

    public static Task<HttpResponseMessage> LookupAsync(this ApiTestHost host, string token, object body, string purpose = Service) =>
        host.SendAsync(HttpMethod.Post, "/api/v1/residents/lookup", token, purpose, body);

    public static Task<HttpResponseMessage> RevealAsync(this ApiTestHost host, string token, string id, string field, string reason, string purpose) =>
        host.SendAsync(HttpMethod.Post, $"/api/v1/residents/{id}/reveal", token, purpose, new { field, reason });

    /// <summary>Follows <c>nextCursor</c> to the end; returns every id served, in order, and the number of pages.</summary>
    public static async Task<(List<string> Ids, int Pages)> ListAllAsync(this ApiTestHost host, string token, string query, int limit, string purpose = Service)
    {
        var ids = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var path = $"/api/v1/residents?{query}&limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await host.GetAsync(path, token, purpose);
            var page = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
            var items = page.GetProperty("items");
            Assert.True(items.GetArrayLength() <= limit);
            ids.AddRange(items.EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            pages++;
            Assert.True(pages < 1000, "the cursor never ends");
        }
        while (cursor is not null);
        return (ids, pages);
    }

    /// <summary>Every access-log row, oldest first (read straight from the store).</summary>
    public static async Task<List<AccessLogRow>> LogRowsAsync(this ApiTestHost host)
    {
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await db.Set<AccessLogRow>().AsNoTracking().OrderBy(r => r.RecordedAtUnixMs).ThenBy(r => r.Index).ToListAsync(TestContext.Current.CancellationToken);
    }

    public static async Task<string> TextAsync(HttpResponseMessage response) =>
        await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

    /// <summary>A resident's own access token, through the phone sign-in (residents have no API clients).</summary>
    public static async Task<string> ResidentTokenAsync(this ApiTestHost api, string community, string phone)
    {
        var host = api.Host;
        await host.EnsureWebClientAsync();
        await host.AddUserAsync("resident-" + phone, DataVault.Identity.Units.UnitRoles.Resident, community, phone: phone);
        var (verifier, challenge) = IdentityTestHost.NewPkce();
        using var browser = host.CreateBrowser();
        using var toLogin = await IdentityTestHost.FollowAsync(browser, await browser.GetAsync(IdentityTestHost.AuthorizeUrl(challenge, "openid phone offline_access datavault"), TestContext.Current.CancellationToken));
        var login = await toLogin.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var phoneLink = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(login, "href=\"(/account/phone[^\"]*)\"").Groups[1].Value);
        var phonePage = await IdentityTestHost.GetPageAsync(browser, phoneLink);
        using var sent = await IdentityTestHost.FollowAsync(browser, await IdentityTestHost.SubmitFormAsync(browser, phonePage, new Dictionary<string, string> { ["phone"] = phone }));
        var codePage = await sent.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var signedIn = await IdentityTestHost.FollowAsync(browser, await IdentityTestHost.SubmitFormAsync(browser, codePage, new Dictionary<string, string> { ["code"] = host.LatestOneTimeCode() }));
        var tokens = await IdentityTestHost.JsonAsync(await host.RedeemCodeAsync(IdentityTestHost.CodeFrom(signedIn), verifier));
        return tokens.GetProperty("access_token").GetString()!;
    }
}
