using DataVault.Vault.AccessLog;
using DataVault.Vault.Me;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Portal;

/// <summary>
/// Who looked at my data, newest first. Each entry is shown as verified only after its inclusion
/// proof is checked here against the signed tree head and the published key (<see cref="EntryVerifier"/>,
/// the same check a resident's own verifier runs). An entry can be questioned from the list.
/// The page remembers, in a cookie on the resident's device (outside the vault, where an insider
/// rolling back the database cannot reach it), the head it last showed, and proves on the next visit
/// that the log now extends it (<see cref="MyData.ContinuityAsync"/>).
/// </summary>
internal sealed class LogModel(ResidentLink link, MyData data, AccessQuestions questions, AccessLogQueries queries, Oversight.Snooping.SnoopingAlerts alerts) : PortalPageModel(link)
{
    public sealed record Row(MyAccessEntry Item, EntryVerification Verification);

    public IReadOnlyList<Row> Entries { get; private set; } = [];

    public string? NextCursor { get; private set; }

    /// <summary>Entries of this page whose details are sealed until a date (counted and proven).</summary>
    public IReadOnlyList<Oversight.Sealing.SealedAccess> Sealed { get; private set; } = [];

    /// <summary>Snooping alerts about this resident that a privacy officer upheld (issue 16, item 4: the resident is told).</summary>
    public IReadOnlyList<Oversight.Snooping.UpheldAlertNotice> Upheld { get; private set; } = [];

    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public string? Message { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>The log compared with the head shown on the last visit (null before the first entry is logged).</summary>
    public LogContinuity? Continuity { get; private set; }

    /// <summary>When the head the comparison started from was shown.</summary>
    public DateTimeOffset? ShownAt { get; private set; }

    /// <summary>The cookie holding the last head shown: <c>{logId}.{size}.{base64url root}.{unix seconds shown}</c>.</summary>
    public const string ShownHeadCookie = "dv_log_head";

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostQuestionAsync(string logId, long index, string? text, CancellationToken cancellationToken)
    {
        if (await data.EntryAboutAsync(MyRecord, logId, index, cancellationToken) is not { } entry)
        {
            return NotFound();
        }
        var (outcome, _, problem) = await questions.AskAsync(Me.Caller, MyRecord, entry, text, cancellationToken);
        if (outcome == QuestionOutcome.Done)
        {
            // Post/redirect/get: a refresh does not ask twice.
            return Redirect("/portal/cases?asked=true");
        }
        Problem = problem;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Cursor? after = null;
        if (!AccessLog.Cursor.TryDecode(Cursor, out after))
        {
            after = null;
        }
        var page = await data.AccessLogAsync(Me.Caller, MyRecord, after, AccessLogQueries.DefaultLimit, cancellationToken);
        var keys = queries.PublicKeys();
        Entries = [.. page.Entries.Select(e => new Row(e, EntryVerifier.Verify(e.Entry, e.Proof, e.TreeHead, keys)))];
        NextCursor = page.NextCursor;
        Sealed = page.Sealed;
        Upheld = await alerts.UpheldAboutAsync(MyRecord.Id, cancellationToken);
        await CheckContinuityAsync(cancellationToken);
    }

    private async Task CheckContinuityAsync(CancellationToken cancellationToken)
    {
        var logId = MyRecord.CommunityCode[..6];
        long? size = null;
        byte[]? root = null;
        if (Request.Cookies[ShownHeadCookie]?.Split('.') is [var kept, var keptSize, var keptRoot, var keptAt]
            && kept == logId
            && long.TryParse(keptSize, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsedSize)
            && DataVault.Vault.Me.MeEndpoints.TryRootHash(keptRoot, out root) && root is not null
            && long.TryParse(keptAt, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var at))
        {
            size = parsedSize;
            ShownAt = DateTimeOffset.FromUnixTimeSeconds(at);
        }
        Continuity = await data.ContinuityAsync(MyRecord, size, size is null ? null : root, cancellationToken);
        // A log that is not an extension keeps the old anchor, so the warning stays until it is explained.
        if (Continuity.Verdict != ContinuityVerdict.NotConsistent && Continuity.TreeHead is { } head)
        {
            var value = string.Join('.', logId, head.TreeSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToBase64String(head.RootHash).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
                DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            Response.Cookies.Append(ShownHeadCookie, value, new CookieOptions
            {
                HttpOnly = true, Secure = Request.IsHttps, SameSite = SameSiteMode.Lax, Path = "/portal", MaxAge = TimeSpan.FromDays(400), IsEssential = true,
            });
        }
    }
}
