using DataVault.Vault.AccessLog;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Oversight.Snooping;

/// <summary>What one scan of one district's day did.</summary>
public sealed record SnoopingScan(string District, DateOnly Day, int EntriesRead, int Findings, int NewAlerts);

/// <summary>
/// Runs the snooping rules over the live access log: one district, one Beijing day, with the days of
/// history the rules read before it, where each resident lives from the residents table's
/// jurisdiction columns (no record is opened), and stores each finding as an alert in the district's
/// queue. Idempotent: a finding already stored (same rule, day, caller and subject) is not added again,
/// whether the day is scanned twice or by two nodes at once.
/// </summary>
internal sealed class SnoopingScanner(IDbContextFactory<VaultDbContext> dbs, SnoopingRules rules, ResidentSchema schema, TimeProvider time)
{
    public async Task<SnoopingScan> ScanAsync(string district, DateOnly day, CancellationToken cancellationToken)
    {
        var from = SnoopingDetector.StartOf(day.AddDays(-rules.BaselineDays)).ToUnixTimeMilliseconds();
        var until = SnoopingDetector.StartOf(day.AddDays(1)).ToUnixTimeMilliseconds();
        List<LoggedRead> entries;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            var rows = await db.Set<AccessLogRow>().AsNoTracking()
                .Where(r => r.LogId == district && r.RecordedAtUnixMs >= from && r.RecordedAtUnixMs < until)
                .Select(r => new { r.LogId, r.Index, r.RecordedAtUnixMs, r.ResidentId, r.Action, r.ActorUserId, r.ActorUnit, r.ActorRole, r.Purpose, r.Fields })
                .ToListAsync(cancellationToken);
            entries = [.. rows.Select(r => new LoggedRead(r.LogId, r.Index, DateTimeOffset.FromUnixTimeMilliseconds(r.RecordedAtUnixMs), r.ResidentId, r.Action,
                r.ActorUserId, r.ActorUnit, r.ActorRole, r.Purpose, ShowsL4InTheClear(r.Fields)))];
        }
        var residence = await ResidencesAsync(entries.Select(e => e.ResidentId).Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
        var findings = SnoopingDetector.Detect(rules, day, entries, id => residence.GetValueOrDefault(id));
        var added = 0;
        foreach (var finding in findings)
        {
            added += await StoreAsync(district, finding, cancellationToken) ? 1 : 0;
        }
        return new SnoopingScan(district, day, entries.Count, findings.Count, added);
    }

    /// <summary>The districts whose logs hold entries: the ones a scheduled scan covers.</summary>
    public async Task<IReadOnlyList<string>> DistrictsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Set<TreeHeadRow>().AsNoTracking().Select(h => h.LogId).Distinct().ToListAsync(cancellationToken);
    }

    /// <summary>Whether an entry showed an L4+ field in the clear (<c>key=clear</c> in its field list; only a reveal or a break-glass does).</summary>
    private bool ShowsL4InTheClear(string fields)
    {
        foreach (var served in fields.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = served.IndexOf('=');
            if (eq > 0 && served.AsSpan(eq + 1) is "clear" or "write" && schema.TryGet(served[..eq], out var field) && field.Level >= SensitivityLevel.L4)
            {
                return true;
            }
        }
        return false;
    }

    private async Task<Dictionary<string, string>> ResidencesAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        foreach (var chunk in ids.Chunk(500))
        {
            var rows = await db.Set<ResidentRow>().AsNoTracking().Where(r => chunk.Contains(r.Id))
                .Select(r => new { r.Id, r.CommunityCode, r.GridCode }).ToListAsync(cancellationToken);
            foreach (var r in rows)
            {
                result[r.Id] = r.GridCode ?? r.CommunityCode;
            }
        }
        return result;
    }

    private async Task<bool> StoreAsync(string district, SnoopingFinding finding, CancellationToken cancellationToken)
    {
        var day = finding.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (await ExistsAsync(district, finding, day, cancellationToken))
        {
            return false;
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var id = ResidentWriter.NewId();
        db.Add(new SnoopingAlertRow
        {
            Id = id,
            DistrictCode = district,
            Rule = finding.Rule,
            Day = day,
            ActorUserId = finding.Actor,
            ActorUnit = finding.ActorUnit,
            ActorRole = finding.ActorRole,
            SubjectKey = finding.SubjectKey,
            Evidence = string.Join(' ', finding.Evidence.Select(e => $"{e.LogId}:{e.Index}")),
            Measured = finding.Measured,
            Threshold = finding.Threshold,
            SummaryZh = finding.SummaryZh,
            SummaryEn = finding.SummaryEn,
            Status = SnoopingAlertRow.Open,
            CreatedAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        });
        foreach (var resident in finding.Residents.Distinct(StringComparer.Ordinal))
        {
            db.Add(new SnoopingAlertResidentRow { AlertId = id, DistrictCode = district, ResidentId = resident });
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another node stored the same finding between the check and the insert: nothing to add.
            if (await ExistsAsync(district, finding, day, cancellationToken))
            {
                return false;
            }
            throw;
        }
    }

    private async Task<bool> ExistsAsync(string district, SnoopingFinding finding, string day, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await db.Set<SnoopingAlertRow>().AnyAsync(a => a.DistrictCode == district && a.Rule == finding.Rule && a.Day == day && a.ActorUserId == finding.Actor && a.SubjectKey == finding.SubjectKey, cancellationToken);
    }
}
