namespace DataVault.Vault.Web.Pages.Portal;

/// <summary>My data: each field's label, level and who may see it, in plain words.</summary>
internal sealed class IndexModel : WebPageModel
{
    protected override PageAudience Audience => PageAudience.Portal;

    public void OnGet()
    {
    }
}
