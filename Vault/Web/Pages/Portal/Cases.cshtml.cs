using DataVault.Vault.Me;
using DataVault.Vault.Schema;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Portal;

/// <summary>My questions with their answers, my correction requests, and a form to request a correction of a field.</summary>
internal sealed class CasesModel(ResidentLink link, AccessQuestions questions, CorrectionRequests corrections, ResidentSchema schema) : PortalPageModel(link)
{
    public IReadOnlyList<QuestionView> Questions { get; private set; } = [];

    public IReadOnlyList<CorrectionView> Corrections { get; private set; } = [];

    public IReadOnlyList<FieldDefinition> Fields => schema.Fields;

    [BindProperty(SupportsGet = true)] public string? Field { get; set; }

    [BindProperty] public string? Note { get; set; }

    public string? Problem { get; private set; }

    public string? Message { get; private set; }

    public async Task OnGetAsync(bool asked, bool requested, CancellationToken cancellationToken)
    {
        Message = asked ? T["question_sent"] : requested ? T["correction_sent"] : null;
        await LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostCorrectionAsync(CancellationToken cancellationToken)
    {
        var (outcome, _, problem) = await corrections.RequestAsync(Me.Caller, MyRecord, new RequestCorrection(Field, Note), cancellationToken);
        if (outcome == QuestionOutcome.Done)
        {
            return Redirect("/portal/cases?requested=true");
        }
        Problem = problem;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Questions = await questions.MineAsync(MyRecord, cancellationToken);
        Corrections = await corrections.MineAsync(MyRecord, cancellationToken);
    }
}
