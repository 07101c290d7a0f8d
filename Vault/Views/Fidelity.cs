namespace DataVault.Vault.Views;

/// <summary>
/// How much of a field's value a caller is served, lowest first (DESIGN.md, "Views"):
/// <c>none</c> (absent) &lt; <c>exists</c> (whether a value is recorded) &lt; <c>category</c> (its class)
/// &lt; <c>masked</c> (its masking rule) &lt; <c>clear</c>. The names are the ones policy lines use.
/// <c>write</c> sits above <c>clear</c>: the right to change the field (issue 15, item 3). It is never
/// served (a view shows a writable field as clear), and a read right, however high, never writes.
/// </summary>
public enum Fidelity
{
    None = 0,
    Exists = 1,
    Category = 2,
    Masked = 3,
    Clear = 4,
    Write = 5,
}

public static class FidelityNames
{
    /// <summary>The policy's spelling of a fidelity (lowercase), as in policy.csv and the API.</summary>
    public static string Name(this Fidelity fidelity) => fidelity switch
    {
        Fidelity.None => "none",
        Fidelity.Exists => "exists",
        Fidelity.Category => "category",
        Fidelity.Masked => "masked",
        Fidelity.Clear => "clear",
        Fidelity.Write => "write",
        _ => throw new ArgumentOutOfRangeException(nameof(fidelity)),
    };

    public static bool TryParse(string? name, out Fidelity fidelity)
    {
        fidelity = name switch
        {
            "none" => Fidelity.None,
            "exists" => Fidelity.Exists,
            "category" => Fidelity.Category,
            "masked" => Fidelity.Masked,
            "clear" => Fidelity.Clear,
            "write" => Fidelity.Write,
            _ => (Fidelity)(-1),
        };
        return (int)fidelity >= 0;
    }

    /// <summary>The fidelities a view can serve, highest first.</summary>
    public static readonly IReadOnlyList<Fidelity> Served = [Fidelity.Clear, Fidelity.Masked, Fidelity.Category, Fidelity.Exists];

    /// <summary>Every right a policy line or grant can give, highest first: the order a decision tries them in.</summary>
    public static readonly IReadOnlyList<Fidelity> Rights = [Fidelity.Write, .. Served];

    /// <summary>What a right lets a read see: <c>write</c> reads as <c>clear</c>.</summary>
    public static Fidelity Readable(this Fidelity held) => held == Fidelity.Write ? Fidelity.Clear : held;
}
