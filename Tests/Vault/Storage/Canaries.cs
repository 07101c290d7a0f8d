using System.Globalization;
using System.Text;
using DataVault.Vault.Schema;

namespace DataVault.Tests.Vault.Storage;

/// <summary>Valid, distinctive test residents and CSV helpers. No real person's data.</summary>
internal static class Canaries
{
    /// <summary>A GB 11643-valid number for a Wuhou-registered person born on <paramref name="birth"/>.</summary>
    public static string IdNumber(string birth, int sequence, string region = "510107")
    {
        var first17 = region + birth + sequence.ToString("D3", CultureInfo.InvariantCulture);
        return first17 + ChineseIdNumber.CheckCharFor(first17);
    }

    /// <summary>The same number with a wrong check character.</summary>
    public static string WithBadCheckDigit(string id) => id[..17] + (id[17] == '0' ? '1' : '0');

    public const string Community = "510107004003";

    public static string Csv(params string[] lines) => string.Join("\n", lines) + "\n";

    public static async Task<string> WriteAsync(string directory, string name, string content, Encoding encoding)
    {
        var path = Path.Combine(directory, name);
        await File.WriteAllBytesAsync(path, encoding.GetBytes(content), TestContext.Current.CancellationToken);
        return path;
    }

    public static Encoding Gb18030
    {
        get
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding("GB18030");
        }
    }
}
