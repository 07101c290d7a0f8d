using DataVault.Vault.Me;
using DataVault.Vault.Oversight.Snooping;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>The district's snooping alerts (open first), each with its evidence; a privacy officer closes one as upheld or dismissed with a reason.</summary>
internal sealed class AlertsModel(SnoopingAlerts alerts) : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Console;

    [BindProperty(SupportsGet = true)] public string Status { get; set; } = SnoopingAlertRow.Open;

    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public IReadOnlyList<SnoopingAlertView> Items { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCloseAsync(string id, string? outcome, string? reason, CancellationToken cancellationToken)
    {
        var (_, problem, detail) = await alerts.CloseAsync(Me.Caller, id, new CloseAlert(outcome, reason), cancellationToken);
        if (problem is null)
        {
            return Redirect("/console/alerts?status=" + outcome);
        }
        Problem = detail;
        Response.StatusCode = problem.Status;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (Status is not (SnoopingAlertRow.Open or SnoopingAlertRow.Upheld or SnoopingAlertRow.Dismissed))
        {
            Status = SnoopingAlertRow.Open;
        }
        var after = QueueCursor.TryDecode(Cursor, out var c) ? c : null;
        var page = await alerts.ListAsync(Me.Caller, Status, after, 50, cancellationToken);
        (Items, NextCursor) = (page.Alerts, page.NextCursor);
    }
}
