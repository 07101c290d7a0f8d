using System.Globalization;
using DataVault.Identity.Units;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Me;
using DataVault.Vault.Problems;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Oversight.Snooping;

/// <summary>An alert as the privacy officers' queue shows it; <see cref="Proven"/> (one alert only) adds each evidence entry with its inclusion proof.</summary>
public sealed record SnoopingAlertView(
    string Id, string District, CodeLabel Rule, string Day, string ActorUserId, string ActorUnit, string ActorRole, string SubjectKey,
    IReadOnlyList<string> Residents, double Measured, double Threshold, string SummaryZh, string SummaryEn, string Status,
    DateTimeOffset CreatedAt, string? ClosedByUnit, DateTimeOffset? ClosedAt, string? CloseReason, IReadOnlyList<EvidenceEntry> Evidence)
{
    public IReadOnlyList<ProvenAccess>? Proven { get; init; }
}

/// <summary>A page of alerts, newest first.</summary>
public sealed record SnoopingAlertPage(IReadOnlyList<SnoopingAlertView> Alerts, string? NextCursor);

/// <summary>The body of <c>POST /oversight/alerts/{id}/close</c>: <c>upheld</c> or <c>dismissed</c>, and why (the resident reads an upheld alert's reason).</summary>
public sealed record CloseAlert(string? Outcome, string? Reason);

/// <summary>What a resident is told of an upheld alert about their record: which rule, which day, which unit, and the officer's reason.</summary>
public sealed record UpheldAlertNotice(string Id, CodeLabel Rule, string Day, string ActorUnit, DateTimeOffset ClosedAt, string Reason);

/// <summary>
/// The snooping alert queue of each district's privacy officers (auditors read it): list, one alert
/// with its evidence proven against the signed log, close as upheld or dismissed with a reason, and
/// for residents, the upheld alerts about their record.
/// </summary>
internal sealed class SnoopingAlerts(IDbContextFactory<VaultDbContext> dbs, SnoopingRules rules, AccessLogQueries log, TimeProvider time)
{
    public const int MinReason = 10;
    public const int MaxReason = 1000;

    /// <summary>The district whose queue the caller reads: a privacy officer's or auditor's held at a district (as for the log search), none otherwise.</summary>
    private static string? QueueOf(CallerContext caller) => AccessLogEndpoints.DistrictOf(caller, UnitRoles.PrivacyOfficer, UnitRoles.Auditor);

    public async Task<SnoopingAlertPage> ListAsync(CallerContext officer, string? status, QueueCursor? after, int limit, CancellationToken cancellationToken)
    {
        if (QueueOf(officer) is not { } district)
        {
            return new SnoopingAlertPage([], null);
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var query = db.Set<SnoopingAlertRow>().AsNoTracking().Where(a => a.DistrictCode == district);
        if (status is not null)
        {
            query = query.Where(a => a.Status == status);
        }
        if (after is { } c)
        {
            query = query.Where(a => a.CreatedAtUnixMs < c.AtUnixMs || (a.CreatedAtUnixMs == c.AtUnixMs && string.Compare(a.Id, c.Id) < 0));
        }
        var rows = await query.OrderByDescending(a => a.CreatedAtUnixMs).ThenByDescending(a => a.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var page = rows.Take(limit).ToList();
        var residents = await ResidentsAsync(db, page.Select(a => a.Id).ToList(), cancellationToken);
        var next = rows.Count > limit ? new QueueCursor(page[^1].CreatedAtUnixMs, page[^1].Id).Encode() : null;
        return new SnoopingAlertPage([.. page.Select(a => View(a, residents[a.Id]))], next);
    }

    public async Task<SnoopingAlertView?> GetAsync(CallerContext officer, string id, CancellationToken cancellationToken)
    {
        if (QueueOf(officer) is not { } district)
        {
            return null;
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<SnoopingAlertRow>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == id && a.DistrictCode == district, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var view = View(row, (await ResidentsAsync(db, [row.Id], cancellationToken))[row.Id]);
        var entries = await log.FindManyAsync(view.Evidence.Select(e => (e.LogId, e.Index)), cancellationToken);
        return view with { Proven = await log.ProveAsync([.. entries.OrderBy(e => e.Index)], cancellationToken) };
    }

    public async Task<(SnoopingAlertView? Alert, ProblemType? Problem, string? Detail)> CloseAsync(CallerContext officer, string id, CloseAlert body, CancellationToken cancellationToken)
    {
        if (AccessLogEndpoints.DistrictOf(officer, UnitRoles.PrivacyOfficer) is not { } district)
        {
            return (null, ProblemCatalog.Forbidden, "只有隐私官处理告警 / Only privacy officers close alerts.");
        }
        if (body.Outcome is not (SnoopingAlertRow.Upheld or SnoopingAlertRow.Dismissed))
        {
            return (null, ProblemCatalog.ValidationFailed, "outcome 必须是 upheld 或 dismissed / outcome must be upheld or dismissed.");
        }
        var reason = body.Reason?.Trim() ?? "";
        if (reason.Length is < MinReason or > MaxReason)
        {
            return (null, ProblemCatalog.ValidationFailed, $"理由需 {MinReason}–{MaxReason} 个字符（维持的告警，居民会看到理由）/ The reason needs {MinReason}–{MaxReason} characters (a resident reads an upheld alert's reason).");
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // One conditional update: two officers closing at once cannot both succeed.
        var changed = await db.Set<SnoopingAlertRow>()
            .Where(a => a.Id == id && a.DistrictCode == district && a.Status == SnoopingAlertRow.Open)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, body.Outcome).SetProperty(a => a.ClosedBy, officer.Subject).SetProperty(a => a.ClosedByUnit, officer.Unit)
                .SetProperty(a => a.ClosedAtUnixMs, now).SetProperty(a => a.CloseReason, reason), cancellationToken);
        var row = await db.Set<SnoopingAlertRow>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == id && a.DistrictCode == district, cancellationToken);
        if (row is null)
        {
            return (null, ProblemCatalog.NotFound, $"没有告警 {id} / No alert {id}.");
        }
        if (changed == 0)
        {
            return (null, ProblemCatalog.Conflict, $"告警已处理（{row.Status}）/ The alert is already closed ({row.Status}).");
        }
        return (View(row, (await ResidentsAsync(db, [row.Id], cancellationToken))[row.Id]), null, null);
    }

    public async Task<IReadOnlyList<UpheldAlertNotice>> UpheldAboutAsync(string residentId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var ids = db.Set<SnoopingAlertResidentRow>().Where(r => r.ResidentId == residentId).Select(r => r.AlertId);
        var rows = await db.Set<SnoopingAlertRow>().AsNoTracking().Where(a => ids.Contains(a.Id) && a.Status == SnoopingAlertRow.Upheld)
            .OrderByDescending(a => a.ClosedAtUnixMs).ToListAsync(cancellationToken);
        return [.. rows.Select(a => new UpheldAlertNotice(a.Id, Label(a.Rule), a.Day, a.ActorUnit, DateTimeOffset.FromUnixTimeMilliseconds(a.ClosedAtUnixMs!.Value), a.CloseReason!))];
    }

    private CodeLabel Label(string rule) => rules.Find(rule) is { } r ? new CodeLabel(r.Code, r.LabelZh, r.LabelEn) : new CodeLabel(rule, rule, rule);

    private static async Task<ILookup<string, string>> ResidentsAsync(VaultDbContext db, List<string> alertIds, CancellationToken cancellationToken) =>
        (await db.Set<SnoopingAlertResidentRow>().AsNoTracking().Where(r => alertIds.Contains(r.AlertId)).ToListAsync(cancellationToken))
            .ToLookup(r => r.AlertId, r => r.ResidentId, StringComparer.Ordinal);

    private SnoopingAlertView View(SnoopingAlertRow a, IEnumerable<string> residents) => new(
        a.Id, a.DistrictCode, Label(a.Rule), a.Day, a.ActorUserId, a.ActorUnit, a.ActorRole, a.SubjectKey, [.. residents.Order(StringComparer.Ordinal)],
        a.Measured, a.Threshold, a.SummaryZh, a.SummaryEn, a.Status, DateTimeOffset.FromUnixTimeMilliseconds(a.CreatedAtUnixMs), a.ClosedByUnit,
        a.ClosedAtUnixMs is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null, a.CloseReason,
        [.. a.Evidence.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Evidence)]);

    private static EvidenceEntry Evidence(string text)
    {
        var colon = text.LastIndexOf(':');
        return new EvidenceEntry(text[..colon], long.Parse(text[(colon + 1)..], CultureInfo.InvariantCulture));
    }
}
