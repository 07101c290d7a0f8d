using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Households;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Problems;
using DataVault.Vault.Residents;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.ResidentApi;

/// <summary>
/// The body of a create or an update: field key → value. Values may be strings, numbers or booleans;
/// in an update, null clears a field that is not required.
/// </summary>
public sealed record ResidentWriteRequest(Dictionary<string, JsonElement>? Fields);

/// <summary>
/// What a write did: the resident's id and new version (its ETag), the field KEYS written (never
/// values), and the caller's view of the result (logged as a read). When the write landed but that
/// read could not be logged, <see cref="Resident"/> is null and <see cref="ResidentWithheld"/> names
/// why (<c>access_log_unavailable</c>): the write is reported, the data is not served.
/// </summary>
public sealed record ResidentWriteResult(string Id, int Version, IReadOnlyList<string> Changed, ResidentView? Resident, string? ResidentWithheld = null);

/// <summary>
/// <c>POST /api/v1/residents</c> and <c>PATCH /api/v1/residents/{id}</c>. A write needs, for the stated
/// purpose, <c>write</c> held on every field it writes at the resident's jurisdiction (a policy line or a
/// grant that says <c>write</c>; <c>clear</c> is a read right and never writes; the same
/// <see cref="AccessResolver"/> as reads), and the resident's community within the caller's
/// jurisdiction. Each write appends an access-log entry (action <c>write</c>, the keys written at
/// fidelity <c>write</c>) before the response.
/// </summary>
internal static partial class ResidentWriteEndpoints
{
    public static readonly string WriteFidelity = Fidelity.Write.Name();

    public static RouteGroupBuilder MapResidentWriteEndpoints(this RouteGroupBuilder residents)
    {
        residents.MapPost("", CreateAsync)
            .WithName("CreateResident")
            .WithSummary("Register a resident (collect once): 201 with Location, ETag and the caller's view.")
            .WithDescription("Body `{\"fields\":{key:value}}`, validated against the resident schema (unknown fields refused). The caller must hold `write` on every field written (a policy line or grant saying `write`; a read right such as `clear` never writes), for the purpose, at the resident's jurisdiction, and the community must be within the caller's jurisdiction, else 403 naming the fields. An ID number already stored is 409 `resident_exists` (with `existingId` only when that resident is within the caller's reach); POST never updates. At most ResidentApi:CreatesPerMinute (default 30) per caller; beyond, 429 `rate_limited` with Retry-After.")
            .WithMetadata(LimitedAction.Create)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        residents.MapPatch("/{id}", UpdateAsync)
            .WithName("UpdateResident")
            .WithSummary("Change some fields of a resident, only if unchanged since read (If-Match: the ETag of GET).")
            .WithDescription("Body `{\"fields\":{key:value|null}}`; null clears a field that is not required. If-Match is required (428 `precondition_required`); a stale ETag is 412 `precondition_failed`, never a silent overwrite. Same write rule as create: `write` held on every field changed (403 naming the fields); a resident outside reach is 404. Returns the changed field keys, the new ETag and the caller's view.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return residents;
    }

    private static async Task<Results<Created<ResidentWriteResult>, ProblemHttpResult>> CreateAsync(
        ResidentWriteRequest request, CallerContext caller, RequestPurpose purpose, ResidentValidator validator, JurisdictionTree tree,
        ResidentViews views, ResidentWriter writer, AccessLogWriter log, HouseholdSizes households, HouseholdIndexState householdIndex,
        ILogger<ResidentApiLog> logger, HttpContext http, CancellationToken cancellationToken)
    {
        var (input, inputErrors) = ReadFields(request, allowNull: false);
        if (inputErrors.Count > 0)
        {
            return ResidentApiProblems.Validation(inputErrors);
        }
        var outcome = validator.Validate(1, input.Select(p => KeyValuePair.Create(p.Key, p.Value)));
        if (outcome.Resident is not { } resident)
        {
            return ResidentApiProblems.Validation(Problems(outcome.Errors));
        }

        var id = ResidentWriter.NewId();
        var location = new ResidentLocation(id, resident.CommunityCode, resident.GridCode);
        var access = await views.ResolveAsync(caller, purpose.Value, new StoredResident(id, resident.CommunityCode, 0, resident.Fields), cancellationToken);
        var denied = Unwritable(access, resident.Fields.Keys, caller, tree, location);
        if (denied.Count > 0)
        {
            return ResidentApiProblems.CannotWrite(denied);
        }

        // The entry is made durable BEFORE the change (fail closed): if the log cannot record the write,
        // nothing is written. A write refused afterwards (a duplicate ID number) leaves an entry for an
        // attempt that did not land, never the reverse.
        var keys = resident.Fields.Keys.Order(StringComparer.Ordinal).ToList();
        if (HouseholdSizes.CodeOf(resident.Fields) is not null && !householdIndex.Complete)
        {
            return HouseholdBuilding(http);
        }
        await log.AppendAsync(ResidentViews.LogEntry(access, AccessAction.Write, keys.Select(k => new ServedField(k, WriteFidelity))), cancellationToken);
        // Joining a household: its members count one more, and the newcomer takes their size.
        var toHousehold = HouseholdSizes.CodeOf(resident.Fields);
        (var written, resident) = await WriteResizingAsync(resident, await households.PrepareAsync(resident.DistrictCode, id, null, toHousehold, cancellationToken),
            () => households.PrepareAsync(resident.DistrictCode, id, null, toHousehold, cancellationToken),
            (sized, resize) => writer.CreateAsync(id, sized, cancellationToken, resize));
        if (written.Status == SingleWriteStatus.HouseholdChanged)
        {
            return Stale();
        }
        if (written.Status == SingleWriteStatus.IdNumberTaken)
        {
            return await ExistsAsync(written.Holder!, caller, purpose.Value, views, cancellationToken);
        }

        ResidentApiLog.Created(logger, id, caller.Subject, written.Version);
        var (view, withheld) = await ViewAfterWriteAsync(caller, purpose.Value, views, new StoredResident(id, resident.CommunityCode, written.Version, resident.Fields), cancellationToken);
        http.Response.Headers.ETag = ResidentEndpoints.ETag(written.Version);
        return TypedResults.Created($"/api/v1/residents/{id}", new ResidentWriteResult(id, written.Version, keys, view, withheld));
    }

    private static async Task<Results<Ok<ResidentWriteResult>, ProblemHttpResult>> UpdateAsync(
        string id, ResidentWriteRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        CallerContext caller, RequestPurpose purpose, ResidentValidator validator, JurisdictionTree tree,
        ResidentViews views, ResidentWriter writer, AccessLogWriter log, HouseholdSizes households, HouseholdIndexState householdIndex,
        ILogger<ResidentApiLog> logger, HttpContext http, CancellationToken cancellationToken)
    {
        // Asked for before anything is looked up, so 428 says nothing about whether the id exists.
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return ProblemCatalog.Problem(ProblemCatalog.PreconditionRequired,
                "更新必须带 If-Match（读取时的 ETag）/ An update must send If-Match with the ETag from GET.");
        }
        if (await views.FindWithinReachAsync(caller, purpose.Value, id, cancellationToken) is not (var stored, var current))
        {
            return ResidentEndpoints.NotFound();
        }
        if (!TryParseETag(ifMatch, out var expected) || expected != stored.Version)
        {
            return Stale();
        }

        var (patch, inputErrors) = ReadFields(request, allowNull: true);
        if (inputErrors.Count > 0)
        {
            return ResidentApiProblems.Validation(inputErrors);
        }
        var merged = new Dictionary<string, string?>(stored.Values.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)), StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            merged[key] = value;
        }
        var outcome = validator.Validate(1, merged);
        if (outcome.Resident is not { } resident)
        {
            return ResidentApiProblems.Validation(Problems(outcome.Errors));
        }

        // Written where it lives now and where it will live: moving a resident needs both.
        var moved = new ResidentLocation(id, resident.CommunityCode, resident.GridCode);
        var denied = Unwritable(current, patch.Keys, caller, tree, ResidentViews.LocationOf(stored));
        if (moved != ResidentViews.LocationOf(stored))
        {
            var target = await views.ResolveAsync(caller, purpose.Value, new StoredResident(id, resident.CommunityCode, stored.Version, resident.Fields), cancellationToken);
            denied = [.. denied.Union(Unwritable(target, patch.Keys, caller, tree, moved)).Order(StringComparer.Ordinal)];
        }
        if (denied.Count > 0)
        {
            return ResidentApiProblems.CannotWrite(denied);
        }

        // Moving between households resizes both (HouseholdSizes): the members as they are now, prepared
        // again if one of them changes before the write commits.
        var (fromHousehold, toHousehold) = (HouseholdSizes.CodeOf(stored.Values), HouseholdSizes.CodeOf(resident.Fields));
        var resize = HouseholdResize.None;
        if (fromHousehold != toHousehold)
        {
            if (!householdIndex.Complete)
            {
                return HouseholdBuilding(http);
            }
            resize = await households.PrepareAsync(resident.DistrictCode, id, fromHousehold, toHousehold, cancellationToken);
            resident = WithHouseholdSize(resident, resize);
        }
        var changed = Changed(resident, stored);
        var version = stored.Version;
        if (changed.Count > 0)
        {
            // Logged before the change, as for create: no write without its entry.
            await log.AppendAsync(ResidentViews.LogEntry(current, AccessAction.Write, changed.Select(k => new ServedField(k, WriteFidelity))), cancellationToken);
            var before = ResidentViews.LocationOf(stored);
            (var written, resident) = await WriteResizingAsync(resident, resize,
                () => households.PrepareAsync(resident.DistrictCode, id, fromHousehold, toHousehold, cancellationToken),
                (sized, again) => writer.UpdateAsync(id, expected, sized, Changed(sized, stored), new ResidentPlace(before.CommunityCode, before.GridCode), cancellationToken, again));
            changed = Changed(resident, stored);
            switch (written.Status)
            {
                case SingleWriteStatus.Stale or SingleWriteStatus.HouseholdChanged:
                    return Stale();
                case SingleWriteStatus.Missing:
                    return ResidentEndpoints.NotFound();
                case SingleWriteStatus.IdNumberTaken:
                    return await ExistsAsync(written.Holder!, caller, purpose.Value, views, cancellationToken);
                case SingleWriteStatus.Done:
                    break;
            }
            version = written.Version;
            ResidentApiLog.Updated(logger, id, caller.Subject, version, string.Join(",", changed));
        }
        var (view, withheld) = await ViewAfterWriteAsync(caller, purpose.Value, views, new StoredResident(id, resident.CommunityCode, version, resident.Fields), cancellationToken);
        http.Response.Headers.ETag = ResidentEndpoints.ETag(version);
        return TypedResults.Ok(new ResidentWriteResult(id, version, changed, view, withheld));
    }

    /// <summary>How often a write is prepared again when a household member it resizes changed meanwhile.</summary>
    private const int HouseholdAttempts = 3;

    private static List<string> Changed(ValidResident resident, StoredResident stored) =>
        [.. resident.Fields.Keys.Union(stored.Values.Keys)
            .Where(k => resident.Fields.GetValueOrDefault(k) != stored.Values.GetValueOrDefault(k))
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// Writes <paramref name="resident"/> with the household sizes of <paramref name="resize"/>; when a
    /// member changed before the write committed, prepares the sizes again and retries, at most
    /// <see cref="HouseholdAttempts"/> times in all. Returns the last outcome and the resident as written.
    /// </summary>
    private static async Task<(SingleWriteResult Written, ValidResident Resident)> WriteResizingAsync(
        ValidResident resident, HouseholdResize resize, Func<Task<HouseholdResize>> prepare, Func<ValidResident, HouseholdResize, Task<SingleWriteResult>> write)
    {
        for (var attempt = 1; ; attempt++)
        {
            var sized = WithHouseholdSize(resident, resize);
            var written = await write(sized, resize);
            if (written.Status != SingleWriteStatus.HouseholdChanged || attempt == HouseholdAttempts)
            {
                return (written, sized);
            }
            resize = await prepare();
        }
    }

    /// <summary>The resident with the size of the household it joins (the vault keeps it, not the caller), or as it is when it joins none already held.</summary>
    private static ValidResident WithHouseholdSize(ValidResident resident, HouseholdResize resize) =>
        resize.MoverSize is { } size
            ? resident with { Fields = new Dictionary<string, string>(resident.Fields, StringComparer.Ordinal) { [HouseholdIndex.SizeField] = size.ToString(CultureInfo.InvariantCulture) } }
            : resident;

    private static ProblemHttpResult HouseholdBuilding(HttpContext http) => HouseholdEndpoints.Building(http,
        "家庭户索引正在建立，暂不能改变户籍归属 / The household index is being built: a change of household must wait a moment.");

    /// <summary>The keys of <paramref name="keys"/> the caller may not write there (sorted), or all of them when the community is outside the caller's jurisdiction.</summary>
    private static List<string> Unwritable(ResidentAccess access, IEnumerable<string> keys, CallerContext caller, JurisdictionTree tree, ResidentLocation location)
    {
        var all = keys.Order(StringComparer.Ordinal).ToList();
        if (!ResidentScope.IsWithin(tree, location.CommunityCode, caller.Jurisdiction))
        {
            return all.Contains("community") ? all : ["community", .. all];
        }
        return [.. all.Where(k => access.Find(k)?.Writable != true)];
    }

    /// <summary>409, naming the existing resident only when the caller could read it anyway (otherwise this would be an oracle for ids).</summary>
    private static async Task<ProblemHttpResult> ExistsAsync(StoredResidentLocation holder, CallerContext caller, Purpose purpose, ResidentViews views, CancellationToken cancellationToken)
    {
        var access = await views.ResolveAsync(caller, purpose, new StoredResident(holder.Id, holder.CommunityCode, 0, holder.GridCode is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["grid"] = holder.GridCode }), cancellationToken);
        var extensions = access.IsEmpty ? null : new Dictionary<string, object?> { ["existingId"] = holder.Id };
        return ProblemCatalog.Problem(ProblemCatalog.ResidentExists,
            "该身份证号已登记，未创建新记录 / A resident with this ID number is already registered; nothing was created.", extensions);
    }

    private static ProblemHttpResult Stale() =>
        ProblemCatalog.Problem(ProblemCatalog.PreconditionFailed,
            "记录在您读取后已被修改，请重新读取 / The record changed since you read it (or If-Match is not its ETag); read it again.");

    /// <summary>
    /// The caller's view of what it just wrote, logged as a read. The write has landed by now, so a
    /// read that cannot be logged withholds only the view: answering 503 would tell the client that
    /// nothing was written, and its retry would meet 412 or write a second time.
    /// </summary>
    private static async Task<(ResidentView? View, string? Withheld)> ViewAfterWriteAsync(CallerContext caller, Purpose purpose, ResidentViews views, StoredResident stored, CancellationToken cancellationToken)
    {
        try
        {
            var served = await views.ServeAsync(caller, purpose, AccessAction.Read, [stored], cancellationToken);
            return (served.Count == 0 ? null : served[0], null);
        }
        catch (AccessLogUnavailableException)
        {
            return (null, ProblemCatalog.AccessLogUnavailable.Code);
        }
    }

    /// <summary>A strong ETag <c>"7"</c> → 7 (If-Match uses strong comparison, RFC 9110 §13.1.1; a weak or <c>*</c> tag never matches).</summary>
    public static bool TryParseETag(string header, out int version)
    {
        var tag = header.Trim();
        version = 0;
        return tag.Length >= 3 && tag[0] == '"' && tag[^1] == '"'
            && int.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }

    /// <summary>The body's fields as strings: numbers and booleans as JSON spells them; objects and arrays refused.</summary>
    private static (Dictionary<string, string?> Fields, List<FieldProblem> Errors) ReadFields(ResidentWriteRequest request, bool allowNull)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        var errors = new List<FieldProblem>();
        if (request.Fields is not { Count: > 0 })
        {
            errors.Add(new FieldProblem("fields", "at least one field is required"));
            return (fields, errors);
        }
        foreach (var (key, value) in request.Fields)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    fields[key] = value.GetString();
                    break;
                case JsonValueKind.Number:
                    fields[key] = value.GetRawText();
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    fields[key] = value.GetBoolean() ? "true" : "false";
                    break;
                case JsonValueKind.Null when allowNull:
                    fields[key] = null;
                    break;
                default:
                    errors.Add(new FieldProblem(key, allowNull ? "must be a string, number, boolean or null" : "must be a string, number or boolean"));
                    break;
            }
        }
        return (fields, errors);
    }

    /// <summary>
    /// The validator's errors as field keys and reasons. Its reasons may quote an L1/L2 code for the
    /// import report; the API drops any quoted value so a response never repeats what was sent.
    /// </summary>
    private static List<FieldProblem> Problems(IEnumerable<RecordError> errors) =>
        [.. errors.Select(e => new FieldProblem(e.Field, QuotedValue().Replace(e.Reason, "")))];

    [GeneratedRegex(@"\s*\('.*'\)$", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedValue();
}
