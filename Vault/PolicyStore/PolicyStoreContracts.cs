namespace DataVault.Vault.PolicyStore;

/// <summary>The states of a draft (docs/policy-lifecycle.md, "States").</summary>
public static class DraftStatus
{
    public const string Draft = "draft";
    public const string Submitted = "submitted";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Published = "published";
}

/// <summary>One published version, without its text (a page of history).</summary>
public sealed record PolicyVersionSummary(
    int Number, string Author, string? Approver, string? Publisher, DateTimeOffset CreatedAt, DateTimeOffset PublishedAt,
    string? Note, int? RolledBackFrom, int? DraftId, bool Running);

/// <summary>One published version with its hand-written policy and its model.</summary>
public sealed record PolicyVersionDetail(PolicyVersionSummary Version, string PolicyText, string ModelText);

/// <summary>A page of versions, newest first; <c>NextCursor</c> is opaque, null on the last page.</summary>
public sealed record PolicyVersionPage(IReadOnlyList<PolicyVersionSummary> Items, string? NextCursor);

/// <summary>A line diff of two versions' hand-written policy.</summary>
public sealed record PolicyDiff(int From, int To, int Added, int Removed, IReadOnlyList<PolicyDiffLine> Lines);

/// <summary><c>Kind</c> is <c>added</c>, <c>removed</c> or <c>unchanged</c>; line numbers are 1-based in each side.</summary>
public sealed record PolicyDiffLine(string Kind, int? OldLine, int? NewLine, string Text);

/// <summary>
/// One rule built from a form: <c>p, role, jurisdiction, department, field, fidelity, purpose</c>.
/// Jurisdiction and department default to <c>*</c>. An optional time window (from inclusive, until
/// exclusive, either side open) is written as <c># window: FROM/UNTIL</c> on the line before the rule
/// (docs/policy-lifecycle.md, "Time windows").
/// </summary>
public sealed record PolicyLineForm(
    string Role, string? Jurisdiction, string? Department, string Field, string Fidelity, string Purpose,
    DateTimeOffset? ValidFrom = null, DateTimeOffset? ValidUntil = null);

/// <summary>
/// Body of POST/PUT drafts: the whole policy text, or one form-built line appended to the base text
/// (POST) or to the draft's text (PUT). <c>BaseVersion</c> defaults to the newest version.
/// </summary>
public sealed record PolicyDraftRequest(string? Text = null, PolicyLineForm? Line = null, int? BaseVersion = null, string? Note = null);

/// <summary>Body of approve/reject: an optional note from the reviewer.</summary>
public sealed record PolicyReviewRequest(string? Note = null);

public sealed record PolicyDraftView(
    int Id, int BaseVersion, string Status, string Author, string? Reviewer, string? ReviewNote, string? Note,
    int? RollbackOf, int? PublishedVersion, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? SubmittedAt, DateTimeOffset? ReviewedAt, DateTimeOffset? PublishedAt, int Revision, string PolicyText);

/// <summary>One validation error: <c>File</c> is <c>draft-12/policy.csv</c> (or the model), line and column 1-based.</summary>
public sealed record PolicyIssue(string File, int Line, int Column, string Message);

public sealed record PolicyValidation(bool Valid, IReadOnlyList<PolicyIssue> Errors);

/// <summary>
/// The outcome of a store operation: a value, or a problem from the catalog with a detail (never a
/// resident value) and, for policy errors, the issues with line and column.
/// </summary>
internal sealed record PolicyOutcome<T>(T? Value, Problems.ProblemType? Problem = null, string? Detail = null, IReadOnlyList<PolicyIssue>? Issues = null)
{
    public static PolicyOutcome<T> Ok(T value) => new(value);

    public static PolicyOutcome<T> Fail(Problems.ProblemType problem, string detail, IReadOnlyList<PolicyIssue>? issues = null) => new(default, problem, detail, issues);
}
