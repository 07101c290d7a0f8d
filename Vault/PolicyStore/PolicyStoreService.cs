using System.Globalization;
using System.Text;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.Problems;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.PolicyStore;

/// <summary>
/// The policy lifecycle (docs/policy-lifecycle.md): versions, drafts, validation, four-eyes review,
/// atomic publication and rollback. The API endpoints and the console pages both call this; the
/// <paramref name="time"/>-stamped actor is the caller's subject (user or API client id).
/// </summary>
internal sealed partial class PolicyStoreService(
    IDbContextFactory<VaultDbContext> dbs,
    DataVaultPolicyFolder folder,
    PolicyVersionLoader loader,
    PolicyRuntime runtime,
    PolicyImpactCalculator impact,
    IOptions<PolicyStoreOptions> options,
    TimeProvider time,
    SharedChanges changes,
    ILogger<PolicyStoreService> logger)
{
    // ----- versions -----

    /// <summary>A page of versions, newest first; null when <paramref name="cursor"/> is not one this API issued.</summary>
    public async Task<PolicyVersionPage?> ListVersionsAsync(string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var take = Math.Clamp(limit ?? 20, 1, options.Value.MaxPageSize);
        if (!TryDecodeCursor(cursor, out var before))
        {
            return null;
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var query = db.Set<PolicyVersionRow>().AsNoTracking();
        if (before is { } b)
        {
            query = query.Where(v => v.Number < b);
        }
        var rows = await query.OrderByDescending(v => v.Number).Take(take + 1).ToListAsync(cancellationToken);
        var items = rows.Take(take).Select(Summary).ToList();
        return new PolicyVersionPage(items, rows.Count > take ? EncodeCursor(items[^1].Number) : null);
    }

    public async Task<PolicyVersionDetail?> GetVersionAsync(int number, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<PolicyVersionRow>().AsNoTracking().SingleOrDefaultAsync(v => v.Number == number, cancellationToken);
        return row is null ? null : new PolicyVersionDetail(Summary(row), row.PolicyText, row.ModelText);
    }

    public async Task<PolicyOutcome<PolicyDiff>> DiffAsync(int from, int to, CancellationToken cancellationToken)
    {
        var a = await GetVersionAsync(from, cancellationToken);
        var b = await GetVersionAsync(to, cancellationToken);
        if (a is null || b is null)
        {
            return PolicyOutcome<PolicyDiff>.Fail(ProblemCatalog.NotFound, $"没有策略版本 {(a is null ? from : to)} / No policy version {(a is null ? from : to)}.");
        }
        return PolicyOutcome<PolicyDiff>.Ok(PolicyTextDiff.Compare(from, a.PolicyText, to, b.PolicyText));
    }

    // ----- drafts -----

    public async Task<PolicyOutcome<PolicyDraftView>> CreateDraftAsync(string author, PolicyDraftRequest request, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var newest = await NewestAsync(db, cancellationToken);
        var baseNumber = request.BaseVersion ?? newest.Number;
        var baseRow = baseNumber == newest.Number ? newest : await db.Set<PolicyVersionRow>().AsNoTracking().SingleOrDefaultAsync(v => v.Number == baseNumber, cancellationToken);
        if (baseRow is null)
        {
            return PolicyOutcome<PolicyDraftView>.Fail(ProblemCatalog.NotFound, $"没有策略版本 {baseNumber} / No policy version {baseNumber}.");
        }
        var text = ComposeText(request, baseRow.PolicyText, out var problem);
        if (problem is not null)
        {
            return PolicyOutcome<PolicyDraftView>.Fail(ProblemCatalog.ValidationFailed, problem);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var row = new PolicyDraftRow
        {
            BaseVersion = baseRow.Number,
            PolicyText = text!,
            Author = author,
            Status = DraftStatus.Draft,
            Note = request.Note,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        LogDraft(logger, row.Id, "created");
        return PolicyOutcome<PolicyDraftView>.Ok(View(row));
    }

    public async Task<PolicyDraftView?> GetDraftAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<PolicyDraftRow>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        return row is null ? null : View(row);
    }

    public async Task<IReadOnlyList<PolicyDraftView>> ListDraftsAsync(string? status, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var query = db.Set<PolicyDraftRow>().AsNoTracking();
        if (status is not null)
        {
            query = query.Where(d => d.Status == status);
        }
        var rows = await query.OrderByDescending(d => d.Id).Take(200).ToListAsync(cancellationToken);
        return [.. rows.Select(View)];
    }

    /// <summary>Edits a draft (its author only). A rejected draft becomes a draft again; a submitted or approved one cannot change (it would bypass review).</summary>
    public Task<PolicyOutcome<PolicyDraftView>> UpdateDraftAsync(int id, string actor, PolicyDraftRequest request, CancellationToken cancellationToken) =>
        ChangeAsync(id, cancellationToken, async (db, row) =>
        {
            if (row.Author != actor)
            {
                return ProblemCatalog.Forbidden.With("只有起草人可以修改草稿 / Only the draft's author can edit it.");
            }
            if (row.Status is not (DraftStatus.Draft or DraftStatus.Rejected))
            {
                return ProblemCatalog.Conflict.With($"草稿状态为 {row.Status}，不能修改 / A {row.Status} draft cannot be edited; create a new draft.");
            }
            if (request.BaseVersion is { } newBase && newBase != row.BaseVersion)
            {
                if (!await db.Set<PolicyVersionRow>().AnyAsync(v => v.Number == newBase, cancellationToken))
                {
                    return ProblemCatalog.NotFound.With($"没有策略版本 {newBase} / No policy version {newBase}.");
                }
                row.BaseVersion = newBase;
            }
            var text = ComposeText(request, row.PolicyText, out var problem);
            if (problem is not null)
            {
                return ProblemCatalog.ValidationFailed.With(problem);
            }
            row.PolicyText = text!;
            row.Note = request.Note ?? row.Note;
            row.Status = DraftStatus.Draft;
            row.Reviewer = null;
            row.ReviewNote = null;
            row.ReviewedAt = null;
            return null;
        }, "updated");

    public async Task<PolicyOutcome<PolicyValidation>> ValidateDraftAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<PolicyDraftRow>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (row is null)
        {
            return PolicyOutcome<PolicyValidation>.Fail(ProblemCatalog.NotFound, DraftNotFound(id));
        }
        var model = await ModelOfAsync(db, row.BaseVersion, cancellationToken);
        var issues = Validate(row, model);
        return PolicyOutcome<PolicyValidation>.Ok(new PolicyValidation(issues.Count == 0, issues));
    }

    public Task<PolicyOutcome<PolicyDraftView>> SubmitAsync(int id, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, cancellationToken, async (db, row) =>
        {
            if (row.Author != actor)
            {
                return ProblemCatalog.Forbidden.With("只有起草人可以提交草稿 / Only the draft's author can submit it.");
            }
            if (row.Status != DraftStatus.Draft)
            {
                return ProblemCatalog.Conflict.With($"只能提交草稿状态的草稿，当前为 {row.Status} / Only a draft in state 'draft' can be submitted; this one is '{row.Status}'.");
            }
            if (Validate(row, await ModelOfAsync(db, row.BaseVersion, cancellationToken)) is { Count: > 0 } issues)
            {
                return ProblemCatalog.PolicyInvalid.With("草稿未通过校验 / The draft does not validate.", issues);
            }
            row.Status = DraftStatus.Submitted;
            row.SubmittedAt = time.GetUtcNow().UtcDateTime;
            return null;
        }, "submitted");

    /// <summary>Four eyes: a privacy officer other than the author approves (the author gets <c>self_approval</c>).</summary>
    public Task<PolicyOutcome<PolicyDraftView>> ApproveAsync(int id, string reviewer, string? note, CancellationToken cancellationToken) =>
        ReviewAsync(id, reviewer, note, DraftStatus.Approved, cancellationToken);

    public Task<PolicyOutcome<PolicyDraftView>> RejectAsync(int id, string reviewer, string? note, CancellationToken cancellationToken) =>
        ReviewAsync(id, reviewer, note, DraftStatus.Rejected, cancellationToken);

    /// <summary>
    /// Publishes an approved draft as the next version. The text is validated and the snapshot built
    /// first (a policy that does not load is never published); one transaction writes the version and
    /// marks the draft; the running policy is swapped only after the commit.
    /// </summary>
    public async Task<PolicyOutcome<PolicyVersionDetail>> PublishAsync(int id, string publisher, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<PolicyDraftRow>().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (row is null)
        {
            return PolicyOutcome<PolicyVersionDetail>.Fail(ProblemCatalog.NotFound, DraftNotFound(id));
        }
        if (row.Status != DraftStatus.Approved)
        {
            return PolicyOutcome<PolicyVersionDetail>.Fail(ProblemCatalog.Conflict, $"只能发布已批准的草稿，当前为 {row.Status} / Only an approved draft can be published; this one is '{row.Status}'.");
        }
        var newest = await NewestAsync(db, cancellationToken);
        if (row.BaseVersion != newest.Number)
        {
            return PolicyOutcome<PolicyVersionDetail>.Fail(ProblemCatalog.Conflict,
                $"草稿基于版本 {row.BaseVersion}，当前版本为 {newest.Number}：请基于当前版本修改并重新审批 / The draft is based on version {row.BaseVersion} but version {newest.Number} is current: update it against the current version and have it approved again.");
        }
        if (Validate(row, newest.ModelText) is { Count: > 0 } issues)
        {
            return PolicyOutcome<PolicyVersionDetail>.Fail(ProblemCatalog.PolicyInvalid, "草稿未通过校验 / The draft does not validate.", issues);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var version = new PolicyVersionRow
        {
            Number = newest.Number + 1,
            PolicyText = row.PolicyText,
            ModelText = newest.ModelText,
            Author = row.Author,
            Approver = row.Reviewer,
            Publisher = publisher,
            CreatedAt = row.CreatedAt,
            PublishedAt = now,
            Note = row.Note,
            RolledBackFrom = row.RollbackOf,
            DraftId = row.Id,
        };
        var snapshot = loader.Build(version);
        if (!snapshot.IsSuccess)
        {
            return PolicyOutcome<PolicyVersionDetail>.Fail(ProblemCatalog.PolicyInvalid, "草稿无法加载 / The draft does not load.", [.. snapshot.Errors.Select(Issue)]);
        }
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.Add(version);
            row.Status = DraftStatus.Published;
            row.PublishedVersion = version.Number;
            row.PublishedAt = now;
            row.UpdatedAt = now;
            row.Revision++;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another node published (the version number is taken) or acted on this draft first.
                return PolicyOutcome<PolicyVersionDetail>.Fail(ProblemCatalog.Conflict, "另一位隐私官刚刚发布了版本或处理了该草稿 / Another officer published a version or acted on this draft just now; reload and retry.");
            }
        }
        runtime.Install(snapshot.Value);
        changes.Publish(PolicyStoreSync.Topic);
        LogPublished(logger, version.Number, row.Id);
        return PolicyOutcome<PolicyVersionDetail>.Ok(new PolicyVersionDetail(Summary(version), version.PolicyText, version.ModelText));
    }

    /// <summary>Rollback is a new version: a draft whose text is version <paramref name="number"/>'s, which then goes through review.</summary>
    public async Task<PolicyOutcome<PolicyDraftView>> RollbackAsync(int number, string author, string? note, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var target = await db.Set<PolicyVersionRow>().AsNoTracking().SingleOrDefaultAsync(v => v.Number == number, cancellationToken);
        if (target is null)
        {
            return PolicyOutcome<PolicyDraftView>.Fail(ProblemCatalog.NotFound, $"没有策略版本 {number} / No policy version {number}.");
        }
        var newest = await NewestAsync(db, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var row = new PolicyDraftRow
        {
            BaseVersion = newest.Number,
            PolicyText = target.PolicyText,
            Author = author,
            Status = DraftStatus.Draft,
            RollbackOf = number,
            Note = note ?? $"回滚到版本 {number} / Roll back to version {number}",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        LogDraft(logger, row.Id, "rollback");
        return PolicyOutcome<PolicyDraftView>.Ok(View(row));
    }

    /// <summary>The dry run of a draft against the newest version, on the real data (<see cref="PolicyImpactCalculator"/>).</summary>
    public async Task<PolicyOutcome<PolicyImpact>> ImpactAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<PolicyDraftRow>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (row is null)
        {
            return PolicyOutcome<PolicyImpact>.Fail(ProblemCatalog.NotFound, DraftNotFound(id));
        }
        var newest = await NewestAsync(db, cancellationToken);
        if (Validate(row, newest.ModelText) is { Count: > 0 } issues)
        {
            return PolicyOutcome<PolicyImpact>.Fail(ProblemCatalog.PolicyInvalid, "草稿未通过校验，无法预演 / The draft does not validate, so it cannot be dry-run.", issues);
        }
        // As of now, like a read now: a window that opens later changes nothing yet, so the draft's
        // windows are listed beside the counts for the reviewer to see the time limits.
        var now = time.GetUtcNow();
        var before = folder.WithPolicy(newest.PolicyText, newest.ModelText, at: now).LoadEnforcer().Value;
        var draft = folder.WithPolicy(row.PolicyText, newest.ModelText, at: now);
        var result = await impact.ComputeAsync(before, draft.LoadEnforcer().Value, cancellationToken);
        return PolicyOutcome<PolicyImpact>.Ok(result with
        {
            DraftId = row.Id,
            BaseVersion = newest.Number,
            AsOf = now,
            Windows = [.. draft.Rules().Where(r => r.Window is not null).Select(r => PolicyImpactCalculator.Describe(r, r.Window!, now))],
        });
    }

    /// <summary>The time-windowed rules of a hand-written text, each with its state now and its "opens at / closes at" sentence (the pages show them).</summary>
    public IReadOnlyList<PolicyImpactWindow> WindowsOf(string policyText)
    {
        var now = time.GetUtcNow();
        return [.. folder.WithPolicy(policyText, at: now).Rules().Where(r => r.Window is not null).Select(r => PolicyImpactCalculator.Describe(r, r.Window!, now))];
    }

    /// <summary>Coverage of the newest version, or of a draft's text.</summary>
    public async Task<PolicyOutcome<PolicyCoverage>> CoverageAsync(int? draftId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var newest = await NewestAsync(db, cancellationToken);
        string text;
        if (draftId is { } id)
        {
            var row = await db.Set<PolicyDraftRow>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
            if (row is null)
            {
                return PolicyOutcome<PolicyCoverage>.Fail(ProblemCatalog.NotFound, DraftNotFound(id));
            }
            text = row.PolicyText;
        }
        else
        {
            text = newest.PolicyText;
        }
        var composed = folder.WithPolicy(text, newest.ModelText, at: time.GetUtcNow());
        var enforcer = composed.LoadEnforcer();
        if (!enforcer.IsSuccess)
        {
            return PolicyOutcome<PolicyCoverage>.Fail(ProblemCatalog.PolicyInvalid, "策略无法加载 / The policy does not load.", [.. enforcer.Errors.Select(Issue)]);
        }
        return PolicyOutcome<PolicyCoverage>.Ok(PolicyCoverageCalculator.Compute(composed, enforcer.Value, draftId is null ? newest.Number : null, draftId));
    }

    // ----- helpers -----

    private async Task<PolicyOutcome<PolicyDraftView>> ReviewAsync(int id, string reviewer, string? note, string outcome, CancellationToken cancellationToken) =>
        await ChangeAsync(id, cancellationToken, async (db, row) =>
        {
            if (row.Author == reviewer)
            {
                return ProblemCatalog.SelfApproval.With("起草人不能审批自己的草稿，需另一位隐私官 / The author cannot review their own draft: another privacy officer must.");
            }
            if (row.Status != DraftStatus.Submitted)
            {
                return ProblemCatalog.Conflict.With($"只能审批已提交的草稿，当前为 {row.Status} / Only a submitted draft can be reviewed; this one is '{row.Status}'.");
            }
            if (outcome == DraftStatus.Approved && Validate(row, await ModelOfAsync(db, row.BaseVersion, cancellationToken)) is { Count: > 0 } issues)
            {
                return ProblemCatalog.PolicyInvalid.With("草稿未通过校验 / The draft does not validate.", issues);
            }
            row.Status = outcome;
            row.Reviewer = reviewer;
            row.ReviewNote = note;
            row.ReviewedAt = time.GetUtcNow().UtcDateTime;
            return null;
        }, outcome);

    /// <summary>Loads a draft, applies a change (or returns its problem), saves with the revision as concurrency token.</summary>
    private async Task<PolicyOutcome<PolicyDraftView>> ChangeAsync(int id, CancellationToken cancellationToken, Func<VaultDbContext, PolicyDraftRow, Task<Refusal?>> change, string what)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<PolicyDraftRow>().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (row is null)
        {
            return PolicyOutcome<PolicyDraftView>.Fail(ProblemCatalog.NotFound, DraftNotFound(id));
        }
        if (await change(db, row) is { } refusal)
        {
            return PolicyOutcome<PolicyDraftView>.Fail(refusal.Problem, refusal.Detail, refusal.Issues);
        }
        row.UpdatedAt = time.GetUtcNow().UtcDateTime;
        row.Revision++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return PolicyOutcome<PolicyDraftView>.Fail(ProblemCatalog.Conflict, "该草稿刚被他人修改 / The draft was changed by someone else just now; reload and retry.");
        }
        LogDraft(logger, row.Id, what);
        return PolicyOutcome<PolicyDraftView>.Ok(View(row));
    }

    private List<PolicyIssue> Validate(PolicyDraftRow row, string modelText)
    {
        var path = $"draft-{row.Id.ToString(CultureInfo.InvariantCulture)}/{DataVaultPolicyFolder.PolicyFile}";
        var composed = folder.WithPolicy(row.PolicyText, modelText, policyPath: path, modelPath: DataVaultPolicyFolder.ModelFile, at: time.GetUtcNow());
        return [.. composed.Check().Select(Issue)];
    }

    private static PolicyIssue Issue(DataVault.Policy.PolicyError e) => new(e.File, e.Line, e.Column, e.Message);

    private static async Task<string> ModelOfAsync(VaultDbContext db, int version, CancellationToken cancellationToken) =>
        await db.Set<PolicyVersionRow>().Where(v => v.Number == version).Select(v => v.ModelText).SingleOrDefaultAsync(cancellationToken)
        ?? (await NewestAsync(db, cancellationToken)).ModelText;

    private static async Task<PolicyVersionRow> NewestAsync(VaultDbContext db, CancellationToken cancellationToken) =>
        await db.Set<PolicyVersionRow>().AsNoTracking().OrderByDescending(v => v.Number).FirstAsync(cancellationToken);

    /// <summary>The draft text from a request: the whole text, or a form line appended to <paramref name="baseText"/>.</summary>
    private string? ComposeText(PolicyDraftRequest request, string baseText, out string? problem)
    {
        problem = null;
        if (request.Text is not null && request.Line is not null)
        {
            problem = "请提供 text 或 line 之一 / Give either text or line, not both.";
            return null;
        }
        if (request.Text is { } text)
        {
            if (text.Length > 1_000_000)
            {
                problem = "策略文本过长 / The policy text is longer than 1,000,000 characters.";
                return null;
            }
            return text;
        }
        if (request.Line is not { } line)
        {
            return baseText;
        }
        var window = FormWindow(line, time.GetUtcNow(), out problem);
        if (problem is not null)
        {
            return null;
        }
        var cells = new[] { line.Role, line.Jurisdiction ?? DataVaultPolicyFolder.Everywhere, line.Department ?? "*", line.Field, line.Fidelity, line.Purpose };
        if (cells.Any(c => string.IsNullOrWhiteSpace(c) || c.Contains(',', StringComparison.Ordinal) || c.Contains('\n', StringComparison.Ordinal) || c.Contains('"', StringComparison.Ordinal)))
        {
            problem = "表单的每一项都必须填写，且不能包含逗号、引号或换行 / Every form cell is required and may not contain a comma, quote or line break.";
            return null;
        }
        var sb = new StringBuilder(baseText);
        if (sb.Length > 0 && sb[^1] != '\n')
        {
            sb.Append('\n');
        }
        if (window is not null)
        {
            sb.Append(window.ToAnnotation()).Append('\n');
        }
        sb.Append("p, ").AppendJoin(", ", cells.Select(c => c.Trim())).Append('\n');
        return sb.ToString();
    }

    /// <summary>The longest window a form line may carry: a guard against a mistyped year, not a security limit (text may say more).</summary>
    public static readonly TimeSpan MaxFormWindow = TimeSpan.FromDays(366);

    /// <summary>
    /// The window of a form line, or null without one. It must end after it starts and in the future (a
    /// window already over would add a line that never decides), and last at most
    /// <see cref="MaxFormWindow"/> from its start or from now, whichever is later.
    /// </summary>
    private static PolicyWindow? FormWindow(PolicyLineForm line, DateTimeOffset now, out string? problem)
    {
        problem = null;
        var (validFrom, validUntil) = (Truncate(line.ValidFrom), Truncate(line.ValidUntil));
        if (validFrom is null && validUntil is null)
        {
            return null;
        }
        if (validFrom is { } from && validUntil is { } until && until <= from)
        {
            problem = "失效时间必须晚于生效时间 / validUntil must be after validFrom.";
        }
        else if (validUntil is { } end && end <= now)
        {
            problem = "失效时间已过：该规则将永不生效 / validUntil is in the past: the rule would never decide.";
        }
        else if (validUntil is { } last && last - (validFrom is { } first && first > now ? first : now) > MaxFormWindow)
        {
            problem = "时间窗口最长 366 天；更长期的规则请不设失效时间 / A window may last at most 366 days; a longer-lived rule is written without validUntil.";
        }
        return problem is null ? new PolicyWindow(validFrom, validUntil) : null;
    }

    /// <summary>Whole seconds, as the annotation writes them, so the stored window is exactly what was asked (to the second).</summary>
    private static DateTimeOffset? Truncate(DateTimeOffset? at) =>
        at is { } t ? new DateTimeOffset(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset) : null;

    private PolicyVersionSummary Summary(PolicyVersionRow row) => new(
        row.Number, row.Author, row.Approver, row.Publisher, Utc(row.CreatedAt), Utc(row.PublishedAt), row.Note, row.RolledBackFrom, row.DraftId,
        runtime.Current.StoreVersion == row.Number);

    private static PolicyDraftView View(PolicyDraftRow row) => new(
        row.Id, row.BaseVersion, row.Status, row.Author, row.Reviewer, row.ReviewNote, row.Note, row.RollbackOf, row.PublishedVersion,
        Utc(row.CreatedAt), Utc(row.UpdatedAt), Utc(row.SubmittedAt), Utc(row.ReviewedAt), Utc(row.PublishedAt), row.Revision, row.PolicyText);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;

    private static string DraftNotFound(int id) => $"没有草稿 {id} / No draft {id}.";

    private static string EncodeCursor(int number) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("v:" + number.ToString(CultureInfo.InvariantCulture))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The version number a cursor points below (null: no cursor, start from the newest); false for a cursor this API did not issue.</summary>
    private static bool TryDecodeCursor(string? cursor, out int? before)
    {
        before = null;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }
        if (cursor.Length > 32)
        {
            return false;
        }
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(padded));
            if (text.StartsWith("v:", StringComparison.Ordinal) && int.TryParse(text[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                before = n;
                return true;
            }
            return false;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy draft {DraftId} {Change}")]
    private static partial void LogDraft(ILogger logger, int draftId, string change);

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy version {Version} published from draft {DraftId}")]
    private static partial void LogPublished(ILogger logger, int version, int draftId);
}

/// <summary>Why a change to a draft is refused.</summary>
internal sealed record Refusal(ProblemType Problem, string Detail, IReadOnlyList<PolicyIssue>? Issues = null);

internal static class RefusalExtensions
{
    public static Refusal With(this ProblemType problem, string detail, IReadOnlyList<PolicyIssue>? issues = null) => new(problem, detail, issues);
}
