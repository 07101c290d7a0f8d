using DataVault.Identity.Units;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Problems;
using DataVault.Vault.Residents;
using DataVault.Vault.Views;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.BreakGlass;

/// <summary>The body of <c>POST /api/v1/break-glass</c>.</summary>
public sealed record BreakGlassRequest(string? ResidentId, string? CaseId, string? Reason, int? Minutes);

/// <summary>The body of <c>POST /api/v1/break-glass/{id}/review</c>: <c>justified</c> or <c>unjustified</c>, with a note.</summary>
public sealed record BreakGlassReview(string? Outcome, string? Note);

/// <summary>The body of <c>POST /api/v1/break-glass/{id}/reject</c>.</summary>
public sealed record BreakGlassRejection(string? Note);

/// <summary>The outcome of a break-glass step: the request as it now stands, or the problem that stopped it.</summary>
internal sealed record BreakGlassResult(BreakGlassRow? Row, ProblemType? Problem, string? Detail, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public static BreakGlassResult Ok(BreakGlassRow row) => new(row, null, null);

    public static BreakGlassResult Fail(ProblemType problem, string detail) => new(null, problem, detail);
}

/// <summary>
/// Emergency access (issue 5, item 5; DESIGN.md, L5 row): a named case and a stated reason, a second
/// person's approval (a privacy officer of the resident's district), a time limit, an entry in the
/// resident's log for the request and for the decision, and a review queue. What an active
/// break-glass lets its requester see is <see cref="BreakGlassRights"/>'s job.
/// </summary>
internal sealed class BreakGlassService(
    BreakGlassStore store,
    ResidentReader residents,
    JurisdictionTree tree,
    AccessLogWriter log,
    ViewDecider decider,
    IOptions<BreakGlassOptions> options,
    TimeProvider time)
{
    /// <summary>The purpose code break-glass entries carry in the access log (not a purpose a read can state).</summary>
    public const string LogPurpose = "break_glass";

    public const int MinReason = 10;
    public const int MaxReason = 1000;

    public async Task<BreakGlassResult> RequestAsync(CallerContext caller, BreakGlassRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var caseId = request.CaseId?.Trim() ?? "";
        var reason = request.Reason?.Trim() ?? "";
        var minutes = request.Minutes ?? BreakGlassOptions.DefaultMinutes;
        if (string.IsNullOrWhiteSpace(request.ResidentId))
        {
            errors["residentId"] = ["required"];
        }
        if (caseId.Length is 0 or > 64)
        {
            errors["caseId"] = ["name the case (1 to 64 characters)"];
        }
        if (Api.ReasonText.Problem(reason, MinReason, MaxReason) is { } reasonProblem)
        {
            errors["reason"] = [reasonProblem];
        }
        if (minutes < 1 || minutes > options.Value.MaxMinutes)
        {
            errors["minutes"] = [$"1 to {options.Value.MaxMinutes}"];
        }
        if (errors.Count > 0)
        {
            return new BreakGlassResult(null, ProblemCatalog.ValidationFailed, "紧急访问申请无效 / The break-glass request is invalid.", errors);
        }
        if (caller.Role == UnitRoles.Resident)
        {
            return BreakGlassResult.Fail(ProblemCatalog.Forbidden, "居民不能申请紧急访问 / Residents cannot request break-glass access.");
        }
        // Outside the caller's territory the resident does not exist for them: 404, as a read would answer.
        // The row's jurisdiction columns place the resident; a request opens nothing of the record.
        var resident = await residents.FindRecordAsync(request.ResidentId!.Trim(), cancellationToken);
        if (resident is null || !Within(ResidentViews.LocationOf(resident).Jurisdiction, caller.Jurisdiction))
        {
            return BreakGlassResult.Fail(ProblemCatalog.NotFound, "在您的权限范围内没有该居民 / No such resident within your reach.");
        }
        var now = time.GetUtcNow();
        var row = new BreakGlassRow
        {
            Id = "bg-" + ResidentWriter.NewId(),
            DistrictCode = resident.CommunityCode[..6],
            ResidentId = resident.Id,
            CaseId = caseId,
            Reason = reason,
            Minutes = minutes,
            RequesterSubject = caller.Subject,
            RequesterUnit = caller.Unit,
            RequesterRole = caller.Role,
            RequestedAt = now.UtcDateTime,
            Status = BreakGlassStore.Pending,
        };
        // The resident's log shows the request before it exists anywhere else (fail closed).
        await log.AppendAsync(Entry(row, caller, "break-glass:requested"), cancellationToken);
        await store.InsertAsync(row, cancellationToken);
        return BreakGlassResult.Ok(row);
    }

    public async Task<BreakGlassResult> DecideAsync(CallerContext caller, string id, bool approve, string? note, CancellationToken cancellationToken)
    {
        var row = await store.FindAsync(id, cancellationToken);
        if (row is null || !CanSee(caller, row))
        {
            return NotFound();
        }
        if (row.RequesterSubject == caller.Subject)
        {
            return BreakGlassResult.Fail(ProblemCatalog.SelfApproval, "紧急访问须由另一人批准 / A break-glass needs a second person's approval.");
        }
        if (!IsOfficer(caller, row.DistrictCode, alsoAuditor: false))
        {
            return BreakGlassResult.Fail(ProblemCatalog.Forbidden, "只有该区隐私官可以批准 / Only a privacy officer of the resident's district can decide.");
        }
        var now = time.GetUtcNow();
        DateTime? expires = approve ? now.AddMinutes(row.Minutes).UtcDateTime : null;
        if (!await store.DecideAsync(id, approve, caller.Subject, now.UtcDateTime, expires, cancellationToken))
        {
            return BreakGlassResult.Fail(ProblemCatalog.Conflict, "该申请已处理 / The request has already been decided.");
        }
        try
        {
            var entry = Entry(row, caller, approve ? "break-glass:approved" : "break-glass:rejected");
            await log.AppendAsync(note is null ? entry : entry with { Reason = note }, cancellationToken);
        }
        catch
        {
            await store.UndecideAsync(id, CancellationToken.None);
            throw;
        }
        return BreakGlassResult.Ok((await store.FindAsync(id, cancellationToken))!);
    }

    public async Task<BreakGlassResult> ReviewAsync(CallerContext caller, string id, BreakGlassReview review, CancellationToken cancellationToken)
    {
        var outcome = review.Outcome?.Trim();
        var note = review.Note?.Trim() ?? "";
        if (outcome is not ("justified" or "unjustified") || note.Length > 2000)
        {
            return new BreakGlassResult(null, ProblemCatalog.ValidationFailed, "复核结论无效 / Invalid review.",
                new Dictionary<string, string[]> { ["outcome"] = ["justified or unjustified"], ["note"] = ["at most 2000 characters"] });
        }
        var row = await store.FindAsync(id, cancellationToken);
        if (row is null || !CanSee(caller, row))
        {
            return NotFound();
        }
        if (row.RequesterSubject == caller.Subject)
        {
            return BreakGlassResult.Fail(ProblemCatalog.SelfApproval, "不能复核自己的紧急访问 / You cannot review your own break-glass.");
        }
        if (!IsOfficer(caller, row.DistrictCode, alsoAuditor: false))
        {
            return BreakGlassResult.Fail(ProblemCatalog.Forbidden, "只有该区隐私官可以复核 / Only a privacy officer of the resident's district can review.");
        }
        var now = time.GetUtcNow();
        if (!await store.ReviewAsync(id, outcome, note, caller.Subject, now.UtcDateTime, cancellationToken))
        {
            return BreakGlassResult.Fail(ProblemCatalog.Conflict, "只有已批准且未复核的申请可以复核 / Only an approved, unreviewed break-glass can be reviewed.");
        }
        return BreakGlassResult.Ok((await store.FindAsync(id, cancellationToken))!);
    }

    public async Task<BreakGlassRow?> ReadAsync(CallerContext caller, string id, CancellationToken cancellationToken)
    {
        var row = await store.FindAsync(id, cancellationToken);
        return row is not null && CanSee(caller, row) ? row : null;
    }

    /// <summary>The requester, and the privacy officers and auditors of the resident's district.</summary>
    public static bool CanSee(CallerContext caller, BreakGlassRow row) =>
        row.RequesterSubject == caller.Subject || IsOfficer(caller, row.DistrictCode, alsoAuditor: true);

    public static bool IsOfficer(CallerContext caller, string district, bool alsoAuditor) =>
        (caller.Role == UnitRoles.PrivacyOfficer || (alsoAuditor && caller.Role == UnitRoles.Auditor)) && caller.Jurisdiction == district;

    public static string LegalBasis(string caseId) =>
        $"紧急访问，案件 {caseId} / Break-glass, case {caseId}: PIPL art. 13(1)4 (to protect life, health or property in an emergency)";

    // Request and decision entries name no field: nothing was served by them.
    private AccessLogEntry Entry(BreakGlassRow row, CallerContext actor, string decision) => new(
        row.ResidentId,
        row.DistrictCode,
        AccessAction.BreakGlass,
        actor.Subject,
        actor.Unit,
        actor.Role,
        actor.ClientId,
        [],
        LogPurpose,
        LegalBasis(row.CaseId),
        [row.Id],
        decider.Snapshot.Version,
        decision)
    {
        Reason = decision == "break-glass:requested" ? row.Reason : null,
    };

    private bool Within(string inner, string outer)
    {
        var node = tree.Find(inner);
        for (var depth = 0; node is not null && depth < 8; depth++)
        {
            if (node.Code == outer)
            {
                return true;
            }
            node = node.Parent is null ? null : tree.Find(node.Parent);
        }
        return false;
    }

    private static BreakGlassResult NotFound() =>
        BreakGlassResult.Fail(ProblemCatalog.NotFound, "没有您可见的该紧急访问 / No such break-glass visible to you.");
}
