namespace DataVault.Policy;

/// <summary>
/// One problem found while reading a model, a policy or a request: where it is and what is wrong.
/// <c>File</c> is the file name (or <c>model</c>/<c>policy</c> for text); <c>Line</c> and <c>Column</c> are
/// 1-based, 0 when the problem has no position (a missing section).
/// </summary>
public sealed record PolicyError(string File, int Line, int Column, string Message)
{
    /// <summary>The compiler-style form <c>file:line:col: message</c> the <c>policy check</c> verb prints.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>A success value or the list of errors that prevented it. Errors are values, never exceptions.</summary>
public sealed class PolicyResult<T>
{
    private readonly T? _value;

    private PolicyResult(T? value, IReadOnlyList<PolicyError> errors)
    {
        _value = value;
        Errors = errors;
    }

    public bool IsSuccess => Errors.Count == 0;

    public IReadOnlyList<PolicyError> Errors { get; }

    /// <summary>The value; throws only when read on a failure, which is a programming error.</summary>
    public T Value => IsSuccess ? _value! : throw new InvalidOperationException("The result has errors: " + Errors[0]);

    public static PolicyResult<T> Success(T value) => new(value, []);

    public static PolicyResult<T> Failure(IReadOnlyList<PolicyError> errors) =>
        errors.Count == 0 ? throw new ArgumentException("A failure needs at least one error.", nameof(errors)) : new(default, errors);

    public static PolicyResult<T> Failure(PolicyError error) => new(default, [error]);

    public override string ToString() => IsSuccess ? $"Success({_value})" : string.Join(Environment.NewLine, Errors);
}

/// <summary>
/// A rule that decided a request: its type (<c>p</c>, <c>p2</c>…), values, and where it came from
/// (<c>Line</c> is the 1-based line in the policy file, null for a rule added through the API).
/// </summary>
public sealed record PolicyRule(string PType, IReadOnlyList<string> Values, string? File, int? Line)
{
    public override string ToString() => PType + ", " + string.Join(", ", Values);
}

/// <summary>The outcome of one decision. <see cref="Error"/> set means the request could not be evaluated
/// (bad arguments, malformed JSON); such a request is denied (fail closed).</summary>
public sealed record EnforceResult(bool Allowed, PolicyRule? Rule, string? Error)
{
    public static EnforceResult Failed(string error) => new(false, null, error);
}

/// <summary>Which section keys a decision uses (Casbin's enforce context): <c>r2</c>/<c>p2</c>/<c>e2</c>/<c>m2</c>.</summary>
public sealed record EnforceContext(string RType = "r", string PType = "p", string EType = "e", string MType = "m");
