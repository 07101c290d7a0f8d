using System.Numerics;

namespace DataVault.Vault.Aggregates;

/// <summary>
/// Decides which suppressed cells a reader can still compute from what is published. Substituting the
/// published cells into every relation leaves a linear system A·x = b over the suppressed cells only.
/// A suppressed cell x_i has one value in every solution exactly when the unit vector e_i lies in the
/// row space of A; b does not matter, so the auditor looks at the coefficients alone.
/// </summary>
/// <remarks>
/// The elimination is exact: rows are rational vectors kept as primitive integer vectors (each scaled
/// by its denominators and divided by the gcd of its entries), so no rounding can hide or invent a
/// dependency. Gauss–Jordan runs incrementally and sparsely: every row added is reduced by the pivots so
/// far, and its new pivot is cleared from the older rows, so at the end the pivot rows are the reduced
/// row echelon form. A pivot row with a single entry is a unit vector: that cell is determined. A cell
/// that is not a pivot, or whose pivot row still has other entries, moves along a null-space direction
/// and is not determined.
/// </remarks>
public static class SuppressionAuditor
{
    /// <summary>The suppressed cells whose value the published cells and relations determine, in cell order.</summary>
    public static IReadOnlyList<int> Determined(CountTable table, IReadOnlyList<bool> suppressed)
    {
        if (suppressed.Count != table.Size)
        {
            throw new ArgumentException("one flag per cell", nameof(suppressed));
        }
        var pivotRows = new Dictionary<int, Dictionary<int, BigInteger>>();
        foreach (var relation in table.Relations)
        {
            var row = new Dictionary<int, BigInteger>();
            Add(row, relation.Total, BigInteger.One, suppressed);
            foreach (var part in relation.Parts)
            {
                Add(row, part, BigInteger.MinusOne, suppressed);
            }
            if (row.Count == 0)
            {
                continue;
            }
            // Reduce by the existing pivots. Pivot rows hold no other pivot column (reduced form), so
            // clearing one pivot column never brings another back.
            foreach (var (col, pivot) in pivotRows)
            {
                if (row.TryGetValue(col, out var factor))
                {
                    Eliminate(row, pivot, col, factor);
                }
            }
            if (row.Count == 0)
            {
                continue; // a consequence of relations already seen
            }
            var pivotCol = row.Keys.Min();
            foreach (var (col, other) in pivotRows)
            {
                if (other.TryGetValue(pivotCol, out var factor))
                {
                    Eliminate(other, row, pivotCol, factor);
                }
            }
            pivotRows[pivotCol] = row;
        }
        return [.. pivotRows.Where(p => p.Value.Count == 1).Select(p => p.Key).Order()];
    }

    /// <summary>
    /// The suppressed cells a reader pins down by adding that a suppressed count is never zero (zeros
    /// are published): in a relation whose total is published, m suppressed parts that must add up to
    /// exactly m are all 1. Linear algebra alone does not see this; it is checked relation by relation.
    /// </summary>
    public static IReadOnlyList<int> PinnedAtOne(CountTable table, IReadOnlyList<bool> suppressed)
    {
        var pinned = new SortedSet<int>();
        foreach (var relation in table.Relations)
        {
            if (suppressed[relation.Total])
            {
                continue;
            }
            var remainder = table.Counts[relation.Total];
            var unknown = 0;
            foreach (var part in relation.Parts)
            {
                if (suppressed[part])
                {
                    unknown++;
                }
                else
                {
                    remainder -= table.Counts[part];
                }
            }
            if (unknown > 1 && remainder == unknown)
            {
                pinned.UnionWith(relation.Parts.Where(p => suppressed[p]));
            }
        }
        return [.. pinned];
    }

    private static void Add(Dictionary<int, BigInteger> row, int cell, BigInteger coefficient, IReadOnlyList<bool> suppressed)
    {
        if (!suppressed[cell])
        {
            return; // a published cell is a constant: it moves to b
        }
        var sum = row.GetValueOrDefault(cell) + coefficient;
        if (sum.IsZero)
        {
            row.Remove(cell);
        }
        else
        {
            row[cell] = sum;
        }
    }

    /// <summary>row := pivot[col]·row − factor·pivot (clears col), then divides by the gcd of what is left.</summary>
    private static void Eliminate(Dictionary<int, BigInteger> row, Dictionary<int, BigInteger> pivot, int col, BigInteger factor)
    {
        var scale = pivot[col];
        foreach (var key in row.Keys.ToList())
        {
            row[key] *= scale;
        }
        foreach (var (key, value) in pivot)
        {
            var sum = row.GetValueOrDefault(key) - factor * value;
            if (sum.IsZero)
            {
                row.Remove(key);
            }
            else
            {
                row[key] = sum;
            }
        }
        var gcd = BigInteger.Zero;
        foreach (var value in row.Values)
        {
            gcd = BigInteger.GreatestCommonDivisor(gcd, value);
            if (gcd.IsOne)
            {
                return;
            }
        }
        if (gcd > BigInteger.One)
        {
            foreach (var key in row.Keys.ToList())
            {
                row[key] /= gcd;
            }
        }
    }
}
