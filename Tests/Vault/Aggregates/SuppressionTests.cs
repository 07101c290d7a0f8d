using DataVault.Vault.Aggregates;

namespace DataVault.Tests.Vault.Aggregates;

/// <summary>Hand-made and generated tables: what the auditor finds, what the suppressor hides, and what an attacker still learns.</summary>
public sealed class SuppressionTests
{
    [Fact]
    public void SmallStreet_DistrictTotalMinusSiblings_ForcesASecondSuppression()
    {
        // district = street A + street B + street C; A has 3 residents (< k).
        var table = new CountTable([100, 3, 40, 57], [new SumRelation(0, [1, 2, 3])]);

        Assert.Equal([1], SuppressionAuditor.Determined(table, [false, true, false, false]));
        Assert.Equal([1], DifferencingAttacker.Disclosed(Publish(table, [false, true, false, false])));

        var suppressed = CellSuppressor.Suppress(table, 5);

        // The smallest nonzero sibling (40) is the complement; the district total stays published.
        Assert.Equal([false, true, true, false], suppressed);
        Assert.Empty(SuppressionAuditor.Determined(table, suppressed));
        Assert.Empty(DifferencingAttacker.Disclosed(Publish(table, suppressed)));
    }

    [Fact]
    public void ZeroCells_ArePublished_AndASingleNonzeroChildSuppressesItsTotal()
    {
        // community = grid 1 + grid 2 + grid 3 with 2, 0, 0: the community total equals the grid cell.
        var table = new CountTable([2, 2, 0, 0], [new SumRelation(0, [1, 2, 3])]);

        var suppressed = CellSuppressor.Suppress(table, 5);

        Assert.Equal([true, true, false, false], suppressed);
        Assert.Empty(DifferencingAttacker.Disclosed(Publish(table, suppressed)));
    }

    [Fact]
    public void TwoDimensional_RowAndColumnComplements_ClosedIntoACycle()
    {
        //  2  7  9 | 18
        //  8  6 11 | 25
        // 10 12  6 | 28
        // 20 25 26 | 71
        var table = Grid2D([[2, 7, 9], [8, 6, 11], [10, 12, 6]]);

        var suppressed = CellSuppressor.Suppress(table, 5);

        // The first complement (7, the smallest in the row) leaves both cells determined by their
        // columns; the second round adds one per column, closing the 2×2 cycle.
        Assert.Equal(new[] { At(0, 0), At(0, 1), At(1, 0), At(1, 1) }, Enumerable.Range(0, table.Size).Where(i => suppressed[i]));
        Assert.Empty(SuppressionAuditor.Determined(table, suppressed));
        Assert.Empty(DifferencingAttacker.Disclosed(Publish(table, suppressed)));
    }

    [Fact]
    public void TwoDimensional_TwoPerRowAndColumn_StillLeaksABridge_UntilACycleRunsThroughIt()
    {
        // Two suppressed 2×2 cycles joined by one cell (0,2): every row and column with a suppression
        // has at least two, so no single row or column gives a cell away, yet the joining cell lies on
        // no cycle and the combination of relations pins it down.
        var table = Grid2D([[6, 7, 8, 9], [7, 6, 9, 8], [9, 8, 6, 7], [8, 9, 7, 6]]);
        var pattern = new bool[table.Size];
        foreach (var (r, c) in new[] { (0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2) })
        {
            pattern[At(r, c, 5)] = true;
        }
        for (var line = 0; line < 4; line++)
        {
            var inRow = Enumerable.Range(0, 4).Count(c => pattern[At(line, c, 5)]);
            var inColumn = Enumerable.Range(0, 4).Count(r => pattern[At(r, line, 5)]);
            Assert.True(inRow is 0 or >= 2 && inColumn is 0 or >= 2);
        }

        Assert.Equal([At(0, 2, 5)], SuppressionAuditor.Determined(table, pattern));
        Assert.Equal([At(0, 2, 5)], DifferencingAttacker.Disclosed(Publish(table, pattern)));

        CellSuppressor.Complete(table, pattern);

        Assert.Empty(SuppressionAuditor.Determined(table, pattern));
        Assert.Empty(DifferencingAttacker.Disclosed(Publish(table, pattern)));
    }

    [Fact]
    public void TwoSuppressedOnes_UnderAPublishedTotal_AreProtectedAgainstAnAttackerWhoKnowsZerosArePublished()
    {
        // 1 + 1 + 5 = 7: linear algebra leaves x + y = 2 free, but a reader who knows suppressed counts
        // are at least 1 (zeros are published) reads x = y = 1.
        var table = new CountTable([7, 1, 1, 5], [new SumRelation(0, [1, 2, 3])]);
        bool[] primaryOnly = [false, true, true, false];

        Assert.Empty(SuppressionAuditor.Determined(table, primaryOnly));
        Assert.Equal([1, 2], SuppressionAuditor.PinnedAtOne(table, primaryOnly));
        Assert.Equal([1, 2], DifferencingAttacker.Disclosed(Publish(table, primaryOnly), lowerBound: 1));

        var suppressed = CellSuppressor.Suppress(table, 5);

        Assert.Equal([false, true, true, true], suppressed);
        Assert.Empty(DifferencingAttacker.Disclosed(Publish(table, suppressed), lowerBound: 1));
    }

    [Fact]
    public void K_IsConfigurable_AndBelowTwoIsRefused()
    {
        var table = new CountTable([40, 6, 9, 25], [new SumRelation(0, [1, 2, 3])]);

        Assert.DoesNotContain(true, CellSuppressor.Suppress(table, 5));
        Assert.Equal([false, true, true, false], CellSuppressor.Suppress(table, 10));
        Assert.Equal([false, true, true, true], CellSuppressor.Suppress(table, 26));
        Assert.Throws<ArgumentOutOfRangeException>(() => CellSuppressor.Suppress(table, 1));
    }

    [Fact]
    public void GeneratedHierarchies_AttackerDisclosesNothing_AndTheSameTableGivesTheSamePattern()
    {
        for (var seed = 1; seed <= 60; seed++)
        {
            var table = Hierarchy(new Random(seed), out _);
            var k = seed % 2 == 0 ? 5 : 8;

            var suppressed = CellSuppressor.Suppress(table, k);

            for (var i = 0; i < table.Size; i++)
            {
                Assert.True(!(table.Counts[i] > 0 && table.Counts[i] < k) || suppressed[i], $"seed {seed}: cell {i} below k is published");
            }
            var disclosed = DifferencingAttacker.Disclosed(Publish(table, suppressed));
            Assert.True(disclosed.Count == 0, $"seed {seed} k {k}: disclosed [{string.Join(",", disclosed)}] counts [{string.Join(",", table.Counts)}] suppressed [{string.Join(",", Enumerable.Range(0, table.Size).Where(i => suppressed[i]))}] relations {string.Join(" ", table.Relations.Select(r => r.Total + "=" + string.Join("+", r.Parts)))}");
            var strong = DifferencingAttacker.Disclosed(Publish(table, suppressed), lowerBound: 1);
            Assert.True(strong.Count == 0, $"seed {seed} k {k}: ≥1 attacker disclosed [{string.Join(",", strong)}] counts [{string.Join(",", table.Counts)}] suppressed [{string.Join(",", Enumerable.Range(0, table.Size).Where(i => suppressed[i]))}] relations {string.Join(" ", table.Relations.Select(r => r.Total + "=" + string.Join("+", r.Parts)))}");
            Assert.Equal(suppressed, CellSuppressor.Suppress(table, k));
        }
    }

    [Fact]
    public void Auditor_AgreesWithTheAttacker_OnRandomPatternsOfNonzeroCells()
    {
        // With every suppressed count positive, a cell the linear algebra leaves free can move both
        // ways within the non-negative solutions, so the two must name exactly the same cells.
        var disagreements = new List<string>();
        var leaking = 0;
        for (var seed = 100; seed < 160; seed++)
        {
            var random = new Random(seed);
            var table = Hierarchy(random, out _);
            var pattern = new bool[table.Size];
            for (var i = 0; i < table.Size; i++)
            {
                pattern[i] = table.Counts[i] > 0 && random.NextDouble() < 0.3;
            }
            var audited = SuppressionAuditor.Determined(table, pattern);
            var attacked = DifferencingAttacker.Disclosed(Publish(table, pattern));
            leaking += audited.Count > 0 ? 1 : 0;
            if (!audited.SequenceEqual(attacked))
            {
                disagreements.Add($"seed {seed}: auditor [{string.Join(",", audited)}] attacker [{string.Join(",", attacked)}]");
            }
        }
        Assert.Empty(disagreements);
        Assert.True(leaking > 10, "the random patterns should include many that leak");
    }

    internal static PublishedTable Publish(CountTable table, IReadOnlyList<bool> suppressed) => new(
        [.. table.Counts.Select((c, i) => suppressed[i] ? (long?)null : c)],
        [.. table.Relations.Select(r => (r.Total, r.Parts.ToArray()))]);

    private static int At(int row, int column, int width = 4) => row * width + column;

    /// <summary>An r×c table with row totals, column totals and the grand total (cell (r, c) at r·(c+1)+c).</summary>
    private static CountTable Grid2D(long[][] interior)
    {
        var rows = interior.Length;
        var columns = interior[0].Length;
        var width = columns + 1;
        var counts = new long[(rows + 1) * width];
        var relations = new List<SumRelation>();
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                counts[r * width + c] = interior[r][c];
                counts[r * width + columns] += interior[r][c];
                counts[rows * width + c] += interior[r][c];
                counts[rows * width + columns] += interior[r][c];
            }
        }
        for (var r = 0; r <= rows; r++)
        {
            relations.Add(new SumRelation(r * width + columns, [.. Enumerable.Range(0, columns).Select(c => r * width + c)]));
        }
        for (var c = 0; c <= columns; c++)
        {
            relations.Add(new SumRelation(rows * width + c, [.. Enumerable.Range(0, rows).Select(r => r * width + c)]));
        }
        return new CountTable(counts, relations);
    }

    /// <summary>
    /// A random two- or three-level hierarchy (root → 2–3 children → 0–3 grandchildren each) with 0–3
    /// category columns plus a total column; leaves draw small counts so that many fall below k.
    /// </summary>
    private static CountTable Hierarchy(Random random, out int rows)
    {
        var parent = new List<int> { -1 };
        var children = random.Next(2, 4);
        for (var i = 0; i < children; i++)
        {
            var child = parent.Count;
            parent.Add(0);
            var grandchildren = random.Next(0, 4);
            for (var g = 0; g < grandchildren; g++)
            {
                parent.Add(child);
            }
        }
        rows = parent.Count;
        var columns = random.Next(0, 4);
        var width = columns + 1;
        var counts = new long[rows * width];
        var isLeaf = Enumerable.Range(0, rows).Select(n => !parent.Contains(n)).ToArray();
        for (var n = rows - 1; n >= 0; n--)
        {
            if (isLeaf[n])
            {
                for (var j = 0; j < width; j++)
                {
                    counts[n * width + j] = columns == 0 || j < columns ? random.Next(0, 3) == 0 ? 0 : random.Next(1, 14) : 0;
                }
                if (columns > 0)
                {
                    counts[n * width + columns] = Enumerable.Range(0, columns).Sum(j => counts[n * width + j]);
                }
            }
            if (parent[n] >= 0)
            {
                for (var j = 0; j < width; j++)
                {
                    counts[parent[n] * width + j] += counts[n * width + j];
                }
            }
        }
        var relations = new List<SumRelation>();
        for (var n = 0; n < rows; n++)
        {
            if (columns > 0)
            {
                relations.Add(new SumRelation(n * width + columns, [.. Enumerable.Range(0, columns).Select(j => n * width + j)]));
            }
            var kids = Enumerable.Range(0, rows).Where(c => parent[c] == n).ToArray();
            if (kids.Length > 0)
            {
                for (var j = 0; j < width; j++)
                {
                    relations.Add(new SumRelation(n * width + j, [.. kids.Select(c => c * width + j)]));
                }
            }
        }
        return new CountTable(counts, relations);
    }
}
