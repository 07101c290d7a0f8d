using DataVault.Identity.Units;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using DataVault.Vault.Residents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.Me;

/// <summary>
/// The resident's own API (<c>/api/v1/me</c>) and the officers' queues it feeds
/// (<c>/api/v1/privacy/questions</c>, <c>/api/v1/corrections</c>). Every <c>/me</c> endpoint answers
/// only a resident signed in as a person, about the one record their account links to; anyone
/// else gets 404, as for a path that does not exist.
/// </summary>
internal static class MeEndpoints
{
    public const string Tag = "Me (residents)";
    public const string QueueTag = "Residents' questions and corrections";

    public static IServiceCollection AddResidentSelfService(this IServiceCollection services)
    {
        services.AddSingleton<ResidentLink>();
        services.AddSingleton<MyData>();
        services.AddSingleton<AccessQuestions>();
        services.AddSingleton<CorrectionRequests>();
        services.AddSingleton<Oversight.Sealing.SealService>();
        return services;
    }

    public static IEndpointRouteBuilder MapMeEndpoints(this IEndpointRouteBuilder api)
    {
        var me = api.MapGroup("/me").WithTags(Tag);
        me.MapGet("/", ReadMeAsync)
            .WithName("ReadMyRecord")
            .WithSummary("The signed-in resident's own record: every field in the clear, with its label, level and category. Logged as your own access.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        me.MapGet("/access-log", MyAccessLogAsync)
            .WithName("ReadMyAccessLog")
            .WithSummary("Who looked at my data, newest first: each entry with its RFC 6962 inclusion proof and the signed tree head it verifies against.")
            .WithDescription("Includes the aggregates that counted you (subject `@` + your district, street, community or grid). `byYou` marks your own reads. `sealed` lists entries whose details are withheld until `visibleFrom` (a lawful, approved seal), each with its inclusion proof. Verify with the keys of GET /api/v1/access-log/keys (docs/me-api.md).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        me.MapGet("/access-log/continuity", MyLogContinuityAsync)
            .WithName("CheckMyAccessLogContinuity")
            .WithSummary("Is my district's log now the one I was shown last time, plus new entries? Give the size and root of the head you kept; get the newest signed head, the RFC 6962 consistency proof and the verdict.")
            .WithDescription("Without `size` and `root`: the newest head, to keep for next time (`firstVisit`). `notConsistent` means entries were removed or rewritten since: keep your old head and raise it with the privacy officer (docs/me-api.md, \"Has my log been rolled back?\").")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        me.MapPost("/access-log/{logId}/{index:long}/questions", AskAsync)
            .WithName("QuestionAnAccess")
            .WithSummary("Question an entry of my log: opens a case for the privacy officers of the district of the unit that made the access.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        me.MapGet("/questions", MyQuestionsAsync)
            .WithName("ListMyQuestions")
            .WithSummary("My questions, newest first, with their status and answer.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        me.MapGet("/alerts", MyUpheldAlertsAsync)
            .WithName("ReadMyUpheldAlerts")
            .WithSummary("Snooping alerts about your record that a privacy officer upheld: which rule, which day, which unit, and the officer's reason.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        me.MapPost("/corrections", RequestCorrectionAsync)
            .WithName("RequestCorrection")
            .WithSummary("Ask my community to correct one field of my record (the field key and a note; never the value).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        me.MapGet("/corrections", MyCorrectionsAsync)
            .WithName("ListMyCorrections")
            .WithSummary("My correction requests, newest first, with their outcome.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var questions = api.MapGroup("/privacy/questions").WithTags(QueueTag);
        questions.MapGet("/", QuestionQueueAsync)
            .WithName("ListResidentQuestions")
            .WithSummary("Residents' questions about accesses made by units of the caller's district (privacy officers of the district), oldest first. Entry metadata only.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        questions.MapPost("/{id}/answer", AnswerAsync)
            .WithName("AnswerResidentQuestion")
            .WithSummary("Answer a resident's question with a resolution (justified, not_justified, referred).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        var corrections = api.MapGroup("/corrections").WithTags(QueueTag);
        corrections.MapGet("/", CorrectionQueueAsync)
            .WithName("ListCorrectionRequests")
            .WithSummary("Correction requests of the residents of the caller's community (community workers), oldest first.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        corrections.MapPost("/{id}/resolve", ResolveAsync)
            .WithName("ResolveCorrectionRequest")
            .WithSummary("Record the outcome of a correction request (corrected or rejected) with a response to the resident.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Ok<MyRecord>, ProblemHttpResult>> ReadMeAsync(CallerContext caller, ResidentLink link, MyData data, CancellationToken cancellationToken)
    {
        var (me, problem) = await LinkAsync(caller, link, cancellationToken);
        return me is null ? problem! : TypedResults.Ok(await data.ReadAsync(caller, me, cancellationToken));
    }

    private static async Task<Results<Ok<LogContinuity>, ProblemHttpResult>> MyLogContinuityAsync(
        CallerContext caller, ResidentLink link, MyData data, long? size, string? root, CancellationToken cancellationToken)
    {
        var (me, problem) = await LinkAsync(caller, link, cancellationToken);
        if (me is null)
        {
            return problem!;
        }
        if ((size is null) != (root is null) || size < 0 || !TryRootHash(root, out var rootHash))
        {
            return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed,
                "size 与 root 须同时给出：size 为非负整数，root 为 32 字节根哈希的 base64 / Give size and root together: size a non-negative integer, root the base64 of a 32-byte root hash.");
        }
        return TypedResults.Ok(await data.ContinuityAsync(me, size, rootHash, cancellationToken));
    }

    /// <summary>A kept root hash: standard or URL-safe base64 of 32 bytes; null stays null.</summary>
    internal static bool TryRootHash(string? text, out byte[]? root)
    {
        root = null;
        if (text is null)
        {
            return true;
        }
        var standard = text.Replace('-', '+').Replace('_', '/');
        var buffer = new byte[48];
        if (!Convert.TryFromBase64String(standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '='), buffer, out var written) || written != 32)
        {
            return false;
        }
        root = buffer[..32];
        return true;
    }

    private static async Task<Results<Ok<MyAccessLogPage>, ProblemHttpResult>> MyAccessLogAsync(
        CallerContext caller, ResidentLink link, MyData data, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var (me, problem) = await LinkAsync(caller, link, cancellationToken);
        if (me is null)
        {
            return problem!;
        }
        if (!Cursor.TryDecode(cursor, out var after))
        {
            return AccessLogEndpoints.BadCursor();
        }
        return TypedResults.Ok(await data.AccessLogAsync(caller, me, after, AccessLogQueries.Limit(limit), cancellationToken));
    }

    private static async Task<Results<Ok<IReadOnlyList<Oversight.Snooping.UpheldAlertNotice>>, ProblemHttpResult>> MyUpheldAlertsAsync(
        CallerContext caller, ResidentLink link, Oversight.Snooping.SnoopingAlerts alerts, CancellationToken cancellationToken)
    {
        var (me, problem) = await LinkAsync(caller, link, cancellationToken);
        return me is null ? problem! : TypedResults.Ok(await alerts.UpheldAboutAsync(me.Id, cancellationToken));
    }

    private static async Task<Results<Created<QuestionView>, ProblemHttpResult>> AskAsync(
        string logId, long index, AskQuestion body, CallerContext caller, ResidentLink link, MyData data, AccessQuestions questions, CancellationToken cancellationToken)
    {
        var (me, problem) = await LinkAsync(caller, link, cancellationToken);
        if (me is null)
        {
            return problem!;
        }
        // An entry about someone else is exactly as absent as one that does not exist.
        if (await data.EntryAboutAsync(me, logId, index, cancellationToken) is not { } entry)
        {
            return ProblemCatalog.Problem(ProblemCatalog.NotFound, "您的访问记录中没有这一条 / No such entry in your access log.");
        }
        var (outcome, question, detail) = await questions.AskAsync(caller, me, entry, body.Text, cancellationToken);
        return outcome == QuestionOutcome.Done ? TypedResults.Created($"/api/v1/me/questions#{question!.Id}", question) : Problem(outcome, detail);
    }

    private static async Task<Results<Ok<IReadOnlyList<QuestionView>>, ProblemHttpResult>> MyQuestionsAsync(
        CallerContext caller, ResidentLink link, AccessQuestions questions, CancellationToken cancellationToken)
    {
        var (me, problem) = await LinkAsync(caller, link, cancellationToken);
        return me is null ? problem! : TypedResults.Ok(await questions.MineAsync(me, cancellationToken));
    }

    private static async Task<Results<Created<CorrectionView>, ProblemHttpResult>> RequestCorrectionAsync(
        RequestCorrection body, CallerContext caller, ResidentLink link, CorrectionRequests corrections, CancellationToken cancellationToken)
    {
        var (me, problem) = await LinkAsync(caller, link, cancellationToken);
        if (me is null)
        {
            return problem!;
        }
        var (outcome, correction, detail) = await corrections.RequestAsync(caller, me, body, cancellationToken);
        return outcome == QuestionOutcome.Done ? TypedResults.Created($"/api/v1/me/corrections#{correction!.Id}", correction) : Problem(outcome, detail);
    }

    private static async Task<Results<Ok<IReadOnlyList<CorrectionView>>, ProblemHttpResult>> MyCorrectionsAsync(
        CallerContext caller, ResidentLink link, CorrectionRequests corrections, CancellationToken cancellationToken)
    {
        var (me, problem) = await LinkAsync(caller, link, cancellationToken);
        return me is null ? problem! : TypedResults.Ok(await corrections.MineAsync(me, cancellationToken));
    }

    private static async Task<Results<Ok<QueuePage<QuestionView>>, ProblemHttpResult>> QuestionQueueAsync(
        CallerContext caller, AccessQuestions questions, string? status, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        if (AccessLogEndpoints.DistrictOf(caller, UnitRoles.PrivacyOfficer) is not { } district)
        {
            return ProblemCatalog.Problem(ProblemCatalog.Forbidden, "只有本区的隐私官处理居民的问题 / Only the district's privacy officers handle residents' questions.");
        }
        status ??= AccessQuestions.Open;
        if (status is not (AccessQuestions.Open or AccessQuestions.Answered) || !QueueCursor.TryDecode(cursor, out var after))
        {
            return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "status 只能是 open 或 answered，游标须来自上一页 / status is open or answered; cursor comes from the previous page.");
        }
        var (page, next) = await questions.QueueAsync(district, status, after, AccessLogQueries.Limit(limit), cancellationToken);
        return TypedResults.Ok(new QueuePage<QuestionView>(page, next));
    }

    private static async Task<Results<Ok<QuestionView>, ProblemHttpResult>> AnswerAsync(
        string id, AnswerQuestion body, CallerContext caller, AccessQuestions questions, CancellationToken cancellationToken)
    {
        if (AccessLogEndpoints.DistrictOf(caller, UnitRoles.PrivacyOfficer) is not { } district)
        {
            return ProblemCatalog.Problem(ProblemCatalog.Forbidden, "只有本区的隐私官处理居民的问题 / Only the district's privacy officers handle residents' questions.");
        }
        var (outcome, question, detail) = await questions.AnswerAsync(caller, district, id, body, cancellationToken);
        return outcome == QuestionOutcome.Done ? TypedResults.Ok(question!) : Problem(outcome, detail);
    }

    private static async Task<Results<Ok<QueuePage<CorrectionView>>, ProblemHttpResult>> CorrectionQueueAsync(
        CallerContext caller, CorrectionRequests corrections, string? status, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        if (CommunityOf(caller) is not { } community)
        {
            return ProblemCatalog.Problem(ProblemCatalog.Forbidden, "只有本社区的社区工作者处理更正申请 / Only the community's workers handle correction requests.");
        }
        status ??= CorrectionRequests.Open;
        if (status is not (CorrectionRequests.Open or CorrectionRequests.Resolved) || !QueueCursor.TryDecode(cursor, out var after))
        {
            return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "status 只能是 open 或 resolved，游标须来自上一页 / status is open or resolved; cursor comes from the previous page.");
        }
        var (page, next) = await corrections.QueueAsync(community, status, after, AccessLogQueries.Limit(limit), cancellationToken);
        return TypedResults.Ok(new QueuePage<CorrectionView>(page, next));
    }

    private static async Task<Results<Ok<CorrectionView>, ProblemHttpResult>> ResolveAsync(
        string id, ResolveCorrection body, CallerContext caller, CorrectionRequests corrections, CancellationToken cancellationToken)
    {
        if (CommunityOf(caller) is not { } community)
        {
            return ProblemCatalog.Problem(ProblemCatalog.Forbidden, "只有本社区的社区工作者处理更正申请 / Only the community's workers handle correction requests.");
        }
        var (outcome, correction, detail) = await corrections.ResolveAsync(caller, community, id, body, cancellationToken);
        return outcome == QuestionOutcome.Done ? TypedResults.Ok(correction!) : Problem(outcome, detail);
    }

    private static string? CommunityOf(CallerContext caller) =>
        caller.Role == UnitRoles.CommunityWorker && caller.Jurisdiction.Length == 12 ? caller.Jurisdiction : null;

    /// <summary>The caller's own record, or the problem to answer with: 404 for non-residents and unlinked accounts, 409 for a shared phone.</summary>
    private static async Task<(StoredResident? Me, ProblemHttpResult? Problem)> LinkAsync(CallerContext caller, ResidentLink link, CancellationToken cancellationToken)
    {
        var result = await link.ResolveAsync(caller, cancellationToken);
        return result.Status switch
        {
            LinkStatus.Linked => (result.Resident, null),
            LinkStatus.NotAResident => (null, ProblemCatalog.Problem(ProblemCatalog.NotFound)),
            LinkStatus.NotLinked => (null, ProblemCatalog.Problem(ProblemCatalog.MeNotLinked,
                "没有找到与您登录手机号对应的居民档案，请联系您所在的社区登记 / No resident record of your community carries the phone number you signed in with. Ask your community office to register it.")),
            LinkStatus.Shared => (null, ProblemCatalog.Problem(ProblemCatalog.MePhoneShared,
                "这个手机号登记在您家多位成员名下（例如家庭共用电话），无法确定哪一份档案是您的。请到社区为您本人登记一个单独的手机号，然后重新登录 / This phone number is registered for several members of your household (a shared phone), so we cannot tell which record is yours. Ask your community office to register a phone number of your own, then sign in again.")),
            _ => throw new InvalidOperationException("unknown link status"),
        };
    }

    private static ProblemHttpResult Problem(QuestionOutcome outcome, string? detail) => outcome switch
    {
        QuestionOutcome.NotFound => ProblemCatalog.Problem(ProblemCatalog.NotFound, detail),
        QuestionOutcome.Conflict => ProblemCatalog.Problem(ProblemCatalog.Conflict, detail),
        _ => ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, detail),
    };
}

/// <summary>A page of a queue, oldest first; <see cref="NextCursor"/> fetches the next page, null at the end.</summary>
public sealed record QueuePage<T>(IReadOnlyList<T> Items, string? NextCursor);
