using DataVault.Vault.BreakGlass;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>Break-glass accesses awaiting review (approved emergency access is always reviewed afterwards), and those reviewed, with their outcome.</summary>
internal sealed class BreakGlassModel(BreakGlassStore store, BreakGlassService service, TimeProvider time) : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Console;

    [BindProperty(SupportsGet = true)] public string Status { get; set; } = "pending_review";

    public IReadOnlyList<BreakGlassRow> Items { get; private set; } = [];

    public string? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostReviewAsync(string id, string? outcome, string? note, CancellationToken cancellationToken)
    {
        var result = await service.ReviewAsync(Me.Caller, id, new BreakGlassReview(outcome, note), cancellationToken);
        if (result.Row is not null)
        {
            return Redirect("/console/breakglass?status=reviewed");
        }
        Problem = result.Detail;
        Response.StatusCode = result.Problem?.Status ?? StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (Status is not ("pending_review" or "reviewed"))
        {
            Status = "pending_review";
        }
        Items = await store.ListAsync(Me.Jurisdiction, null, Status, time.GetUtcNow().UtcDateTime, null, 100, cancellationToken);
    }
}
