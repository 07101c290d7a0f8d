using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace DataVault.Vault.Api;

/// <summary>How the API writes JSON.</summary>
internal static class ApiJson
{
    /// <summary>
    /// Chinese (every script) is written as UTF-8, not as <c>\uXXXX</c> escapes: the values are mostly
    /// Chinese, and escaping them made a page of 20 residents almost twice the bytes and most of its JSON
    /// time. The encoder still escapes what is HTML-sensitive (<c>&lt; &gt; &amp; ' "</c>) and control
    /// characters, so a value pasted into a page cannot break out of it.
    /// </summary>
    public static void Configure(Microsoft.AspNetCore.Http.Json.JsonOptions options) =>
        options.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);

    /// <summary>The API's options for code that writes JSON itself (tests, tools).</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };
}
