using System.Collections.Frozen;
using System.Reflection;
using System.Text.RegularExpressions;
using DataVault.Identity.Account;
using DataVault.Vault.Web;

namespace DataVault.Tests.Web;

/// <summary>Issue 15, item 6: Chinese UI text uses full-width punctuation (<c>居民：查看我的信息</c>, not <c>居民:</c>).</summary>
public sealed partial class ChineseTextPunctuationTests
{
    [Fact]
    public void PagesAndSignInText_InChinese_UseFullWidthPunctuation()
    {
        var words = (FrozenDictionary<string, (string Zh, string En)>)typeof(WebText).GetField("Words", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        var account = typeof(AccountText).GetProperties().Where(p => p.PropertyType == typeof(string)).Select(p => (p.Name, Text: (string)p.GetValue(AccountText.Zh)!));
        var texts = words.Select(w => (Name: w.Key, Text: w.Value.Zh)).Concat(account).ToList();

        var halfWidth = texts.Where(t => HalfWidthAfterChinese().IsMatch(t.Text)).Select(t => $"{t.Name}: {t.Text}").ToList();

        Assert.True(texts.Count > 100, $"only {texts.Count} texts found: the reflection no longer reaches the word lists");
        Assert.True(halfWidth.Count == 0, "half-width punctuation after Chinese:\n" + string.Join('\n', halfWidth));
    }

    [Fact]
    public void ComposedText_InChinese_UsesFullWidthBrackets_AndColons_InEnglishHalfWidth()
    {
        // The portal's "who may see" line and the log's field list are composed from words.
        var zh = WebText.Zh.Labelled(WebText.Zh.WithNote(WebText.Zh["role_caseworker"], WebText.Zh["dept_health"]), WebText.Zh["fid_clear"]);
        var en = WebText.En.Labelled(WebText.En.WithNote(WebText.En["role_caseworker"], WebText.En["dept_health"]), WebText.En["fid_clear"]);

        Assert.False(HalfWidthAfterChinese().IsMatch(zh), zh);
        Assert.Equal($"{WebText.Zh["role_caseworker"]}（{WebText.Zh["dept_health"]}）：{WebText.Zh["fid_clear"]}", zh);
        Assert.Equal($"{WebText.En["role_caseworker"]} ({WebText.En["dept_health"]}): {WebText.En["fid_clear"]}", en);
    }

    [GeneratedRegex(@"[\u4e00-\u9fff][:,;!?()]")]
    private static partial Regex HalfWidthAfterChinese();
}
