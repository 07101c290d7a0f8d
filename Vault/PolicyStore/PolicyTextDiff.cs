using DiffPlex;

namespace DataVault.Vault.PolicyStore;

/// <summary>A line diff of two policy texts (DiffPlex's Myers diff), as added, removed and unchanged lines with both sides' numbers.</summary>
internal static class PolicyTextDiff
{
    public static PolicyDiff Compare(int from, string oldText, int to, string newText)
    {
        var result = Differ.Instance.CreateLineDiffs(Normalise(oldText), Normalise(newText), ignoreWhitespace: false);
        var lines = new List<PolicyDiffLine>();
        int a = 0, b = 0, added = 0, removed = 0;
        void Unchanged(int untilA)
        {
            while (a < untilA)
            {
                lines.Add(new PolicyDiffLine("unchanged", a + 1, b + 1, result.PiecesOld[a]));
                a++;
                b++;
            }
        }
        foreach (var block in result.DiffBlocks)
        {
            Unchanged(block.DeleteStartA);
            for (var i = 0; i < block.DeleteCountA; i++, a++, removed++)
            {
                lines.Add(new PolicyDiffLine("removed", a + 1, null, result.PiecesOld[a]));
            }
            for (var i = 0; i < block.InsertCountB; i++, b++, added++)
            {
                lines.Add(new PolicyDiffLine("added", null, b + 1, result.PiecesNew[b]));
            }
        }
        Unchanged(result.PiecesOld.Count);
        return new PolicyDiff(from, to, added, removed, lines);
    }

    // Line endings are not a change a privacy officer needs to review; a final newline neither.
    private static string Normalise(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
}
