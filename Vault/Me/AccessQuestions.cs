using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Me;

/// <summary>A resident's question about an access, as the resident and the privacy officer see it: the entry's metadata, never a value.</summary>
public sealed record QuestionView(
    string Id,
    string Status,
    string ResidentId,
    string AssignedDistrict,
    string Text,
    DateTimeOffset AskedAt,
    string? Answer,
    CodeLabel? Resolution,
    DateTimeOffset? AnsweredAt,
    string? AnsweredByUnit,
    LoggedAccess? Entry);

/// <summary>The body of <c>POST /me/access-log/{logId}/{index}/questions</c>.</summary>
public sealed record AskQuestion(string? Text);

/// <summary>The body of <c>POST /privacy/questions/{id}/answer</c>; <see cref="Resolution"/> is one of <see cref="AccessQuestions.Resolutions"/>.</summary>
public sealed record AnswerQuestion(string? Answer, string? Resolution);

/// <summary>What a question operation came to; the endpoint maps each to its status code.</summary>
internal enum QuestionOutcome
{
    Done,
    NotFound,
    Invalid,
    Conflict,
}

/// <summary>
/// Residents' questions about entries of their log (issue 5, item 7). A question about an access
/// goes to the privacy officers of the district of the unit that made it: the district is the first
/// six digits of the jurisdiction in the actor's unit (<c>role@jurisdiction</c>).
/// </summary>
internal sealed class AccessQuestions(IDbContextFactory<VaultDbContext> dbFactory, AccessLogQueries queries, AccessLogLabels labels, TimeProvider time)
{
    public const string Open = "open";
    public const string Answered = "answered";

    public static readonly IReadOnlyDictionary<string, (string Zh, string En)> Resolutions = new Dictionary<string, (string Zh, string En)>(StringComparer.Ordinal)
    {
        ["justified"] = ("访问有正当依据", "The access was justified"),
        ["not_justified"] = ("访问不当，已处理", "The access was not justified; action was taken"),
        ["referred"] = ("已移交有关部门", "Referred to the responsible authority"),
    };

    /// <summary>The district whose privacy officers answer for an actor unit; the log's district when the unit names none.</summary>
    public static string DistrictOfUnit(string actorUnit, string logId)
    {
        var at = actorUnit.LastIndexOf('@');
        var jurisdiction = at >= 0 ? actorUnit[(at + 1)..] : "";
        return jurisdiction.Length >= 6 && jurisdiction[..6].All(char.IsAsciiDigit) ? jurisdiction[..6] : logId;
    }

    public async Task<(QuestionOutcome Outcome, QuestionView? Question, string? Problem)> AskAsync(
        CallerContext caller, StoredResident me, AccessLogRow entry, string? text, CancellationToken cancellationToken)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MeLimits.TextLength)
        {
            return (QuestionOutcome.Invalid, null, $"请写下您的问题（不超过 {MeLimits.TextLength} 字）/ Write your question (at most {MeLimits.TextLength} characters).");
        }
        if (entry.ActorUserId == caller.Subject)
        {
            return (QuestionOutcome.Invalid, null, "这是您本人的查阅记录 / This access was made by you.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var alreadyOpen = await db.Set<AccessQuestionRow>().AnyAsync(q => q.ResidentId == me.Id && q.LogId == entry.LogId && q.EntryIndex == entry.Index && q.Status == Open, cancellationToken);
        if (alreadyOpen)
        {
            return (QuestionOutcome.Conflict, null, "您对这条记录的问题尚在处理中 / Your question about this entry is still open.");
        }
        var row = new AccessQuestionRow
        {
            Id = ResidentWriter.NewId(),
            DistrictCode = DistrictOfUnit(entry.ActorUnit, entry.LogId),
            ResidentDistrictCode = me.CommunityCode[..6],
            ResidentId = me.Id,
            AskedBy = caller.Subject,
            LogId = entry.LogId,
            EntryIndex = entry.Index,
            Text = trimmed,
            Status = Open,
            AskedAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        db.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return (QuestionOutcome.Done, View(row, labels.Describe(entry)), null);
    }

    /// <summary>The resident's own questions, newest first.</summary>
    public async Task<IReadOnlyList<QuestionView>> MineAsync(StoredResident me, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<AccessQuestionRow>().AsNoTracking().Where(q => q.ResidentId == me.Id)
            .OrderByDescending(q => q.AskedAtUnixMs).Take(AccessLogQueries.MaxLimit).ToListAsync(cancellationToken);
        return await WithEntriesAsync(rows, cancellationToken);
    }

    /// <summary>A district's queue, oldest first (a queue is worked from its oldest case), paged by <paramref name="after"/>.</summary>
    public async Task<(IReadOnlyList<QuestionView> Questions, string? NextCursor)> QueueAsync(string district, string status, QueueCursor? after, int limit, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Set<AccessQuestionRow>().AsNoTracking().Where(q => q.DistrictCode == district && q.Status == status);
        if (after is { } c)
        {
            query = query.Where(q => q.AskedAtUnixMs > c.AtUnixMs || (q.AskedAtUnixMs == c.AtUnixMs && string.Compare(q.Id, c.Id) > 0));
        }
        var rows = await query.OrderBy(q => q.AskedAtUnixMs).ThenBy(q => q.Id).Take(limit + 1).ToListAsync(cancellationToken);
        string? next = null;
        if (rows.Count > limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = new QueueCursor(rows[^1].AskedAtUnixMs, rows[^1].Id).Encode();
        }
        return (await WithEntriesAsync(rows, cancellationToken), next);
    }

    public async Task<(QuestionOutcome Outcome, QuestionView? Question, string? Problem)> AnswerAsync(
        CallerContext officer, string district, string id, AnswerQuestion body, CancellationToken cancellationToken)
    {
        var answer = body.Answer?.Trim();
        if (string.IsNullOrEmpty(answer) || answer.Length > MeLimits.TextLength || body.Resolution is null || !Resolutions.ContainsKey(body.Resolution))
        {
            return (QuestionOutcome.Invalid, null,
                $"需要答复（不超过 {MeLimits.TextLength} 字）和处理结果 / An answer (at most {MeLimits.TextLength} characters) and a resolution ({string.Join(", ", Resolutions.Keys)}) are required.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<AccessQuestionRow>().SingleOrDefaultAsync(q => q.Id == id && q.DistrictCode == district, cancellationToken);
        if (row is null)
        {
            return (QuestionOutcome.NotFound, null, null);
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Conditional update: of two officers answering at once, exactly one wins; the other is told.
        var updated = await db.Set<AccessQuestionRow>().Where(q => q.Id == id && q.Status == Open).ExecuteUpdateAsync(s => s
            .SetProperty(q => q.Status, Answered)
            .SetProperty(q => q.Answer, answer)
            .SetProperty(q => q.Resolution, body.Resolution)
            .SetProperty(q => q.AnsweredBy, officer.Subject)
            .SetProperty(q => q.AnsweredByUnit, officer.Unit)
            .SetProperty(q => q.AnsweredAtUnixMs, now), cancellationToken);
        if (updated == 0)
        {
            return (QuestionOutcome.Conflict, null, "该问题已答复 / This question has already been answered.");
        }
        var stored = await db.Set<AccessQuestionRow>().AsNoTracking().SingleAsync(q => q.Id == id, cancellationToken);
        return (QuestionOutcome.Done, (await WithEntriesAsync([stored], cancellationToken))[0], null);
    }

    private async Task<IReadOnlyList<QuestionView>> WithEntriesAsync(IReadOnlyList<AccessQuestionRow> rows, CancellationToken cancellationToken)
    {
        var entries = (await queries.FindManyAsync(rows.Select(r => (r.LogId, r.EntryIndex)), cancellationToken))
            .ToDictionary(e => (e.LogId, e.Index));
        return [.. rows.Select(r => View(r, entries.TryGetValue((r.LogId, r.EntryIndex), out var e) ? labels.Describe(e) : null))];
    }

    private static QuestionView View(AccessQuestionRow row, LoggedAccess? entry) => new(
        row.Id,
        row.Status,
        row.ResidentId,
        row.DistrictCode,
        row.Text,
        DateTimeOffset.FromUnixTimeMilliseconds(row.AskedAtUnixMs),
        row.Answer,
        row.Resolution is { } r && Resolutions.TryGetValue(r, out var l) ? new CodeLabel(r, l.Zh, l.En) : null,
        row.AnsweredAtUnixMs is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
        row.AnsweredByUnit,
        entry);
}

/// <summary>A position in a queue ordered by (time, id); opaque to clients.</summary>
public readonly record struct QueueCursor(long AtUnixMs, string Id)
{
    public string Encode() => System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes($"{AtUnixMs.ToString(System.Globalization.CultureInfo.InvariantCulture)}.{Id}"));

    public static bool TryDecode(string? text, out QueueCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        try
        {
            var parts = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(text)).Split('.');
            if (parts.Length == 2 && long.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var at)
                && parts[1].Length is > 0 and <= 32 && parts[1].All(char.IsAsciiLetterOrDigit))
            {
                cursor = new QueueCursor(at, parts[1]);
                return true;
            }
        }
        catch (FormatException)
        {
        }
        return false;
    }
}
