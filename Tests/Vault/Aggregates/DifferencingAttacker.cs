using System.Numerics;

namespace DataVault.Tests.Vault.Aggregates;

/// <summary>
/// A published table as an attacker sees it: a value or null (suppressed) per cell, and the sum
/// relations (total = Σ parts) the publisher states. Built by the tests from the API's JSON or by hand,
/// never from the vault's own table types.
/// </summary>
internal sealed record PublishedTable(IReadOnlyList<long?> Cells, IReadOnlyList<(int Total, int[] Parts)> Sums);

/// <summary>
/// The differencing attacker, independent of the vault's auditor: for every suppressed cell it
/// computes the least and the greatest value the cell can take in any non-negative rational solution
/// consistent with every published cell and every published sum, by linear programming (an exact
/// two-phase simplex over rationals with Bland's rule). A cell whose minimum equals its maximum is
/// disclosed. Rational bounds are at least as wide as integer ones, so "min &lt; max" is the property
/// checked; <see cref="Bounds"/> also returns the interval for tests that want it.
/// </summary>
internal static class DifferencingAttacker
{
    /// <summary>The suppressed cells whose value the attacker pins down exactly.</summary>
    // lowerBound: 0, or 1 for an attacker who also uses that a suppressed count is never zero.
    public static IReadOnlyList<int> Disclosed(PublishedTable table, int lowerBound = 0) =>
        [.. Bounds(table, lowerBound).Where(b => b.Max is { } max && b.Min == max).Select(b => b.Cell)];

    /// <summary>The interval of each suppressed cell; <c>Max</c> is null when nothing published bounds the cell from above.</summary>
    public static IReadOnlyList<(int Cell, Q Min, Q? Max)> Bounds(PublishedTable table, int lowerBound = 0)
    {
        // x ≥ lowerBound is x' = x − lowerBound ≥ 0: the bound shifts every equation's right-hand side.
        var unknowns = Enumerable.Range(0, table.Cells.Count).Where(i => table.Cells[i] is null).ToList();
        if (unknowns.Count == 0)
        {
            return [];
        }
        var column = unknowns.Select((cell, j) => (cell, j)).ToDictionary(p => p.cell, p => p.j);
        var rows = new List<(Q[] A, Q B)>();
        foreach (var (total, parts) in table.Sums)
        {
            var a = Enumerable.Repeat(Q.Zero, unknowns.Count).ToArray();
            var b = Q.Zero;
            void Term(int cell, int sign)
            {
                if (table.Cells[cell] is long v)
                {
                    b -= new Q(sign * v);
                }
                else
                {
                    a[column[cell]] += new Q(sign);
                    b -= new Q(sign * lowerBound);
                }
            }
            Term(total, 1);
            foreach (var p in parts)
            {
                Term(p, -1);
            }
            if (a.Any(x => !x.IsZero))
            {
                rows.Add((a, b));
            }
            else if (!b.IsZero)
            {
                throw new InvalidOperationException("the published table is inconsistent: a published sum does not add up");
            }
        }
        var feasible = Simplex.Feasible(rows, unknowns.Count);
        var shift = new Q(lowerBound);
        return [.. unknowns.Select((cell, j) => (cell, feasible.Minimise(j, 1)!.Value + shift, -feasible.Minimise(j, -1) + shift))];
    }
}

/// <summary>A tableau in which the current basis is feasible; minimising starts from a copy of it.</summary>
internal sealed class Simplex
{
    private readonly Q[][] _t; // m rows of [n coefficients | rhs]
    private readonly int[] _basis;
    private readonly int _n;

    private Simplex(Q[][] t, int[] basis, int n)
    {
        _t = t;
        _basis = basis;
        _n = n;
    }

    /// <summary>Phase 1: finds a basic feasible solution of A x = b, x ≥ 0 (artificial variables, then drives them out).</summary>
    public static Simplex Feasible(List<(Q[] A, Q B)> rows, int n)
    {
        var m = rows.Count;
        var width = n + m + 1;
        var t = new Q[m][];
        var basis = new int[m];
        for (var i = 0; i < m; i++)
        {
            var sign = rows[i].B.Sign < 0 ? -1 : 1;
            t[i] = new Q[width];
            for (var j = 0; j < n; j++)
            {
                t[i][j] = rows[i].A[j] * sign;
            }
            for (var j = n; j < n + m; j++)
            {
                t[i][j] = j - n == i ? Q.One : Q.Zero;
            }
            t[i][width - 1] = rows[i].B * sign;
            basis[i] = n + i;
        }
        var cost = new Q[n + m];
        for (var j = 0; j < n + m; j++)
        {
            cost[j] = j >= n ? Q.One : Q.Zero;
        }
        var phase1 = new Simplex(t, basis, n + m);
        var value = phase1.Run(cost, n + m);
        if (value is not { IsZero: true })
        {
            throw new InvalidOperationException("no non-negative solution: the published table contradicts itself");
        }
        // Drive artificial variables (at zero) out of the basis; a row with no original column left is redundant.
        var keep = new List<int>();
        for (var i = 0; i < m; i++)
        {
            if (basis[i] >= n)
            {
                var j = Enumerable.Range(0, n).FirstOrDefault(c => !t[i][c].IsZero, -1);
                if (j < 0)
                {
                    continue;
                }
                phase1.Pivot(i, j);
            }
            keep.Add(i);
        }
        var reduced = keep.Select(i => t[i].Take(n).Append(t[i][width - 1]).ToArray()).ToArray();
        return new Simplex(reduced, [.. keep.Select(i => basis[i])], n);
    }

    /// <summary>The minimum of sign·x_j over the feasible set, or null when it is unbounded below (x_j ≥ 0 bounds the minimum of x_j).</summary>
    public Q? Minimise(int j, int sign)
    {
        var copy = new Simplex([.. _t.Select(r => (Q[])r.Clone())], (int[])_basis.Clone(), _n);
        var cost = new Q[_n];
        for (var c = 0; c < _n; c++)
        {
            cost[c] = c == j ? new Q(sign) : Q.Zero;
        }
        return copy.Run(cost, _n);
    }

    /// <summary>Primal simplex with Bland's rule (smallest index enters and leaves: no cycling). Returns the optimum, or null when unbounded.</summary>
    private Q? Run(Q[] cost, int columns)
    {
        var m = _t.Length;
        var rhs = _t.Length == 0 ? 0 : _t[0].Length - 1;
        while (true)
        {
            // Reduced costs: c_j − c_B · column j.
            var entering = -1;
            for (var j = 0; j < columns && entering < 0; j++)
            {
                if (_basis.Contains(j))
                {
                    continue;
                }
                var reduced = cost[j];
                for (var i = 0; i < m; i++)
                {
                    if (!_t[i][j].IsZero)
                    {
                        reduced -= cost[_basis[i]] * _t[i][j];
                    }
                }
                if (reduced.Sign < 0)
                {
                    entering = j;
                }
            }
            if (entering < 0)
            {
                var value = Q.Zero;
                for (var i = 0; i < m; i++)
                {
                    value += cost[_basis[i]] * _t[i][rhs];
                }
                return value;
            }
            var leaving = -1;
            Q best = default;
            for (var i = 0; i < m; i++)
            {
                if (_t[i][entering].Sign > 0)
                {
                    var ratio = _t[i][rhs] / _t[i][entering];
                    if (leaving < 0 || ratio < best || (ratio == best && _basis[i] < _basis[leaving]))
                    {
                        leaving = i;
                        best = ratio;
                    }
                }
            }
            if (leaving < 0)
            {
                return null;
            }
            Pivot(leaving, entering);
        }
    }

    private void Pivot(int row, int col)
    {
        var p = _t[row][col];
        var width = _t[row].Length;
        for (var c = 0; c < width; c++)
        {
            _t[row][c] /= p;
        }
        for (var i = 0; i < _t.Length; i++)
        {
            if (i != row && !_t[i][col].IsZero)
            {
                var f = _t[i][col];
                for (var c = 0; c < width; c++)
                {
                    if (!_t[row][c].IsZero)
                    {
                        _t[i][c] -= f * _t[row][c];
                    }
                }
            }
        }
        _basis[row] = col;
    }
}

/// <summary>An exact rational (numerator / positive denominator, lowest terms).</summary>
internal readonly record struct Q : IComparable<Q>
{
    public Q(BigInteger numerator) : this(numerator, BigInteger.One)
    {
    }

    public Q(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero)
        {
            throw new DivideByZeroException();
        }
        if (denominator.Sign < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }
        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        N = g.IsZero || g.IsOne ? numerator : numerator / g;
        D = g.IsZero || g.IsOne ? denominator : denominator / g;
    }

    public BigInteger N { get; }

    // default(Q) has D = 0: treat it as 0/1.
    private readonly BigInteger _d;

    public BigInteger D { get => _d.IsZero ? BigInteger.One : _d; private init => _d = value; }

    public static Q Zero => new(BigInteger.Zero);

    public static Q One => new(BigInteger.One);

    public bool IsZero => N.IsZero;

    public int Sign => N.Sign;

    public static Q operator +(Q a, Q b) => a.D == b.D ? new(a.N + b.N, a.D) : new(a.N * b.D + b.N * a.D, a.D * b.D);

    public static Q operator -(Q a, Q b) => a.D == b.D ? new(a.N - b.N, a.D) : new(a.N * b.D - b.N * a.D, a.D * b.D);

    public static Q operator -(Q a) => new(-a.N, a.D);

    public static Q operator *(Q a, Q b) => new(a.N * b.N, a.D * b.D);

    public static Q operator *(Q a, int b) => new(a.N * b, a.D);

    public static Q operator /(Q a, Q b) => new(a.N * b.D, a.D * b.N);

    public static bool operator <(Q a, Q b) => a.CompareTo(b) < 0;

    public static bool operator >(Q a, Q b) => a.CompareTo(b) > 0;

    public static bool operator <=(Q a, Q b) => a.CompareTo(b) <= 0;

    public static bool operator >=(Q a, Q b) => a.CompareTo(b) >= 0;

    public int CompareTo(Q other) => (N * other.D).CompareTo(other.N * D);

    public bool Equals(Q other) => N == other.N && D == other.D;

    public override int GetHashCode() => HashCode.Combine(N, D);

    public override string ToString() => D.IsOne ? N.ToString() : $"{N}/{D}";
}
