using DataVault.Vault.Me;
using DataVault.Vault.Residents;
using Microsoft.AspNetCore.Mvc;

namespace DataVault.Vault.Web;

/// <summary>
/// A resident portal page: the person is a signed-in resident (the base filter checked) and the
/// record is the one their account links to (<see cref="ResidentLink"/>, the same rule as
/// <c>GET /api/v1/me</c>). When there is none, the page renders its "not linked" notice and no
/// handler runs.
/// </summary>
internal abstract class PortalPageModel(ResidentLink link) : WebPageModel
{
    protected sealed override PageAudience Audience => PageAudience.Portal;

    public LinkStatus Link { get; private set; } = LinkStatus.NotLinked;

    public StoredResident? Resident { get; private set; }

    /// <summary>The linked record (handlers run only when there is one).</summary>
    public StoredResident MyRecord => Resident ?? throw new InvalidOperationException("no linked record");

    protected override async Task<IActionResult?> BeforeHandlerAsync()
    {
        var result = await link.ResolveAsync(Me.Caller, HttpContext.RequestAborted);
        Link = result.Status;
        Resident = result.Resident;
        return Resident is null ? Page() : null;
    }
}
