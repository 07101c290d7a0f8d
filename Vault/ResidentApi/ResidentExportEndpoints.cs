using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.ResidentApi;

/// <summary>
/// <c>GET /api/v1/residents/export?community=|street=|grid=</c>: the list as CSV, streamed page by page.
/// Same scope rules and projection as the list, but never an L5 column (DESIGN.md: L5 is never
/// exported), cells neutralised against formula injection, and each page's residents logged (action
/// <c>export</c>, exactly the fields and fidelities written to the file) before that page is written.
/// </summary>
internal static class ResidentExportEndpoints
{
    public const int PageSize = 200;
    public const string ContentType = "text/csv; charset=utf-8";

    /// <summary>
    /// The last column: empty for a resident served, <c>record_integrity_failed</c> for one withheld
    /// because its stored record failed its integrity check (its other cells are empty).
    /// </summary>
    public const string StatusColumn = "record_status";

    /// <summary>How an <c>exists</c> cell reads: whether a value is recorded, in the staff's language.</summary>
    public const string Yes = "是";
    public const string No = "否";

    public static RouteGroupBuilder MapResidentExportEndpoints(this RouteGroupBuilder residents)
    {
        residents.MapGet("/export", ExportAsync)
            .WithName("ExportResidents")
            .WithSummary("The residents of one community, street or grid within reach as CSV, at the caller's view, never L5.")
            .WithDescription("Same scope rules as the list. UTF-8 with BOM; columns are `id` and the field keys the caller's view of the scope contains, L5 excluded; `exists` cells read 是/否. Cells that a spreadsheet would run as a formula are prefixed with ' (OWASP CSV injection). Streamed: each page's residents are logged (action `export`) before that page is sent. The last column, `record_status`, is empty for a resident served and `record_integrity_failed` for one withheld because its stored record failed its integrity check (its other cells are empty); the export still completes.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return residents;
    }

    private static async Task<IResult> ExportAsync(
        [FromQuery] string? community, [FromQuery] string? street, [FromQuery] string? grid,
        CallerContext caller, RequestPurpose purpose, JurisdictionTree tree, ResidentSchema schema, ViewDecider decider,
        ResidentReader reader, ResidentViews views, AccessLogWriter log, HttpContext http, CancellationToken cancellationToken)
    {
        var (scope, problem) = ResidentScope.Resolve(tree, caller, community, street, grid);
        if (scope is null)
        {
            return problem!;
        }
        var columns = Columns(scope, tree, schema, decider, caller, purpose.Value);
        var columnKeys = columns.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);

        var response = http.Response;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentDisposition = $"attachment; filename=\"residents-{scope.Jurisdiction.Code}.csv\"";

        var text = new StringWriter(CultureInfo.InvariantCulture);
        await using var csv = new CsvWriter(text, CsvConfig);
        csv.WriteField("id");
        foreach (var column in columns)
        {
            csv.WriteField(column.Key);
        }
        csv.WriteField(StatusColumn);
        await csv.NextRecordAsync();
        // The header goes out with the BOM (so spreadsheet software reads UTF-8); no resident data yet.
        await response.Body.WriteAsync(Encoding.UTF8.Preamble.ToArray(), cancellationToken);
        await FlushAsync(csv, text, response, cancellationToken);

        string? after = null;
        while (true)
        {
            var page = await reader.PageAsync(scope.Filter, after, PageSize, cancellationToken);
            if (page.Scanned == 0)
            {
                break;
            }
            after = page.LastId;
            var rows = new List<(StoredResident Stored, Dictionary<string, FieldAccess> Fields)>(page.Residents.Count);
            var entries = new List<AccessLogEntry>(page.Residents.Count);
            foreach (var stored in page.Residents)
            {
                var access = await views.ResolveAsync(caller, purpose.Value, stored, cancellationToken, bulk: true);
                // Only the columns of the file, never L5: the entry records exactly what leaves.
                var exported = access.Fields.Where(f => f.Field.Level < SensitivityLevel.L5 && columnKeys.Contains(f.Field.Key))
                    .ToDictionary(f => f.Field.Key, StringComparer.Ordinal);
                if (exported.Count == 0)
                {
                    continue;
                }
                rows.Add((stored, exported));
                entries.Add(ResidentViews.LogEntry(access, AccessAction.Export, exported.Values.Select(f => new ServedField(f.Field.Key, f.Served.Name()))));
            }
            if (entries.Count > 0)
            {
                // Logged before a byte of the page is written. If the log fails mid-export the
                // exception aborts the response, so the client sees a failed download, not a short file.
                await log.AppendAsync(entries, cancellationToken);
            }
            foreach (var (stored, fields) in rows)
            {
                csv.WriteField(stored.Id);
                foreach (var column in columns)
                {
                    csv.WriteField(fields.TryGetValue(column.Key, out var f) ? Cell(FieldProjector.Project(f.Field, f.Served, stored.Values.GetValueOrDefault(f.Field.Key))) : "");
                }
                csv.WriteField("");
                await csv.NextRecordAsync();
            }
            // A damaged record is marked, not dropped and not fatal: the file still completes, and the
            // marker rows (id, empty cells, the code) say how many were withheld.
            foreach (var marker in await views.WithheldWithinReachAsync(caller, purpose.Value, page.Withheld, cancellationToken))
            {
                csv.WriteField(marker.Id);
                foreach (var _ in columns)
                {
                    csv.WriteField("");
                }
                csv.WriteField(marker.Code);
                await csv.NextRecordAsync();
            }
            await FlushAsync(csv, text, response, cancellationToken);
            if (page.Scanned < PageSize)
            {
                break;
            }
        }
        return TypedResults.Empty;
    }

    /// <summary>
    /// The file's columns, decided before the first row (the header is streamed first): every non-L5
    /// field the policy serves this caller, for this purpose, at any community or grid of the scope.
    /// A field a grant widens for single residents only is not a column, so it is not exported (nor logged).
    /// </summary>
    private static List<FieldDefinition> Columns(ResidentScope scope, JurisdictionTree tree, ResidentSchema schema, ViewDecider decider, CallerContext caller, Purpose purpose)
    {
        var snapshot = decider.Snapshot;
        var any = new bool[schema.Fields.Count];
        foreach (var jurisdiction in scope.ResidentJurisdictions(tree))
        {
            var rights = decider.Decide(snapshot, caller, purpose.Code, jurisdiction.Code).Fidelities;
            for (var i = 0; i < any.Length; i++)
            {
                any[i] |= rights[i] > Fidelity.None;
            }
        }
        return [.. schema.Fields.Where((f, i) => any[i] && f.Level < SensitivityLevel.L5)];
    }

    public static string Cell(ServedValue served) => served.Fidelity == Fidelity.Exists.Name()
        ? served.Present ? Yes : No
        : served.Value ?? "";

    /// <summary>
    /// OWASP "CSV Injection": a cell starting with = + - @ tab or CR is prefixed with ' so a spreadsheet
    /// shows it as text instead of running it, and every cell is quoted. CsvHelper does the escaping.
    /// </summary>
    public static readonly CsvConfiguration CsvConfig = new(CultureInfo.InvariantCulture)
    {
        InjectionOptions = InjectionOptions.Escape,
        InjectionCharacters = ['=', '+', '-', '@', '\t', '\r'],
        InjectionEscapeCharacter = '\'',
        ShouldQuote = _ => true,
        NewLine = "\r\n",
    };

    private static async Task FlushAsync(CsvWriter csv, StringWriter text, HttpResponse response, CancellationToken cancellationToken)
    {
        await csv.FlushAsync();
        var chunk = text.GetStringBuilder();
        if (chunk.Length > 0)
        {
            await response.WriteAsync(chunk.ToString(), Encoding.UTF8, cancellationToken);
            chunk.Clear();
        }
        await response.Body.FlushAsync(cancellationToken);
    }
}
