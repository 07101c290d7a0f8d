using DataVault.Vault.Jurisdictions;

namespace DataVault.Vault.Aggregates;

/// <summary>
/// The rows of an aggregate: <c>within</c> and every jurisdiction below it down to the <c>by</c> level,
/// depth first, children in code order. With <c>by=grid</c>, each community gets one more row for its
/// residents with no grid (or a grid the tree does not know), so a community is always exactly the sum
/// of its rows below.
/// </summary>
internal sealed class TableLayout
{
    private readonly List<Row> _rows = [];
    private readonly Dictionary<string, int> _leafByCode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _noGridByCommunity = new(StringComparer.Ordinal);

    private TableLayout()
    {
    }

    private sealed record Row(string Code, string? Parent, JurisdictionKind Kind, string NameZh, string NameEn, List<int> Children);

    public int RowCount => _rows.Count;

    /// <summary>The community codes whose residents are counted.</summary>
    public List<string> Communities { get; } = [];

    /// <summary>Every jurisdiction a resident under <c>within</c> can be placed in by the policy: its communities and their grids.</summary>
    public List<string> ResidentJurisdictions { get; } = [];

    public static TableLayout Build(JurisdictionTree tree, Jurisdiction root, JurisdictionKind leafKind)
    {
        var layout = new TableLayout();
        layout.Add(tree, root, null, leafKind);
        return layout;
    }

    private int Add(JurisdictionTree tree, Jurisdiction node, int? parent, JurisdictionKind leafKind)
    {
        var index = _rows.Count;
        var row = new Row(node.Code, node.Parent, node.Kind, node.NameZh, node.NameEn, []);
        _rows.Add(row);
        if (parent is int p)
        {
            _rows[p].Children.Add(index);
        }
        var children = tree.ChildrenOf(node.Code).OrderBy(c => c.Code, StringComparer.Ordinal).ToList();
        if (node.Kind == JurisdictionKind.Community)
        {
            Communities.Add(node.Code);
            ResidentJurisdictions.Add(node.Code);
            ResidentJurisdictions.AddRange(children.Where(c => c.Kind == JurisdictionKind.Grid).Select(c => c.Code));
        }
        if (node.Kind == leafKind)
        {
            // A leaf: residents land here. Above the grid level a community's residents land in the
            // row of its ancestor at the leaf level, so every community below maps to this row.
            foreach (var community in node.Kind == JurisdictionKind.Community ? [node] : Below(tree, node, JurisdictionKind.Community))
            {
                _leafByCode[community.Code] = index;
                if (community.Code != node.Code)
                {
                    Communities.Add(community.Code);
                    ResidentJurisdictions.Add(community.Code);
                    ResidentJurisdictions.AddRange(tree.ChildrenOf(community.Code).Where(c => c.Kind == JurisdictionKind.Grid).Select(c => c.Code));
                }
            }
            if (node.Kind == JurisdictionKind.Grid)
            {
                _leafByCode[node.Code] = index;
            }
            return index;
        }
        foreach (var child in children)
        {
            Add(tree, child, index, leafKind);
        }
        if (node.Kind == JurisdictionKind.Community && leafKind == JurisdictionKind.Grid)
        {
            var noGrid = _rows.Count;
            _rows.Add(new Row(node.Code + AggregateQuery.NoGridSuffix, node.Code, JurisdictionKind.Grid, "未划分网格", "No grid", []));
            row.Children.Add(noGrid);
            _noGridByCommunity[node.Code] = noGrid;
        }
        return index;
    }

    private static IEnumerable<Jurisdiction> Below(JurisdictionTree tree, Jurisdiction node, JurisdictionKind kind) =>
        tree.ChildrenOf(node.Code).OrderBy(c => c.Code, StringComparer.Ordinal)
            .SelectMany(c => c.Kind == kind ? [c] : Below(tree, c, kind));

    /// <summary>The leaf row a resident is counted in.</summary>
    public int LeafOf(string communityCode, string? gridCode)
    {
        if (_noGridByCommunity.TryGetValue(communityCode, out var noGrid))
        {
            // by=grid: the resident's grid if it is one of this community's grid rows.
            return gridCode is not null && _leafByCode.TryGetValue(gridCode, out var g) && _rows[g].Parent == communityCode ? g : noGrid;
        }
        return _leafByCode[communityCode];
    }

    /// <summary>
    /// The count table: cell (row, column) at row·width + column, the row total in the last column.
    /// Relations: each row total is the sum of its columns, and each cell of a row with children is
    /// the sum of the same cell of its children (totals included).
    /// </summary>
    public CountTable Table(IReadOnlyList<string> columns, IReadOnlyDictionary<string, long[]> leafCounts)
    {
        var width = columns.Count + 1;
        var counts = new long[_rows.Count * width];
        for (var j = 0; j < columns.Count; j++)
        {
            if (leafCounts.TryGetValue(columns[j], out var perRow))
            {
                for (var n = 0; n < _rows.Count; n++)
                {
                    counts[n * width + j] = perRow[n];
                }
            }
        }
        if (columns.Count == 0 && leafCounts.TryGetValue("", out var totals))
        {
            for (var n = 0; n < _rows.Count; n++)
            {
                counts[n * width] = totals[n];
            }
        }
        // Children come after their parent (depth first), so summing backwards fills every parent.
        for (var n = _rows.Count - 1; n >= 0; n--)
        {
            foreach (var c in _rows[n].Children)
            {
                for (var j = 0; j < width; j++)
                {
                    counts[n * width + j] += counts[c * width + j];
                }
            }
            if (columns.Count > 0 && _rows[n].Children.Count == 0)
            {
                counts[n * width + columns.Count] = Enumerable.Range(0, columns.Count).Sum(j => counts[n * width + j]);
            }
        }

        var relations = new List<SumRelation>();
        for (var n = 0; n < _rows.Count; n++)
        {
            if (columns.Count > 0)
            {
                relations.Add(new SumRelation(n * width + columns.Count, [.. Enumerable.Range(0, columns.Count).Select(j => n * width + j)]));
            }
            if (_rows[n].Children.Count > 0)
            {
                for (var j = 0; j < width; j++)
                {
                    relations.Add(new SumRelation(n * width + j, [.. _rows[n].Children.Select(c => c * width + j)]));
                }
            }
        }
        return new CountTable(counts, relations);
    }

    public IReadOnlyList<AggregateRow> Rows(IReadOnlyList<string> columns, CountTable table, bool[] suppressed)
    {
        var width = columns.Count + 1;
        AggregateCell Cell(int index, string? value) => suppressed[index]
            ? new AggregateCell(value, null, true)
            : new AggregateCell(value, table.Counts[index], false);
        return [.. _rows.Select((r, n) => new AggregateRow(
            r.Code,
            r.Parent,
            r.Kind.ToString().ToLowerInvariant(),
            r.NameZh,
            r.NameEn,
            Cell(n * width + columns.Count, null),
            [.. columns.Select((c, j) => Cell(n * width + j, c))]))];
    }
}
