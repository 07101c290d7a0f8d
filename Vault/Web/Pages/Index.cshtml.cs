namespace DataVault.Vault.Web.Pages;

/// <summary>The front door: where residents and officers go.</summary>
internal sealed class IndexModel : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Anyone;

    public void OnGet()
    {
    }
}
