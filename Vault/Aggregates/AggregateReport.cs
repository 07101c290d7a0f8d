using DataVault.Vault.Views;

namespace DataVault.Vault.Aggregates;

/// <summary>
/// One published count. <see cref="Value"/> is the category value of a column (null for a row total).
/// A suppressed cell has <see cref="Count"/> null and <see cref="Suppressed"/> true: it is either
/// between 1 and k−1, or hidden so that no other published number gives it away.
/// </summary>
public sealed record AggregateCell(string? Value, long? Count, bool Suppressed);

/// <summary>
/// One jurisdiction of the table: its code, parent and level, its total, and (with a field) one cell
/// per column. Its total is the sum of its cells, and the sum of its children's totals; each of its
/// cells is the sum of the same cell of its children.
/// </summary>
public sealed record AggregateRow(string Code, string? Parent, string Kind, string NameZh, string NameEn, AggregateCell Total, IReadOnlyList<AggregateCell> Cells);

/// <summary>
/// The answer of <c>GET /api/v1/aggregates</c>. <see cref="Resolution"/> is <c>category</c> (a column
/// per category value, plus <c>unrecorded</c>) or <c>exists</c> (columns <c>recorded</c> and
/// <c>unrecorded</c>, when the caller holds the field only at <c>exists</c>); null without a field.
/// Rows come depth first from <see cref="Within"/>, children in code order. <see cref="Withheld"/>
/// counts residents left out of the field's columns because their stored record failed its integrity
/// check (each an integrity incident); 0 on a healthy store.
/// </summary>
public sealed record AggregateReport(
    string Within,
    string By,
    string? Field,
    string? Resolution,
    int K,
    string Purpose,
    string PolicyVersion,
    IReadOnlyList<string> Columns,
    IReadOnlyList<AggregateRow> Rows,
    int Suppressed,
    int Withheld,
    AccessLogReference Log)
{
    /// <summary>What was counted: <c>residents</c>, or <c>households</c> (distinct household codes).</summary>
    public string Count { get; init; } = "residents";
}
