using System.Globalization;
using DataVault.Identity.Units;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Aggregates;
using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.ResidentApi;
using DataVault.Vault.Schema;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Forms;

/// <summary>Why a form request was refused; each maps to one ProblemDetails code (FormEndpoints).</summary>
public enum FormRefusal
{
    /// <summary>400 validation_failed: a parameter (within, format) is wrong.</summary>
    Invalid,
    /// <summary>422 form_invalid: the definition's shape is wrong (problems at JSON paths).</summary>
    DefinitionInvalid,
    /// <summary>403 form_not_allowed: the filler may not read what the form needs, at that fidelity (problems say which).</summary>
    NotAllowed,
    /// <summary>403 forbidden: the caller may not define, or fill, this form.</summary>
    Forbidden,
    /// <summary>404 not_found.</summary>
    NotFound,
    /// <summary>409 conflict: someone saved the same form at the same moment.</summary>
    Conflict,
}

public sealed record FormOutcome<T>(T? Value, FormRefusal? Refusal, string? Detail, IReadOnlyList<FormProblem> Problems)
{
    public static FormOutcome<T> Ok(T value) => new(value, null, null, []);
    public static FormOutcome<T> Refused(FormRefusal refusal, string detail, IReadOnlyList<FormProblem>? problems = null) => new(default, refusal, detail, problems ?? []);
}

/// <summary>A form as the API shows it: its definition, version, whether a template, and whether the caller's district can fill it as defined (and why not).</summary>
public sealed record FormSummary(string Code, string Title, string? TitleEn, int Version, bool Template, string FilledBy, string Purpose, string Level, string Rows, string? DefinedBy, DateTimeOffset? DefinedAt);
public sealed record FormDetail(FormDefinition Definition, int Version, bool Template, string? DefinedBy, DateTimeOffset? DefinedAt, bool Fillable, IReadOnlyList<FormProblem> Problems);

/// <summary>A filled file and its fill record.</summary>
public sealed record FormFill(string Id, byte[] Content, string ContentType, string FileName, int Rows, int Withheld);

/// <summary>One fill as a community worker sees it: which form, filled by whom and when, and how many of the community's residents it listed (k-anonymous: below k shows as "&lt;k").</summary>
public sealed record FillView(string Id, string FormCode, int FormVersion, string Title, string Within, string Purpose, string FilledByUnit, string FilledByRole, DateTimeOffset FilledAt, string Format, string ResidentsListed, string? RefillOf);
public sealed record FillPage(IReadOnlyList<FillView> Fills, string? NextCursor);

/// <summary>
/// Department forms (一表通, issue 15 item 1): define (checked against the policy for the district),
/// fill from the one record under the policy and grants in force (one access-log entry per resident
/// listed, made before the file exists), list what was filled from a community, fill again.
/// </summary>
internal sealed class FormService(
    FormCatalog catalog,
    FormChecker checker,
    ResidentSchema schema,
    ValueLabels labels,
    PurposeCatalog purposes,
    JurisdictionTree tree,
    ResidentReader reader,
    ResidentViews views,
    AccessLogWriter log,
    AggregateQuery aggregates,
    IDbContextFactory<VaultDbContext> dbs,
    IOptions<AggregateOptions> aggregateOptions,
    TimeProvider time)
{
    public const int PageSize = 200;

    /// <summary>The condition a household form adds: one row per household, the head's.</summary>
    public static readonly FormFilter HeadOfHousehold = new() { Field = "relation_to_head", Op = "eq", Target = "head" };

    public async Task<IReadOnlyList<FormSummary>> ListAsync(CallerContext caller, CancellationToken ct) =>
        DistrictOf(caller) is { } district
            ? [.. (await catalog.ListAsync(district, ct)).Select(Summary)]
            : [];

    public async Task<FormOutcome<FormDetail>> GetAsync(CallerContext caller, string code, CancellationToken ct)
    {
        if (DistrictOf(caller) is not { } district || await catalog.FindAsync(district, code, null, ct) is not { } form)
        {
            return FormOutcome<FormDetail>.Refused(FormRefusal.NotFound, $"没有表单 {code} / No form {code}.");
        }
        var stale = FormDefinitionReader.Check(form.Definition, schema, purposes);
        var problems = stale.Count > 0 ? stale : await checker.CheckForDistrictAsync(form.Definition, district, ct);
        return FormOutcome<FormDetail>.Ok(new FormDetail(form.Definition, form.Version, form.Template, form.DefinedBy, form.DefinedAt, problems.Count == 0, problems));
    }

    /// <summary>
    /// Defines (or changes: a new version) a district's form. Privacy officers of the district may define
    /// any; a caseworker, forms its own department fills. Refused with every problem found: the shape
    /// first (422), then what the policy does not give the filler (403), nothing stored either way.
    /// </summary>
    public async Task<FormOutcome<FormDetail>> DefineAsync(CallerContext caller, string code, string json, CancellationToken ct)
    {
        var (form, problems) = FormDefinitionReader.Read(json, schema, purposes);
        if (form is null)
        {
            return FormOutcome<FormDetail>.Refused(FormRefusal.DefinitionInvalid, "表单定义有误 / The form definition has mistakes.", problems);
        }
        if (form.Code != code)
        {
            return FormOutcome<FormDetail>.Refused(FormRefusal.DefinitionInvalid, "表单代码与地址不符 / The definition's code is not the one in the path.", [new FormProblem("code", $"expected '{code}'")]);
        }
        if (DistrictOf(caller) is not { } district || caller.Jurisdiction != district
            || !(caller.Role == UnitRoles.PrivacyOfficer || caller.Role == UnitRoles.Caseworker && caller.Department == form.FilledBy.Department))
        {
            return FormOutcome<FormDetail>.Refused(FormRefusal.Forbidden,
                "只有本区隐私官或填报部门的经办人可以定义表单 / Only the district's privacy officers, or caseworkers of the department that fills it, define a form.");
        }
        // A caseworker changes only its own department's forms: it may not take over another's code.
        if (caller.Role == UnitRoles.Caseworker && await catalog.FindAsync(district, code, null, ct) is { } existing
            && existing.Definition.FilledBy.Department != caller.Department)
        {
            return FormOutcome<FormDetail>.Refused(FormRefusal.Forbidden,
                $"表单 {code} 由其他部门填报，只有隐私官可以改 / Form {code} is another department's; only a privacy officer may change it.");
        }
        var refused = await checker.CheckForDistrictAsync(form, district, ct);
        if (refused.Count > 0)
        {
            return FormOutcome<FormDetail>.Refused(FormRefusal.NotAllowed, "表单所需超出填报单位的查看范围 / The form needs what its filler may not see.", refused);
        }
        if (await catalog.DefineAsync(district, form, caller, ct) is not { } saved)
        {
            return FormOutcome<FormDetail>.Refused(FormRefusal.Conflict, "同时有人保存了此表单，请刷新后重试 / Someone saved this form at the same moment; reload it and try again.");
        }
        return FormOutcome<FormDetail>.Ok(new FormDetail(saved.Definition, saved.Version, false, saved.DefinedBy, saved.DefinedAt, true, []));
    }

    /// <summary>
    /// Fills <paramref name="code"/> for <paramref name="within"/> (default: the caller's jurisdiction) as
    /// <paramref name="format"/>. The caller must be the form's filler (role, and department for a
    /// caseworker). The form is checked against the policy again first: a column the filler may not see
    /// refuses the fill before any resident is read.
    /// </summary>
    public async Task<FormOutcome<FormFill>> FillAsync(CallerContext caller, string code, string? within, string? format, string? refillOf, CancellationToken ct)
    {
        format ??= FormFormats.Xlsx;
        if (!FormFormats.All.Contains(format))
        {
            return FormOutcome<FormFill>.Refused(FormRefusal.Invalid, $"format: {string.Join(", ", FormFormats.All)}");
        }
        if (DistrictOf(caller) is not { } district || await catalog.FindAsync(district, code, null, ct) is not { } form)
        {
            return FormOutcome<FormFill>.Refused(FormRefusal.NotFound, $"没有表单 {code} / No form {code}.");
        }
        var definition = form.Definition;
        // A definition stored under an earlier schema (a field since removed or raised to L5) is checked again, never filled blind.
        if (FormDefinitionReader.Check(definition, schema, purposes) is { Count: > 0 } stale)
        {
            return FormOutcome<FormFill>.Refused(FormRefusal.DefinitionInvalid,
                "此表单的定义已不符合现行字段表或用途表，请重新定义 / The stored definition no longer fits the schema or purposes in force; define it again.", stale);
        }
        if (caller.Role != definition.FilledBy.Role || caller.Department != definition.FilledBy.Department)
        {
            return FormOutcome<FormFill>.Refused(FormRefusal.Forbidden,
                $"此表单由 {definition.FilledBy.Role}{(definition.FilledBy.Department is { } d ? ":" + d : "")} 填报 / This form is filled by {definition.FilledBy.Role}{(definition.FilledBy.Department is { } d2 ? " of " + d2 : "")}.");
        }
        var (scope, scopeProblem) = ScopeOf(caller, within, definition.Level);
        if (scope is null)
        {
            return FormOutcome<FormFill>.Refused(scopeProblem!.Value.Refusal, scopeProblem.Value.Detail);
        }
        var purpose = purposes.Find(definition.Purpose)!;
        var refused = await checker.CheckAsync(definition, caller, checker.Residences(scope.Code), ct);
        if (refused.Count > 0)
        {
            return FormOutcome<FormFill>.Refused(FormRefusal.NotAllowed, "按现行策略，填报单位不能查看表单所需 / Under the policy in force the filler may not see what the form needs.", refused);
        }

        var id = FormCatalog.NewFillId();
        var now = time.GetUtcNow();
        var (sheet, listed, withheld, policyVersion) = definition.Rows == FormRowKinds.Aggregate
            ? await AggregateSheetAsync(caller, purpose, definition, scope, ct)
            : await ResidentSheetAsync(caller, purpose, definition, form.Version, scope, id, now, ct);
        if (sheet is null)
        {
            return FormOutcome<FormFill>.Refused(FormRefusal.NotAllowed, "统计被拒绝 / The aggregate was refused.");
        }
        var content = FormFileWriter.Write(sheet, format);
        await RecordAsync(new FormFillRow
        {
            Id = id,
            DistrictCode = district,
            FormCode = definition.Code,
            FormVersion = form.Version,
            Title = definition.Title,
            Within = scope.Code,
            Format = format,
            Purpose = purpose.Code,
            FilledBy = caller.Subject,
            FilledByUnit = caller.Unit,
            FilledAtUnixMs = now.ToUnixTimeMilliseconds(),
            Rows = listed.Values.Sum(),
            Withheld = withheld,
            PolicyVersion = policyVersion,
            RefillOf = refillOf,
        }, CommunitiesOf(scope, listed, definition.Rows == FormRowKinds.Aggregate), ct);
        var fileName = string.Create(CultureInfo.InvariantCulture, $"{definition.Code}-{scope.Code}-{BeijingDate(now):yyyyMMdd}.{FormFormats.Extension(format)}");
        return FormOutcome<FormFill>.Ok(new FormFill(id, content, FormFormats.ContentType(format), fileName, listed.Values.Sum(), withheld));
    }

    /// <summary>Fills the form of an earlier fill again (its newest version), for the same jurisdiction and format: last month's form in one call.</summary>
    public async Task<FormOutcome<FormFill>> RefillAsync(CallerContext caller, string fillId, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var district = DistrictOf(caller);
        var earlier = await db.Set<FormFillRow>().AsNoTracking().FirstOrDefaultAsync(f => f.Id == fillId && f.DistrictCode == district, ct);
        return earlier is null
            ? FormOutcome<FormFill>.Refused(FormRefusal.NotFound, $"没有填报记录 {fillId} / No fill {fillId}.")
            : await FillAsync(caller, earlier.FormCode, earlier.Within, earlier.Format, earlier.Id, ct);
    }

    /// <summary>
    /// The fills that listed residents of <paramref name="community"/> (default: the caller's community),
    /// newest first, every fill that covered it (none listed included). Anyone whose jurisdiction contains the
    /// community, or lies in it (a grid worker), sees them; the counts as <see cref="Listed"/> allows.
    /// </summary>
    public async Task<FormOutcome<FillPage>> FillsAsync(CallerContext caller, string? community, string? cursor, int limit, CancellationToken ct)
    {
        var own = tree.Find(caller.Jurisdiction);
        community ??= own?.Kind == JurisdictionKind.Grid ? own.Parent : own?.Kind == JurisdictionKind.Community ? own.Code : null;
        if (community is null || tree.Find(community) is not { Kind: JurisdictionKind.Community } node
            || !(ResidentScope.IsWithin(tree, node.Code, caller.Jurisdiction) || ResidentScope.IsWithin(tree, caller.Jurisdiction, node.Code)))
        {
            return FormOutcome<FillPage>.Refused(community is null ? FormRefusal.Invalid : FormRefusal.NotFound,
                community is null ? "community: 需要社区代码 / a community code is required" : "在您的权限范围内没有该社区 / No such community within your reach.");
        }
        long? before = null;
        string? beforeId = null;
        if (cursor is not null)
        {
            var parts = cursor.Split('.');
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                return FormOutcome<FillPage>.Refused(FormRefusal.Invalid, "cursor: 无效 / not a cursor this list issued");
            }
            (before, beforeId) = (ms, parts[1]);
        }
        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = db.Set<FormFillCommunityRow>().AsNoTracking().Where(c => c.CommunityCode == node.Code);
        if (before is { } b)
        {
            query = query.Where(c => c.FilledAtUnixMs < b || c.FilledAtUnixMs == b && string.Compare(c.FillId, beforeId) < 0);
        }
        var counts = await query.OrderByDescending(c => c.FilledAtUnixMs).ThenByDescending(c => c.FillId).Take(limit + 1).ToListAsync(ct);
        var more = counts.Count > limit;
        counts = [.. counts.Take(limit)];
        var ids = counts.Select(c => c.FillId).ToList();
        var fills = await db.Set<FormFillRow>().AsNoTracking().Where(f => ids.Contains(f.Id)).ToDictionaryAsync(f => f.Id, ct);
        var k = aggregateOptions.Value.K;
        var views = counts.Where(c => fills.ContainsKey(c.FillId)).Select(c =>
        {
            var f = fills[c.FillId];
            var unit = UnitRoles.ParseUnitName(f.FilledByUnit);
            return new FillView(f.Id, f.FormCode, f.FormVersion, f.Title, f.Within, f.Purpose, f.FilledByUnit, unit?.Role ?? "",
                DateTimeOffset.FromUnixTimeMilliseconds(f.FilledAtUnixMs), f.Format,
                Listed(caller, f, c.Rows, k), f.RefillOf);
        }).ToList();
        var last = counts.LastOrDefault();
        return FormOutcome<FillPage>.Ok(new FillPage(views, more && last is not null ? string.Create(CultureInfo.InvariantCulture, $"{last.FilledAtUnixMs}.{last.FillId}") : null));
    }

    /// <summary>
    /// One row per resident of the scope who meets the filter. Page by page: each resident's view is
    /// resolved as for a read, the filter is judged only on what that view serves at the fidelity the
    /// filter needs, and the page's listed residents are logged (action <c>form</c>, the fields and
    /// fidelities the form read) before any of their cells is made. A resident whose view does not give
    /// a need (a policy narrowed between the check and the page) is not listed, and counted as withheld.
    /// </summary>
    private async Task<(FormSheet?, Dictionary<string, int>, int, string)> ResidentSheetAsync(
        CallerContext caller, Purpose purpose, FormDefinition form, int version, Jurisdiction scope, string fillId, DateTimeOffset now, CancellationToken ct)
    {
        var needs = FormChecker.Needs(form, schema);
        var logged = FormChecker.Logged(needs);
        var year = BeijingDate(now).Year;
        var reason = $"表单 {form.Code}（{form.Title}）v{version.ToString(CultureInfo.InvariantCulture)} 填报 {fillId}";
        var rows = new List<(string Community, string Id, string?[] Cells)>();
        var listed = new Dictionary<string, int>(StringComparer.Ordinal);
        var withheld = 0;
        var policyVersion = "";
        var filter = ResidentScope.Of(tree, scope).Filter;
        string? after = null;
        while (true)
        {
            var page = await reader.PageAsync(filter, after, PageSize, ct);
            if (page.Scanned == 0)
            {
                break;
            }
            after = page.LastId;
            withheld += page.Withheld.Count;
            var entries = new List<AccessLogEntry>();
            var pageRows = new List<(StoredResident Stored, ResidentAccess Access)>();
            foreach (var stored in page.Residents)
            {
                var access = await views.ResolveAsync(caller, purpose, stored, ct, bulk: true);
                if (access.IsEmpty)
                {
                    continue;
                }
                policyVersion = access.PolicyVersion;
                if (!needs.All(n => FieldProjector.Covers(schema[n.Field], access.Find(n.Field)?.Served ?? Fidelity.None, n.Needs)))
                {
                    withheld++;
                    continue;
                }
                if (!form.Filter.All(f => Meets(f, stored, year)) || form.Rows == FormRowKinds.Household && !Meets(HeadOfHousehold, stored, year))
                {
                    continue;
                }
                pageRows.Add((stored, access));
                entries.Add(ResidentViews.LogEntry(access, AccessAction.Form, logged) with { Reason = reason });
            }
            if (entries.Count > 0)
            {
                // Logged before a cell exists; if the log fails the fill fails, and no file is made.
                await log.AppendAsync(entries, ct);
            }
            foreach (var (stored, _) in pageRows)
            {
                rows.Add((stored.CommunityCode, stored.Id, [.. form.Columns.Select(c => CellOf(c, stored, year))]));
                listed[stored.CommunityCode] = listed.GetValueOrDefault(stored.CommunityCode) + 1;
            }
            if (page.Scanned < PageSize)
            {
                break;
            }
        }
        // A department reads a roster community by community.
        rows.Sort((a, b) => string.CompareOrdinal(a.Community, b.Community) is var c && c != 0 ? c : string.CompareOrdinal(a.Id, b.Id));
        var numbered = rows.Select((r, i) => (IReadOnlyList<string>)[.. r.Cells.Select(c => c ?? (i + 1).ToString(CultureInfo.InvariantCulture))]).ToList();
        return (new FormSheet(form.Title, Subtitle(form, scope, now, withheld), [.. form.Columns.Select(c => c.Title)], numbered), listed, withheld, policyVersion);
    }

    private async Task<(FormSheet?, Dictionary<string, int>, int, string)> AggregateSheetAsync(CallerContext caller, Purpose purpose, FormDefinition form, Jurisdiction scope, CancellationToken ct)
    {
        // Rows per jurisdiction of the form's level; a fill for one jurisdiction of that level shows the level below it.
        var level = Enum.Parse<JurisdictionKind>(form.Level, ignoreCase: true);
        var by = (level > scope.Kind ? level : scope.Kind + 1).ToString().ToLowerInvariant();
        var outcome = await aggregates.RunAsync(caller, purpose, scope.Code, by, form.AggregateField, ct);
        if (outcome.Report is not { } report)
        {
            return (null, [], 0, "");
        }
        FieldDefinition? field = form.AggregateField is { } key ? schema[key] : null;
        string Column(string value) => value switch
        {
            AggregateQuery.Unrecorded => "未登记",
            AggregateQuery.Recorded => "已登记",
            "true" => "是",
            "false" => "否",
            _ => field?.Type == FieldType.Enum ? labels.Label(field.Key, value) : value,
        };
        static string Count(AggregateCell cell) => cell.Suppressed ? "*" : (cell.Count ?? 0).ToString(CultureInfo.InvariantCulture);
        var header = new List<string> { "区划", "合计" };
        header.AddRange(report.Columns.Select(Column));
        var rows = report.Rows.Select(r => (IReadOnlyList<string>)[r.NameZh, Count(r.Total), .. r.Cells.Select(Count)]).ToList();
        var subtitle = Subtitle(form, scope, time.GetUtcNow(), report.Withheld).Append(
            string.Create(CultureInfo.InvariantCulture, $"* 少于 {report.K} 人的格及可据以推算的格不公布 / * cells under {report.K}, and cells that would give them away, are not published")).ToList();
        // An aggregate is one log entry for the jurisdiction (as the aggregate API logs it), not per resident.
        return (new FormSheet(form.Title, subtitle, header, rows), new Dictionary<string, int>(), report.Withheld, report.PolicyVersion);
    }

    private List<string> Subtitle(FormDefinition form, Jurisdiction scope, DateTimeOffset now, int withheld)
    {
        var lines = new List<string>();
        var head = $"填报范围：{scope.NameZh}　填报日期：{BeijingDate(now):yyyy年M月d日}";
        lines.Add(form.Recipient is { } to ? $"报送：{to}　{head}" : head);
        lines.Add($"数据来源：社区数据保险库（一次采集），用途：{purposes.Find(form.Purpose)?.LabelZh ?? form.Purpose}");
        if (withheld > 0)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"另有 {withheld} 人的记录未能核验或不在可见范围，未列入 / {withheld} record(s) could not be checked or read, and are not listed"));
        }
        return lines;
    }

    /// <summary>
    /// Does the resident meet the condition, judged on the value projected at the fidelity the condition
    /// needs (never a fidelity the form was not checked for): a category for codes and numbers, the year
    /// of birth for age, presence for present/absent.
    /// </summary>
    private bool Meets(FormFilter filter, StoredResident stored, int year)
    {
        var (key, needs) = FormDefinitionReader.Needs(filter, schema);
        var field = schema[key];
        var served = FieldProjector.Project(field, needs, stored.Values.GetValueOrDefault(key));
        if (filter.Op is "present" or "absent")
        {
            return served.Present == (filter.Op == "present");
        }
        string? value = filter.Value == FormValues.Age ? AgeOf(served.Value, year)?.ToString(CultureInfo.InvariantCulture) : served.Value;
        if (value is null)
        {
            // An unrecorded value meets no comparison but "not equal".
            return filter.Op == "ne";
        }
        if (filter.Op is "ge" or "gt" or "le" or "lt")
        {
            var n = int.Parse(value, CultureInfo.InvariantCulture);
            var limit = int.Parse(filter.Target!, CultureInfo.InvariantCulture);
            return filter.Op switch { "ge" => n >= limit, "gt" => n > limit, "le" => n <= limit, _ => n < limit };
        }
        return filter.Op switch
        {
            "eq" => value == filter.Target,
            "ne" => value != filter.Target,
            _ => filter.Among!.Contains(value),
        };
    }

    /// <summary>A cell as the department prints it; null for the row number (set once the rows are in order).</summary>
    private string? CellOf(FormColumn column, StoredResident stored, int year)
    {
        if (column.Value is { } derived)
        {
            return derived switch
            {
                FormValues.RowNumber => null,
                FormValues.Blank => "",
                FormValues.Age => AgeOf(BirthYear(stored), year)?.ToString(CultureInfo.InvariantCulture) ?? "",
                FormValues.AgeBand => AgeOf(BirthYear(stored), year) is { } age ? string.Create(CultureInfo.InvariantCulture, $"{age / 10 * 10}-{age / 10 * 10 + 9}岁") : "",
                FormValues.CommunityName => tree.Find(stored.CommunityCode)?.NameZh ?? stored.CommunityCode,
                FormValues.GridName => stored.Values.GetValueOrDefault("grid") is { } grid ? tree.Find(grid)?.NameZh ?? grid : "",
                _ => "",
            };
        }
        var field = schema[column.Field!];
        FidelityNames.TryParse(column.Fidelity, out var fidelity);
        var served = FieldProjector.Project(field, fidelity, stored.Values.GetValueOrDefault(field.Key));
        if (fidelity == Fidelity.Exists || served.Value == Masking.Present)
        {
            return served.Present ? "有" : "无";
        }
        return served.Value switch
        {
            null => "",
            "true" when field.Type == FieldType.Bool => "是",
            "false" when field.Type == FieldType.Bool => "否",
            { } v when field.Type == FieldType.Enum && column.Labels => labels.Label(field.Key, v),
            { } v when field.Type == FieldType.Date && fidelity == Fidelity.Category => v.Replace("s", "年代", StringComparison.Ordinal),
            { } v => v,
        };
    }

    private string? BirthYear(StoredResident stored) =>
        FieldProjector.Project(schema["birth_date"], Fidelity.Masked, stored.Values.GetValueOrDefault("birth_date")).Value;

    private static int? AgeOf(string? birthYear, int year) =>
        birthYear is { Length: 4 } && int.TryParse(birthYear, NumberStyles.None, CultureInfo.InvariantCulture, out var born) ? year - born : null;

    /// <summary>
    /// Every community the fill covered, with how many of its residents it listed: 0 included, so a
    /// community missing from a fill's list says nothing (a count below k and none look the same).
    /// </summary>
    private Dictionary<string, int> CommunitiesOf(Jurisdiction scope, Dictionary<string, int> listed, bool aggregate) =>
        tree.Nodes.Where(n => n.Kind == JurisdictionKind.Community && ResidentScope.IsWithin(tree, n.Code, scope.Code))
            .ToDictionary(n => n.Code, n => aggregate ? FormFillCommunityRow.Aggregate : listed.GetValueOrDefault(n.Code), StringComparer.Ordinal);

    /// <summary>
    /// A fill's count of one community's residents as the asker may see it. Exact to the unit that filled
    /// it (it has the file) and to the district's privacy officers and auditors (they read the log).
    /// To anyone else a band: "&lt;k" from 0 to k−1, then tens ("10–19"), so that two fills a day apart
    /// do not tell a community worker that the one resident who moved in yesterday is on the roster.
    /// </summary>
    private static string Listed(CallerContext caller, FormFillRow fill, int rows, int k)
    {
        if (rows == FormFillCommunityRow.Aggregate)
        {
            return "统计 / aggregate";
        }
        if (caller.Unit == fill.FilledByUnit || caller.Role is UnitRoles.PrivacyOfficer or UnitRoles.Auditor)
        {
            return rows.ToString(CultureInfo.InvariantCulture);
        }
        if (rows < k)
        {
            return string.Create(CultureInfo.InvariantCulture, $"<{k}");
        }
        var tens = rows / 10 * 10;
        return string.Create(CultureInfo.InvariantCulture, $"{Math.Max(tens, k)}–{tens + 9}");
    }

    private async Task RecordAsync(FormFillRow fill, Dictionary<string, int> listed, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        db.Add(fill);
        foreach (var (community, rows) in listed)
        {
            db.Add(new FormFillCommunityRow { FillId = fill.Id, DistrictCode = fill.DistrictCode, CommunityCode = community, Rows = rows, FilledAtUnixMs = fill.FilledAtUnixMs });
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The jurisdiction a fill covers: <paramref name="within"/> inside the caller's (or the caller's own), at the form's level or above.</summary>
    private (Jurisdiction?, (FormRefusal Refusal, string Detail)?) ScopeOf(CallerContext caller, string? within, string level)
    {
        var own = tree.Find(caller.Jurisdiction);
        var asked = within is null ? own : tree.Find(within);
        if (own is null || asked is null)
        {
            return (null, (FormRefusal.NotFound, "在您的权限范围内没有该辖区 / No such jurisdiction within your reach."));
        }
        var scope = ResidentScope.IsWithin(tree, asked.Code, own.Code) ? asked : ResidentScope.IsWithin(tree, own.Code, asked.Code) ? own : null;
        if (scope is null)
        {
            return (null, (FormRefusal.NotFound, "在您的权限范围内没有该辖区 / No such jurisdiction within your reach."));
        }
        var deepest = Enum.Parse<JurisdictionKind>(level, ignoreCase: true);
        return scope.Kind > deepest
            ? (null, (FormRefusal.Invalid, $"此表单按{level}填报，{scope.NameZh}低于该层级 / This form is filled for a {level} or above; {scope.Code} is below that."))
            : (scope, null);
    }

    private string? DistrictOf(CallerContext caller) => tree.Find(caller.Jurisdiction)?.DistrictCode;

    private static DateTime BeijingDate(DateTimeOffset now) => now.ToOffset(TimeSpan.FromHours(8)).DateTime;

    private static FormSummary Summary(CatalogForm f) => new(f.Definition.Code, f.Definition.Title, f.Definition.TitleEn, f.Version, f.Template,
        f.Definition.FilledBy.Department is { } d ? $"{f.Definition.FilledBy.Role}:{d}" : f.Definition.FilledBy.Role, f.Definition.Purpose, f.Definition.Level, f.Definition.Rows, f.DefinedBy, f.DefinedAt);
}
