using System.Globalization;
using System.Text;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>
/// The privacy officer's search of the access log of their district: by unit, role, purpose and
/// period, newest first, metadata only (the log holds no values to show). Cursor-paged.
/// </summary>
internal sealed class LogModel(IDbContextFactory<VaultDbContext> contexts, PurposeCatalog purposes) : WebPageModel
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
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // One Merkle tree per district: an officer searches the log of their own district.
        var district = Me.Jurisdiction[..Math.Min(6, Me.Jurisdiction.Length)];
        var query = db.Set<AccessLogRow>().AsNoTracking().Where(e => e.LogId == district);
        if (!string.IsNullOrWhiteSpace(Unit))
        {
            var unit = Unit.Trim();
            query = query.Where(e => e.ActorUnit == unit);
        }
        if (!string.IsNullOrWhiteSpace(Role))
        {
            query = query.Where(e => e.ActorRole == Role);
        }
        if (!string.IsNullOrWhiteSpace(Purpose))
        {
            query = query.Where(e => e.Purpose == Purpose);
        }
        if (From is { } from)
        {
            var ms = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
            query = query.Where(e => e.RecordedAtUnixMs >= ms);
        }
        if (To is { } to)
        {
            var ms = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
            query = query.Where(e => e.RecordedAtUnixMs < ms);
        }
        // Within one district's log the index grows with time, so it alone orders and pages.
        if (DecodeCursor(Cursor) is { } before)
        {
            query = query.Where(e => e.Index < before);
        }
        var page = await query.OrderByDescending(e => e.Index).Take(PageSize + 1).ToListAsync(cancellationToken);
        Entries = page.Count > PageSize ? page[..PageSize] : page;
        NextCursor = page.Count > PageSize ? EncodeCursor(Entries[^1].Index) : null;
    }

    public string PurposeLabel(string code) => purposes.Find(code) is { } p ? T.Pick(p.LabelZh, p.LabelEn) : code;

    public string NextUrl() => Url.Page("/Console/Log", new { Unit, Role, Purpose, From, To, Cursor = NextCursor }) ?? "/console/log";

    private static string EncodeCursor(long index) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("i:" + index.ToString(CultureInfo.InvariantCulture))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static long? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(padded));
            return text.StartsWith("i:", StringComparison.Ordinal) && long.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
