namespace DataVault.Vault.Aggregates;

/// <summary>
/// k-anonymous cell suppression with complementary suppression (DESIGN.md, "Views"; L1: counts below
/// k suppressed). Primary: every cell with 0 &lt; count &lt; k. Complementary: while the
/// <see cref="SuppressionAuditor"/> finds a suppressed cell a reader could compute (a total minus its
/// published siblings, or any longer chain of relations), another cell of one of its relations is
/// suppressed too. Deterministic: the same table always yields the same pattern.
/// </summary>
public static class CellSuppressor
{
    /// <summary>One flag per cell: true where the cell must not be published.</summary>
    public static bool[] Suppress(CountTable table, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        var suppressed = new bool[table.Size];
        for (var i = 0; i < table.Size; i++)
        {
            suppressed[i] = table.Counts[i] > 0 && table.Counts[i] < k;
        }
        Complete(table, suppressed);
        return suppressed;
    }

    /// <summary>
    /// Adds complementary suppressions to <paramref name="suppressed"/> until no suppressed cell is
    /// determined by the published cells and relations (<see cref="SuppressionAuditor.Determined"/>)
    /// nor pinned at 1 by a relation (<see cref="SuppressionAuditor.PinnedAtOne"/>).
    /// </summary>
    public static void Complete(CountTable table, bool[] suppressed)
    {
        while (true)
        {
            var determined = SuppressionAuditor.Determined(table, suppressed)
                .Union(SuppressionAuditor.PinnedAtOne(table, suppressed)).Order().ToList();
            if (determined.Count == 0)
            {
                return;
            }
            // Fix every determined cell of this round, then audit again: one elimination per round
            // rather than per added cell. A cell whose relations already gained a suppression this
            // round waits for the next audit, which may find it protected by that one.
            var touched = new HashSet<int>();
            var added = 0;
            foreach (var cell in determined)
            {
                if (table.RelationsOf[cell].Any(touched.Contains))
                {
                    continue;
                }
                var choice = Complement(table, suppressed, cell)
                    ?? throw new InvalidOperationException("a determined cell with no publishable cell connected to it (cannot happen: a fully suppressed table determines nothing)");
                suppressed[choice] = true;
                added++;
                foreach (var r in table.RelationsOf[choice])
                {
                    touched.Add(r);
                }
            }
            if (added == 0)
            {
                throw new InvalidOperationException("complementary suppression made no progress");
            }
        }
    }

    /// <summary>
    /// The cell to suppress so that <paramref name="cell"/> stops being determined: a published nonzero
    /// cell of one of its relations, the smallest count first (it costs readers the least information),
    /// then the lowest index. When its own relations hold no published nonzero cell, the search widens
    /// to the relations reached through suppressed cells. Zeros are not chosen: a reader knows counts are
    /// never negative, so a suppressed zero summing into a published zero is pinned down at once, and
    /// hiding it protects nothing. A determined nonzero cell always has a published nonzero cell among
    /// the relations connected to it (were they all zero, it would be determined as zero); a zero is
    /// taken only as a last resort.
    /// </summary>
    private static int? Complement(CountTable table, bool[] suppressed, int cell)
    {
        var seenRelations = new HashSet<int>();
        var seenCells = new HashSet<int> { cell };
        var frontier = new List<int> { cell };
        int? zero = null;
        while (frontier.Count > 0)
        {
            int? best = null;
            var next = new List<int>();
            foreach (var c in frontier)
            {
                foreach (var r in table.RelationsOf[c])
                {
                    if (!seenRelations.Add(r))
                    {
                        continue;
                    }
                    var relation = table.Relations[r];
                    foreach (var other in relation.Parts.Append(relation.Total))
                    {
                        if (!seenCells.Add(other))
                        {
                            continue;
                        }
                        if (suppressed[other])
                        {
                            next.Add(other);
                        }
                        else if (table.Counts[other] == 0)
                        {
                            zero = zero is null ? other : Math.Min(zero.Value, other);
                        }
                        else if (best is null || (table.Counts[other], other).CompareTo((table.Counts[best.Value], best.Value)) < 0)
                        {
                            best = other;
                        }
                    }
                }
            }
            if (best is not null)
            {
                return best;
            }
            frontier = next;
        }
        return zero;
    }
}
