using DataVault.Vault.AccessLog;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>
/// The privacy officer's search of the access log of their district: by unit, role, purpose and
/// period, newest first, metadata only (the log holds no values to show). Cursor-paged.
/// </summary>
internal sealed class LogModel(AccessLogQueries queries, PurposeCatalog purposes) : WebPageModel
{
    private const int PageSize = 50;

    protected override PageAudience Audience => PageAudience.Console;

    [BindProperty(SupportsGet = true)] public string? Unit { get; set; }
    [BindProperty(SupportsGet = true)] public string? Role { get; set; }
    [BindProperty(SupportsGet = true)] public string? Purpose { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public IReadOnlyCollection<Views.Purpose> Purposes => purposes.All;

    public IReadOnlyList<AccessLogRow> Entries { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        // One Merkle tree per district: an officer searches the log of their own district, through the
        // same query as GET /api/v1/access-log. A cursor that does not decode starts from the newest.
        var district = Me.Jurisdiction[..Math.Min(6, Me.Jurisdiction.Length)];
        var search = new AccessLogSearch(district, Unit?.Trim(), Role, Purpose, StartOf(From), StartOf(To?.AddDays(1)));
        _ = AccessLog.Cursor.TryDecode(Cursor, out var after);
        (Entries, NextCursor) = await queries.SearchAsync(search, after, PageSize, cancellationToken);
    }

    public string PurposeLabel(string code) => purposes.Find(code) is { } p ? T.Pick(p.LabelZh, p.LabelEn) : code;

    public string NextUrl() => Url.Page("/Console/Log", new { Unit, Role, Purpose, From, To, Cursor = NextCursor }) ?? "/console/log";

    // A date picked in the form is a UTC day: From is inclusive, To the start of the day after it.
    private static DateTimeOffset? StartOf(DateOnly? day) => day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;
}
