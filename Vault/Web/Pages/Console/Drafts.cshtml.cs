using DataVault.Identity.Units;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.PolicyStore;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web.Pages.Console;

/// <summary>The drafts and a new draft: the whole text in an editor, or one rule from a form (role, jurisdiction, department, field or category, fidelity, purpose, time window).</summary>
internal sealed class DraftsModel(PolicyStoreService store, PolicyRuntime policy, PurposeCatalog purposes, ResidentSchema schema) : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Console;

    public IReadOnlyList<PolicyDraftView> Drafts { get; private set; } = [];

    public string BaseText { get; private set; } = "";

    public string? Problem { get; private set; }

    public IReadOnlyCollection<Purpose> Purposes => purposes.All;

    public IReadOnlyList<FieldDefinition> Fields => schema.Fields;

    public static IReadOnlyList<string> Roles => UnitRoles.All;

    public static IReadOnlyList<string> Departments => UnitRoles.Departments;

    public static IReadOnlyList<string> Fidelities => DataVaultPolicyFolder.Fidelities;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(DraftInput input, CancellationToken cancellationToken)
    {
        var outcome = await store.CreateDraftAsync(Me.Subject, input.ToRequest(), cancellationToken);
        if (outcome.Value is { } draft)
        {
            return Redirect($"/console/drafts/{draft.Id}");
        }
        Problem = outcome.Detail;
        Response.StatusCode = outcome.Problem?.Status ?? StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        BaseText = input.Text ?? BaseText;
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Drafts = await store.ListDraftsAsync(null, cancellationToken);
        var newest = (await store.ListVersionsAsync(null, 1, cancellationToken))!.Items.FirstOrDefault();
        BaseText = newest is not null && await store.GetVersionAsync(newest.Number, cancellationToken) is { } v ? v.PolicyText : policy.Current.PolicyText;
    }
}

/// <summary>What the draft form posts: either the text, or the fields of one rule (<c>Mode</c> says which).</summary>
internal sealed record DraftInput
{
    public string? Mode { get; init; }
    public string? Text { get; init; }
    public string? Role { get; init; }
    public string? Jurisdiction { get; init; }
    public string? Department { get; init; }
    public string? Field { get; init; }
    public string? Fidelity { get; init; }
    public string? Purpose { get; init; }
    public DateTime? ValidFrom { get; init; }
    public DateTime? ValidUntil { get; init; }
    public string? Note { get; init; }

    /// <remarks>
    /// The form's datetime-local inputs carry no offset: they are Beijing time, as the form says (the
    /// officer's wall clock, not the server's, which may run in UTC).
    /// </remarks>
    public PolicyDraftRequest ToRequest() => Mode == "line"
        ? new PolicyDraftRequest(Line: new PolicyLineForm(Role ?? "", Blank(Jurisdiction), Blank(Department), Field ?? "", Fidelity ?? "", Purpose ?? "",
            Beijing(ValidFrom), Beijing(ValidUntil)), Note: Blank(Note))
        : new PolicyDraftRequest(Text: Text ?? "", Note: Blank(Note));

    private static DateTimeOffset? Beijing(DateTime? local) =>
        local is { } l ? new DateTimeOffset(DateTime.SpecifyKind(l, DateTimeKind.Unspecified), PolicyWindow.Beijing) : null;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
