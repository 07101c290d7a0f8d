using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.AccessLog;

/// <summary>
/// <c>/api/v1/access-log</c> for officers and verifiers: the published tree-head key (any caller),
/// the district log search (privacy officers and auditors of the district; metadata only), and the
/// newest signed head and consistency proofs (auditors of the district).
/// </summary>
internal static class AccessLogEndpoints
{
    public const string Tag = "Access log";

    public static IServiceCollection AddAccessLogQueries(this IServiceCollection services)
    {
        services.AddSingleton<AccessLogLabels>();
        services.AddSingleton<AccessLogQueries>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccessLogEndpoints(this IEndpointRouteBuilder api)
    {
        var log = api.MapGroup("/access-log").WithTags(Tag);

        log.MapGet("/keys", (AccessLogQueries queries) => TypedResults.Ok(queries.PublicKeys()))
            .AllowAnonymous()
            .WithName("AccessLogKeys")
            .WithSummary("The Ed25519 public keys that sign the access log's tree heads (RFC 8032), for verifying heads and inclusion proofs.")
            .WithDescription("The key id is the first 8 bytes of SHA-256 of the public key, in hex. A head signature covers the domain string `DataVault tree head v1`, then the log id (length-prefixed UTF-8), tree size and signing time in Unix milliseconds (both 64-bit big-endian) and the 32-byte root hash (docs/access-log.md). The C2SP verifier key of each district's checkpoints is at `/{logId}/checkpoint/key`. No token needed: verifiers need the keys before they hold any account.");

        log.MapGet("/{logId}/checkpoint", CheckpointAsync)
            .AllowAnonymous()
            .WithName("AccessLogCheckpoint")
            .WithSummary("The newest signed head of a district's log as a C2SP tlog-checkpoint signed note (text/plain), readable without a token like a CT log's.")
            .WithDescription("Origin line `{AccessLog:CheckpointOrigin}/{logId}`, tree size, base64 root hash, a blank line, then `— name base64(keyhash‖Ed25519 signature)` lines (docs/access-log.md, \"Checkpoints\"). Verify with the verifier key at `/{logId}/checkpoint/key`. The stored head's own signature is checked first: a head altered in the database is never re-signed. When witnesses (`AccessLog:Witnesses`) have cosigned exactly this head, their C2SP cosignature/v1 lines follow the vault's (docs/access-log.md, \"Witnesses\").")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        log.MapGet("/{logId}/checkpoint/key", (string logId, TreeHeadSigner signer, IOptions<AccessLogOptions> options) =>
                IsLogId(logId)
                    ? Results.Text(CheckpointNote.VerifierKey(CheckpointNote.Origin(options.Value.CheckpointOrigin, logId), signer.PublicKey) + "\n", "text/plain; charset=utf-8")
                    : NoSuchLog())
            .AllowAnonymous()
            .WithName("AccessLogCheckpointKey")
            .WithSummary("The C2SP signed-note verifier key (`name+keyhash+base64(0x01‖Ed25519 key)`) of a district's checkpoints, for witnesses and note tooling.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status404NotFound);

        log.MapGet("/", SearchAsync)
            .WithName("SearchAccessLog")
            .WithSummary("Search the caller's district log by unit, role, purpose and period, newest first (privacy officers and auditors; metadata only).")
            .WithDescription("`from` is inclusive and `to` exclusive (ISO 8601). `resident` narrows to one resident id (or `@` + a jurisdiction for aggregates); `breakGlass=true` lists only emergency accesses (the review queue). `cursor` is the `nextCursor` of the previous page. Entries never hold values.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        log.MapGet("/{logId}/heads/latest", LatestHeadAsync)
            .WithName("LatestTreeHead")
            .WithSummary("The newest signed tree head of a district's log (auditors of the district).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        log.MapGet("/{logId}/consistency", ConsistencyAsync)
            .WithName("ConsistencyProof")
            .WithSummary("The RFC 6962 consistency proof that the log of size `first` is a prefix of the log of size `second` (auditors of the district).")
            .WithDescription("`second` may not exceed the newest signed head's size. Verify with RFC 9162 §2.1.4.2 against the two signed roots.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    /// <summary>The district a district-held officer of one of <paramref name="roles"/> answers for; null for anyone else.</summary>
    public static string? DistrictOf(CallerContext caller, params string[] roles) =>
        roles.Contains(caller.Role) && caller.Jurisdiction.Length == 6 ? caller.Jurisdiction : null;

    private static async Task<Results<Ok<AccessLogPage<LoggedAccess>>, ProblemHttpResult>> SearchAsync(
        CallerContext caller, AccessLogQueries queries, AccessLogLabels labels, string? unit, string? role, string? purpose,
        DateTimeOffset? from, DateTimeOffset? to, string? resident, bool? breakGlass, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        if (DistrictOf(caller, UnitRoles.PrivacyOfficer, UnitRoles.Auditor) is not { } district)
        {
            return ProblemCatalog.Problem(ProblemCatalog.Forbidden, "只有本区的隐私官和审计员可以检索访问日志 / Only the district's privacy officers and auditors search its access log.");
        }
        if (!Cursor.TryDecode(cursor, out var after))
        {
            return BadCursor();
        }
        var (rows, next) = await queries.SearchAsync(new AccessLogSearch(district, unit, role, purpose, from, to) { Subject = resident, BreakGlassOnly = breakGlass == true }, after, AccessLogQueries.Limit(limit), cancellationToken);
        return TypedResults.Ok(new AccessLogPage<LoggedAccess>([.. rows.Select(labels.Describe)], next));
    }

    private static async Task<Results<Ok<TreeHeadView>, ProblemHttpResult>> LatestHeadAsync(
        string logId, CallerContext caller, AccessLogReader reader, CancellationToken cancellationToken)
    {
        if (DistrictOf(caller, UnitRoles.Auditor) != logId || await reader.LatestTreeHeadAsync(logId, cancellationToken) is not { } head)
        {
            return NoSuchLog();
        }
        return TypedResults.Ok(TreeHeadView.From(head));
    }

    private static async Task<IResult> CheckpointAsync(string logId, CheckpointIssuer issuer, CosignedCheckpoints cosigned,
        HttpContext http, CancellationToken cancellationToken)
    {
        if (!IsLogId(logId))
        {
            return NoSuchLog();
        }
        var (outcome, checkpoint) = await issuer.IssueAsync(logId, cancellationToken);
        switch (outcome)
        {
            case CheckpointIssuer.Outcome.NoSuchLog:
                return NoSuchLog();
            case CheckpointIssuer.Outcome.HeadSignatureInvalid:
                return ProblemCatalog.Problem(ProblemCatalog.AccessLogUnavailable,
                    "最新树头的签名无法验证，不予签发检查点 / The newest tree head's stored signature does not verify; no checkpoint is issued for it.");
        }
        http.Response.Headers.CacheControl = "no-cache";
        // The witnesses' cosignatures follow the vault's own, when they cosigned exactly this head.
        return TypedResults.Text(checkpoint!.SignedNote + string.Concat(cosigned.For(logId, checkpoint.Body)), "text/plain; charset=utf-8");
    }

    private static async Task<Results<Ok<ConsistencyProofView>, ProblemHttpResult>> ConsistencyAsync(
        string logId, long first, long second, CallerContext caller, AccessLogReader reader, CancellationToken cancellationToken)
    {
        if (DistrictOf(caller, UnitRoles.Auditor) != logId || await reader.LatestTreeHeadAsync(logId, cancellationToken) is not { } head)
        {
            return NoSuchLog();
        }
        if (first < 0 || first > second || second > head.TreeSize)
        {
            return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed,
                $"需要 0 ≤ first ≤ second ≤ {head.TreeSize} / Need 0 ≤ first ≤ second ≤ {head.TreeSize} (the newest signed head's size).");
        }
        var proof = await reader.ConsistencyProofAsync(logId, first, second, cancellationToken);
        return TypedResults.Ok(new ConsistencyProofView(logId, first, second, proof));
    }

    // A district log is named by its 6-digit district code.
    private static bool IsLogId(string logId) => logId.Length == 6 && logId.All(char.IsAsciiDigit);

    public static ProblemHttpResult BadCursor() =>
        ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "分页游标无效 / The cursor is not one this API issued.");

    private static ProblemHttpResult NoSuchLog() =>
        ProblemCatalog.Problem(ProblemCatalog.NotFound, "在您的权限范围内没有该日志 / No such log within your reach.");
}
