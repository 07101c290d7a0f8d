using DataVault.Vault.Me;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>Residents' questions about accesses made by units of the officer's district, oldest first, and their answers.</summary>
internal sealed class QuestionsModel(AccessQuestions questions) : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Console;

    [BindProperty(SupportsGet = true)] public string Status { get; set; } = AccessQuestions.Open;

    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public IReadOnlyList<QuestionView> Items { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public string? Problem { get; private set; }

    public static IReadOnlyDictionary<string, (string Zh, string En)> Resolutions => AccessQuestions.Resolutions;

    private string District => Me.Jurisdiction[..Math.Min(6, Me.Jurisdiction.Length)];

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAnswerAsync(string id, string? answer, string? resolution, CancellationToken cancellationToken)
    {
        var (outcome, _, problem) = await questions.AnswerAsync(Me.Caller, District, id, new AnswerQuestion(answer, resolution), cancellationToken);
        if (outcome == QuestionOutcome.Done)
        {
            return Redirect("/console/questions?status=answered");
        }
        Problem = problem ?? T["no_entries"];
        Response.StatusCode = outcome switch
        {
            QuestionOutcome.NotFound => StatusCodes.Status404NotFound,
            QuestionOutcome.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (Status is not (AccessQuestions.Open or AccessQuestions.Answered))
        {
            Status = AccessQuestions.Open;
        }
        var after = QueueCursor.TryDecode(Cursor, out var c) ? c : null;
        (Items, NextCursor) = await questions.QueueAsync(District, Status, after, 50, cancellationToken);
    }
}
