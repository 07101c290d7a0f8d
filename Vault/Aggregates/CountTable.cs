namespace DataVault.Vault.Aggregates;

/// <summary>One published relation of a table: the cell <see cref="Total"/> equals the sum of the cells <see cref="Parts"/>.</summary>
public sealed record SumRelation(int Total, IReadOnlyList<int> Parts);

/// <summary>
/// A table of counts as suppression sees it: the true count of every cell (indexed from 0) and every
/// sum relation a reader can use against it. What a reader learns is exactly the published cells plus
/// these relations, so this is all the auditor needs to decide what a suppression pattern leaks.
/// </summary>
public sealed class CountTable
{
    public CountTable(IReadOnlyList<long> counts, IReadOnlyList<SumRelation> relations)
    {
        foreach (var r in relations)
        {
            if ((uint)r.Total >= (uint)counts.Count || r.Parts.Any(p => (uint)p >= (uint)counts.Count || p == r.Total))
            {
                throw new ArgumentException("a relation names a cell outside the table or sums a cell into itself", nameof(relations));
            }
        }
        if (counts.Any(c => c < 0))
        {
            throw new ArgumentException("counts are never negative", nameof(counts));
        }
        Counts = counts;
        Relations = relations;
        var byCell = new List<int>[counts.Count];
        for (var i = 0; i < relations.Count; i++)
        {
            foreach (var cell in relations[i].Parts.Append(relations[i].Total))
            {
                (byCell[cell] ??= []).Add(i);
            }
        }
        RelationsOf = [.. byCell.Select(l => (IReadOnlyList<int>)(l ?? []))];
    }

    public IReadOnlyList<long> Counts { get; }

    public IReadOnlyList<SumRelation> Relations { get; }

    /// <summary>For each cell, the relations it takes part in (indexes into <see cref="Relations"/>).</summary>
    public IReadOnlyList<IReadOnlyList<int>> RelationsOf { get; }

    public int Size => Counts.Count;
}
