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

    [GeneratedRegex(@"[\u4e00-\u9fff][:,;!?()]")]
    private static partial Regex HalfWidthAfterChinese();
}
