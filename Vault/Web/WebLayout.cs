using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace DataVault.Vault.Web;

/// <summary>Pieces of the layout shared by the Razor layout and the few answers made outside a page (refusals).</summary>
internal static class WebLayout
{
    // Chinese text stays readable in the page source; markup characters are still encoded.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public static readonly IReadOnlyList<(string Path, string Key)> ConsoleSections =
    [
        ("/console", "nav_policies"),
        ("/console/drafts", "nav_drafts"),
        ("/console/coverage", "nav_coverage"),
        ("/console/oversight", "nav_oversight"),
        ("/console/alerts", "nav_alerts"),
        ("/console/log", "nav_log"),
        ("/console/questions", "nav_questions"),
        ("/console/breakglass", "nav_breakglass"),
    ];

    public static readonly IReadOnlyList<(string Path, string Key)> PortalSections =
    [
        ("/portal", "nav_mydata"),
        ("/portal/log", "nav_who"),
        ("/portal/cases", "nav_cases"),
    ];

    /// <summary>The current URL with <c>lang</c> set to the other language.</summary>
    public static string SwitchLanguageUrl(HttpContext http, WebText t)
    {
        var pairs = http.Request.Query.Where(q => q.Key != "lang")
            .Select(q => new KeyValuePair<string, string?>(q.Key, q.Value.ToString())).ToList();
        pairs.Add(new("lang", t.English ? "zh" : "en"));
        return http.Request.Path + QueryString.Create(pairs).ToString();
    }

    public static string Here(HttpContext http) => http.Request.Path + http.Request.QueryString.ToString();

    /// <summary>A whole page saying no (403), in the site's style.</summary>
    public static string Refusal(WebText t, string message) => $"""
        <!DOCTYPE html>
        <html lang="{t.Lang}">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{Html.Encode(t["app"])}</title><link rel="stylesheet" href="/web/site.css"></head>
        <body><header class="site"><a class="brand" href="/">{Html.Encode(t["app"])}</a></header>
        <main id="main"><h1>{Html.Encode(t["app"])}</h1><p class="error" role="alert">{Html.Encode(message)}</p>
        <p><a href="/">{Html.Encode(t["home"])}</a></p></main></body></html>
        """;
}
