using DataVault.Vault.AccessLog;
using DataVault.Vault.Me;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Portal;

/// <summary>
/// Who looked at my data, newest first. Each entry is shown as verified only after its inclusion
/// proof is checked here against the signed tree head and the published key (<see cref="EntryVerifier"/>,
/// the same check a resident's own verifier runs). An entry can be questioned from the list.
/// </summary>
internal sealed class LogModel(ResidentLink link, MyData data, AccessQuestions questions, AccessLogQueries queries) : PortalPageModel(link)
{
    public sealed record Row(MyAccessEntry Item, EntryVerification Verification);

    public IReadOnlyList<Row> Entries { get; private set; } = [];

    public string? NextCursor { get; private set; }

    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public string? Message { get; private set; }

    public string? Problem { get; private set; }

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
    }
}
