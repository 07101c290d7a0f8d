using DataVault.Identity.Units;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using DataVault.Vault.ResidentApi;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Oversight.Sealing;

/// <summary>The body of <c>POST /api/v1/seals</c>.</summary>
public sealed record SealRequest(string? ResidentId, string? CaseId, string? LegalBasis, int? Days);

/// <summary>The body of <c>POST /api/v1/seals/{id}/lift</c>.</summary>
public sealed record LiftSeal(string? Reason);

/// <summary>A seal as its requester and the privacy officers see it.</summary>
public sealed record SealView(string Id, string Status, string ResidentId, string CaseId, string LegalBasis, int Days, string RequesterUnit,
    DateTimeOffset RequestedAt, DateTimeOffset? SealedFrom, DateTimeOffset? SealedUntil, string? LiftReason);

/// <summary>One sealed entry as the resident sees it: where it is, when its details become visible, and the proof that it is in the log.</summary>
public sealed record SealedAccess(string LogId, long Index, DateTimeOffset VisibleFrom, InclusionProofView? Proof, TreeHeadView? TreeHead);

/// <summary>
/// Sealed accesses (issue 16, item 5). A unit with a lawful reason to keep its accesses from the
/// resident for a while (a police investigation) requests a seal on one resident, naming the case and
/// the legal basis, for at most <see cref="MaxDays"/> days; a privacy officer of the district other than
/// the requester approves it (four eyes, as for break-glass). From approval, that unit's accesses to
/// the resident are logged as usual but shown to the resident only as "a sealed access, visible from
/// DATE", with the inclusion proof of its leaf; at that date (or when an officer lifts the seal) the
/// entry shows in full, and its leaf hash is the one proven all along. The request itself is not
/// logged to the resident (that would defeat it); it reads only the row's jurisdiction columns.
/// </summary>
internal sealed class SealService(IDbContextFactory<VaultDbContext> dbs, ResidentReader residents, Jurisdictions.JurisdictionTree tree, TimeProvider time)
{
    public const int MaxDays = 90;
    public const int MinText = 10;

    public async Task<(SealView? Seal, ProblemType? Problem, string? Detail)> RequestAsync(CallerContext caller, SealRequest request, CancellationToken cancellationToken)
    {
        var caseId = request.CaseId?.Trim() ?? "";
        var basis = request.LegalBasis?.Trim() ?? "";
        var days = request.Days ?? 30;
        if (caller.Role == UnitRoles.Resident)
        {
            return (null, ProblemCatalog.Forbidden, "居民不能申请封存 / Residents cannot request a seal.");
        }
        if (string.IsNullOrWhiteSpace(request.ResidentId) || caseId.Length is 0 or > 64 || basis.Length is < MinText or > 1000 || days is < 1 or > MaxDays)
        {
            return (null, ProblemCatalog.ValidationFailed, $"需要 residentId、caseId（1–64 字符）、legalBasis（{MinText}–1000 字符）和 days（1–{MaxDays}）/ residentId, caseId (1–64 characters), legalBasis ({MinText}–1000) and days (1–{MaxDays}) are required.");
        }
        var resident = await residents.FindRecordAsync(request.ResidentId.Trim(), cancellationToken);
        if (resident is null || !ResidentScope.IsWithin(tree, ResidentViews.LocationOf(resident).Jurisdiction, caller.Jurisdiction))
        {
            return (null, ProblemCatalog.NotFound, "在您的权限范围内没有该居民 / No such resident within your reach.");
        }
        var row = new SealRow
        {
            Id = ResidentWriter.NewId(),
            DistrictCode = resident.DistrictCode,
            ResidentId = resident.Id,
            CaseId = caseId,
            LegalBasis = basis,
            Days = days,
            RequesterSubject = caller.Subject,
            RequesterUnit = caller.Unit,
            RequestedAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            Status = SealRow.Pending,
        };
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        db.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return (View(row), null, null);
    }

    /// <summary>Approves or rejects a pending seal: a privacy officer of its district, never the requester.</summary>
    public async Task<(SealView? Seal, ProblemType? Problem, string? Detail)> DecideAsync(CallerContext officer, string id, bool approve, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<SealRow>().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (row is null || !IsOfficerOf(officer, row))
        {
            return (null, officer.Role == UnitRoles.PrivacyOfficer ? ProblemCatalog.NotFound : ProblemCatalog.Forbidden, "只有本区隐私官审批封存 / Only the district's privacy officers decide seals.");
        }
        if (row.RequesterSubject == officer.Subject)
        {
            return (null, ProblemCatalog.SelfApproval, "不能批准自己的封存申请 / You cannot decide your own seal.");
        }
        if (row.Status != SealRow.Pending)
        {
            return (null, ProblemCatalog.Conflict, $"封存已处理（{row.Status}）/ The seal is already {row.Status}.");
        }
        var now = time.GetUtcNow();
        row.Status = approve ? SealRow.Approved : SealRow.Rejected;
        row.DecidedBy = officer.Subject;
        if (approve)
        {
            row.SealedFromUnixMs = now.ToUnixTimeMilliseconds();
            row.SealedUntilUnixMs = now.AddDays(row.Days).ToUnixTimeMilliseconds();
        }
        await db.SaveChangesAsync(cancellationToken);
        return (View(row), null, null);
    }

    /// <summary>Ends an approved seal now: later accesses are not sealed, and the sealed ones become visible to the resident at once.</summary>
    public async Task<(SealView? Seal, ProblemType? Problem, string? Detail)> LiftAsync(CallerContext officer, string id, LiftSeal body, CancellationToken cancellationToken)
    {
        var reason = body.Reason?.Trim() ?? "";
        if (reason.Length is < MinText or > 1000)
        {
            return (null, ProblemCatalog.ValidationFailed, $"理由需 {MinText}–1000 字符 / The reason needs {MinText}–1000 characters.");
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<SealRow>().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (row is null || !IsOfficerOf(officer, row))
        {
            return (null, officer.Role == UnitRoles.PrivacyOfficer ? ProblemCatalog.NotFound : ProblemCatalog.Forbidden, "只有本区隐私官解除封存 / Only the district's privacy officers lift seals.");
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (row.Status != SealRow.Approved || row.SealedUntilUnixMs <= now)
        {
            return (null, ProblemCatalog.Conflict, "封存未生效或已结束 / The seal is not in force.");
        }
        row.SealedUntilUnixMs = now;
        row.LiftedBy = officer.Subject;
        row.LiftReason = reason;
        await db.SaveChangesAsync(cancellationToken);
        return (View(row), null, null);
    }

    /// <summary>The district's seals for its officers and auditors; a requester's own otherwise. Newest first, at most 200.</summary>
    public async Task<IReadOnlyList<SealView>> ListAsync(CallerContext caller, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var query = db.Set<SealRow>().AsNoTracking();
        query = AccessLogEndpoints.DistrictOf(caller, UnitRoles.PrivacyOfficer, UnitRoles.Auditor) is { } district
            ? query.Where(s => s.DistrictCode == district)
            : query.Where(s => s.RequesterSubject == caller.Subject);
        return [.. (await query.OrderByDescending(s => s.RequestedAtUnixMs).Take(200).ToListAsync(cancellationToken)).Select(View)];
    }

    /// <summary>
    /// Of the given log entries about one resident, the sealed ones at <c>now</c>, each with the instant it
    /// becomes visible: made by a seal's unit to the seal's resident inside an approved seal that has not ended.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string LogId, long Index), DateTimeOffset>> SealedAsync(string residentId, IReadOnlyList<AccessLogRow> rows, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var seals = await db.Set<SealRow>().AsNoTracking()
            .Where(s => s.ResidentId == residentId && s.Status == SealRow.Approved && s.SealedUntilUnixMs > now)
            .ToListAsync(cancellationToken);
        var sealedRows = new Dictionary<(string, long), DateTimeOffset>();
        foreach (var row in rows)
        {
            var seal = seals.FirstOrDefault(s => row.ResidentId == s.ResidentId && row.ActorUnit == s.RequesterUnit
                && row.RecordedAtUnixMs >= s.SealedFromUnixMs && row.RecordedAtUnixMs < s.SealedUntilUnixMs);
            if (seal is not null)
            {
                sealedRows[(row.LogId, row.Index)] = DateTimeOffset.FromUnixTimeMilliseconds(seal.SealedUntilUnixMs!.Value);
            }
        }
        return sealedRows;
    }

    private static bool IsOfficerOf(CallerContext officer, SealRow row) =>
        AccessLogEndpoints.DistrictOf(officer, UnitRoles.PrivacyOfficer) == row.DistrictCode;

    private static SealView View(SealRow s) => new(s.Id, s.Status, s.ResidentId, s.CaseId, s.LegalBasis, s.Days, s.RequesterUnit,
        DateTimeOffset.FromUnixTimeMilliseconds(s.RequestedAtUnixMs),
        s.SealedFromUnixMs is { } from ? DateTimeOffset.FromUnixTimeMilliseconds(from) : null,
        s.SealedUntilUnixMs is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null,
        s.LiftReason);
}
