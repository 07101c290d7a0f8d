using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Me;

/// <summary>A correction request as the resident and the community worker see it: the field (key and labels), the note, the outcome. No value.</summary>
public sealed record CorrectionView(
    string Id,
    string Status,
    string ResidentId,
    string CommunityCode,
    CodeLabel Field,
    string Note,
    DateTimeOffset RequestedAt,
    CodeLabel? Resolution,
    string? Response,
    DateTimeOffset? ResolvedAt,
    string? ResolvedByUnit);

/// <summary>The body of <c>POST /me/corrections</c>: which field is wrong and why (never the value it should have).</summary>
public sealed record RequestCorrection(string? Field, string? Note);

/// <summary>The body of <c>POST /corrections/{id}/resolve</c>; <see cref="Resolution"/> is one of <see cref="CorrectionRequests.Resolutions"/>.</summary>
public sealed record ResolveCorrection(string? Resolution, string? Response);

/// <summary>
/// Residents' requests to correct a field of their record (PIPL art. 46), queued for the community
/// workers of the resident's community. Resolving one records the outcome; the correction itself
/// is made through the normal, logged resident API after the worker has checked the documents.
/// </summary>
internal sealed class CorrectionRequests(IDbContextFactory<VaultDbContext> dbFactory, ResidentSchema schema, AccessLogLabels labels, TimeProvider time)
{
    public const string Open = "open";
    public const string Resolved = "resolved";

    public static readonly IReadOnlyDictionary<string, (string Zh, string En)> Resolutions = new Dictionary<string, (string Zh, string En)>(StringComparer.Ordinal)
    {
        ["corrected"] = ("已更正", "Corrected"),
        ["rejected"] = ("经核实无需更正", "Checked; no correction needed"),
    };

    public async Task<(QuestionOutcome Outcome, CorrectionView? Correction, string? Problem)> RequestAsync(
        CallerContext caller, StoredResident me, RequestCorrection body, CancellationToken cancellationToken)
    {
        var note = body.Note?.Trim() ?? "";
        if (body.Field is null || !schema.TryGet(body.Field, out _))
        {
            return (QuestionOutcome.Invalid, null, "没有这个字段 / There is no such field (use a key from GET /api/v1/me).");
        }
        if (note.Length > MeLimits.TextLength)
        {
            return (QuestionOutcome.Invalid, null, $"说明不超过 {MeLimits.TextLength} 字 / The note may have at most {MeLimits.TextLength} characters.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Set<CorrectionRequestRow>().AnyAsync(c => c.ResidentId == me.Id && c.FieldKey == body.Field && c.Status == Open, cancellationToken))
        {
            return (QuestionOutcome.Conflict, null, "这个字段的更正申请尚在处理中 / A correction of this field is already pending.");
        }
        var row = new CorrectionRequestRow
        {
            Id = ResidentWriter.NewId(),
            DistrictCode = me.CommunityCode[..6],
            CommunityCode = me.CommunityCode,
            ResidentId = me.Id,
            RequestedBy = caller.Subject,
            FieldKey = body.Field,
            Note = note,
            Status = Open,
            RequestedAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        db.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return (QuestionOutcome.Done, View(row), null);
    }

    public async Task<IReadOnlyList<CorrectionView>> MineAsync(StoredResident me, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<CorrectionRequestRow>().AsNoTracking().Where(c => c.ResidentId == me.Id)
            .OrderByDescending(c => c.RequestedAtUnixMs).Take(AccessLogQueries.MaxLimit).ToListAsync(cancellationToken);
        return [.. rows.Select(View)];
    }

    /// <summary>A community's queue, oldest first.</summary>
    public async Task<(IReadOnlyList<CorrectionView> Corrections, string? NextCursor)> QueueAsync(string community, string status, QueueCursor? after, int limit, CancellationToken cancellationToken)
    {
        var district = community[..6];
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Set<CorrectionRequestRow>().AsNoTracking().Where(c => c.DistrictCode == district && c.CommunityCode == community && c.Status == status);
        if (after is { } cursor)
        {
            query = query.Where(c => c.RequestedAtUnixMs > cursor.AtUnixMs || (c.RequestedAtUnixMs == cursor.AtUnixMs && string.Compare(c.Id, cursor.Id) > 0));
        }
        var rows = await query.OrderBy(c => c.RequestedAtUnixMs).ThenBy(c => c.Id).Take(limit + 1).ToListAsync(cancellationToken);
        string? next = null;
        if (rows.Count > limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = new QueueCursor(rows[^1].RequestedAtUnixMs, rows[^1].Id).Encode();
        }
        return ([.. rows.Select(View)], next);
    }

    public async Task<(QuestionOutcome Outcome, CorrectionView? Correction, string? Problem)> ResolveAsync(
        CallerContext worker, string community, string id, ResolveCorrection body, CancellationToken cancellationToken)
    {
        var response = body.Response?.Trim();
        if (body.Resolution is null || !Resolutions.ContainsKey(body.Resolution) || response?.Length > MeLimits.TextLength)
        {
            return (QuestionOutcome.Invalid, null,
                $"需要处理结果 / A resolution ({string.Join(", ", Resolutions.Keys)}) is required; the response may have at most {MeLimits.TextLength} characters.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Set<CorrectionRequestRow>().AnyAsync(c => c.Id == id && c.CommunityCode == community, cancellationToken))
        {
            return (QuestionOutcome.NotFound, null, null);
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var updated = await db.Set<CorrectionRequestRow>().Where(c => c.Id == id && c.Status == Open).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.Status, Resolved)
            .SetProperty(c => c.Resolution, body.Resolution)
            .SetProperty(c => c.Response, string.IsNullOrEmpty(response) ? null : response)
            .SetProperty(c => c.ResolvedBy, worker.Subject)
            .SetProperty(c => c.ResolvedByUnit, worker.Unit)
            .SetProperty(c => c.ResolvedAtUnixMs, now), cancellationToken);
        if (updated == 0)
        {
            return (QuestionOutcome.Conflict, null, "该申请已处理 / This request has already been resolved.");
        }
        return (QuestionOutcome.Done, View(await db.Set<CorrectionRequestRow>().AsNoTracking().SingleAsync(c => c.Id == id, cancellationToken)), null);
    }

    private CorrectionView View(CorrectionRequestRow row)
    {
        var field = labels.Field(row.FieldKey, "");
        return new(
        row.Id,
        row.Status,
        row.ResidentId,
        row.CommunityCode,
        new CodeLabel(field.Key, field.Zh, field.En),
        row.Note,
        DateTimeOffset.FromUnixTimeMilliseconds(row.RequestedAtUnixMs),
        row.Resolution is { } r && Resolutions.TryGetValue(r, out var l) ? new CodeLabel(r, l.Zh, l.En) : null,
        row.Response,
        row.ResolvedAtUnixMs is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
        row.ResolvedByUnit);
    }
}
