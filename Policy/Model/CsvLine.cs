namespace DataVault.Policy;

/// <summary>Splits one line of comma-separated fields with Casbin's policy quoting (for request lines in tools).</summary>
public static class CsvLine
{
    /// <summary>The trimmed fields of <paramref name="line"/>, or null with the reason when a quote is not closed.</summary>
    public static IReadOnlyList<string>? Split(string line, out string? error)
    {
        error = Model.PolicyCsv.SplitLine(line.Trim(), out var fields, out _);
        return error is null ? fields : null;
    }
}
