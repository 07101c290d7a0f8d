using System.Globalization;
using System.Text;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace DataVault.Vault.Grants;

/// <summary>A grant as the API shows it (never a resident value: only units, field keys and times).</summary>
public sealed record GrantView(
    string Id,
    string? ParentId,
    string DistrictCode,
    string GrantorSubject,
    GrantUnitView Grantor,
    GrantUnitView Grantee,
    IReadOnlyList<string> Fields,
    string MaxFidelity,
    string Purpose,
    string LegalBasis,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    string? RevokedBy,
    string Status);

public sealed record GrantUnitView(string Unit, string Role, string Jurisdiction, string? Department);

/// <summary>One page of grants; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record GrantPage(IReadOnlyList<GrantView> Items, string? NextCursor);

/// <summary>The answer to a revocation: the grant, and every grant revoked with it (the cascade).</summary>
public sealed record GrantRevocation(GrantView Grant, IReadOnlyList<string> Revoked);

/// <summary><c>/api/v1/grants</c>: issue, list, read and revoke downward grants (DESIGN.md, "Grants").</summary>
internal static class GrantEndpoints
{
    public const string Tag = "Grants";
    private const int MaxPage = 200;

    public static IEndpointRouteBuilder MapGrantEndpoints(this IEndpointRouteBuilder api)
    {
        var grants = api.MapGroup("/grants").WithTags(Tag);
        grants.MapPost("/", CreateAsync)
            .WithName("CreateGrant")
            .WithSummary("Grant a unit below you a narrower form of a right you hold: fields, fidelity, purpose, window, legal basis.")
            .WithDescription("Refused with 403 grant_exceeds_grantor (the detail names each field key and reason) when any field would exceed what the grantor holds for the purpose over the grantee's jurisdiction, the purpose or window leaves the parent's, the grantee is not below the grantor, or a field is L5. `parentId` re-grants a grant your unit received.")
            .Produces<GrantView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        grants.MapGet("/", ListAsync)
            .WithName("ListGrants")
            .WithSummary("Grants your unit issued and received, newest first, cursor-paged.")
            .WithDescription("`direction` is issued, received or both (default). Pass `nextCursor` back as `cursor` for the next page.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        grants.MapGet("/{id}", ReadAsync)
            .WithName("ReadGrant")
            .WithSummary("One grant: for its grantor, its grantee unit, and the district's privacy officers and auditors; 404 for anyone else.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        grants.MapPost("/{id}/revoke", RevokeAsync)
            .WithName("RevokeGrant")
            .WithSummary("Revoke a grant and, in the same transaction, every grant made from it.")
            .WithDescription("For the grantor (or its unit) and the district's privacy officers. Effective from the next request.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Results<Created<GrantView>, ProblemHttpResult>> CreateAsync(
        GrantRequest request, CallerContext caller, GrantIssuer issuer, TimeProvider time, CancellationToken cancellationToken)
    {
        var outcome = await issuer.IssueAsync(caller, request, null, cancellationToken);
        if (outcome.Issued is { } grant)
        {
            return TypedResults.Created($"/api/v1/grants/{grant.Id}", View(grant, time.GetUtcNow()));
        }
        if (outcome.Invalid is { } errors)
        {
            return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "授权请求无效 / The grant request is invalid.", new Dictionary<string, object?> { ["errors"] = errors });
        }
        if (outcome.Exceeds is { } violations)
        {
            var detail = string.Join("; ", violations.Select(v => v.Field is null ? v.Reason : $"{v.Field}: {v.Reason}"));
            return ProblemCatalog.Problem(ProblemCatalog.GrantExceedsGrantor, "授权不能超出授权人自身的权限 / A grant cannot exceed its grantor's rights: " + detail,
                new Dictionary<string, object?> { ["violations"] = violations });
        }
        return NotFound();
    }

    private static async Task<Results<Ok<GrantPage>, ProblemHttpResult>> ListAsync(
        CallerContext caller, GrantStore store, TimeProvider time, string? direction, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var (issued, received) = direction switch
        {
            null or "" or "both" => (true, true),
            "issued" => (true, false),
            "received" => (false, true),
            _ => (false, false),
        };
        var size = limit ?? 50;
        if (!issued && !received || size is < 1 or > MaxPage)
        {
            return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, $"direction: issued, received or both; limit: 1 to {MaxPage}.");
        }
        (DateTime, string)? after = null;
        if (cursor is not null)
        {
            if (Cursor.Decode(cursor) is not { } position)
            {
                return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "cursor: pass back the nextCursor of the previous page.");
            }
            after = position;
        }
        var page = await store.ListAsync(caller.Unit, issued, received, after, size + 1, cancellationToken);
        var now = time.GetUtcNow();
        var items = page.Take(size).Select(g => View(g, now)).ToList();
        var next = page.Count > size ? Cursor.Encode(page[size - 1].CreatedAt.UtcDateTime, page[size - 1].Id) : null;
        return TypedResults.Ok(new GrantPage(items, next));
    }

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> ReadAsync(
        string id, CallerContext caller, GrantStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var grant = await store.FindAsync(id, cancellationToken);
        return grant is not null && GrantAccess.CanSee(caller, grant) ? TypedResults.Ok(View(grant, time.GetUtcNow())) : NotFound();
    }

    private static async Task<Results<Ok<GrantRevocation>, ProblemHttpResult>> RevokeAsync(
        string id, CallerContext caller, GrantStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var grant = await store.FindAsync(id, cancellationToken);
        if (grant is null || !GrantAccess.CanSee(caller, grant))
        {
            return NotFound();
        }
        if (!GrantAccess.CanRevoke(caller, grant))
        {
            return ProblemCatalog.Problem(ProblemCatalog.Forbidden, "只有授权人或本区隐私官可以撤销授权 / Only the grantor or a privacy officer of the district can revoke a grant.");
        }
        var now = time.GetUtcNow();
        var revoked = await store.RevokeAsync(id, caller.Subject, now, cancellationToken);
        var after = await store.FindAsync(id, cancellationToken);
        return TypedResults.Ok(new GrantRevocation(View(after!, now), revoked));
    }

    private static ProblemHttpResult NotFound() =>
        ProblemCatalog.Problem(ProblemCatalog.NotFound, "没有您可见的该授权 / No such grant visible to you.");

    public static GrantView View(Grant g, DateTimeOffset now) => new(
        g.Id,
        g.ParentId,
        g.DistrictCode,
        g.GrantorSubject,
        Unit(g.Grantor),
        Unit(g.Grantee),
        g.Fields,
        g.MaxFidelity.Name(),
        g.Purpose,
        g.LegalBasis,
        g.ValidFrom,
        g.ValidUntil,
        g.CreatedAt,
        g.RevokedAt,
        g.RevokedBy,
        g.Status(now));

    private static GrantUnitView Unit(GrantUnit u) => new(u.Unit, u.Role, u.Jurisdiction, u.Department);
}

/// <summary>An opaque keyset cursor (creation time and id of the last item served), base64url.</summary>
internal static class Cursor
{
    public static string Encode(DateTime at, string id) =>
        WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(at.Ticks.ToString(CultureInfo.InvariantCulture) + ":" + id));

    public static (DateTime At, string Id)? Decode(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor));
            var colon = text.IndexOf(':');
            if (colon <= 0 || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks || text.Length - colon - 1 is < 1 or > 64)
            {
                return null;
            }
            return (new DateTime(ticks, DateTimeKind.Utc), text[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
