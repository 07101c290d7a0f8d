using DataVault.Vault.Api;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.BreakGlass;

/// <summary>
/// An approved, unexpired break-glass as rights beyond the policy: its requester (the same person in
/// the same unit) sees every field of that one resident in the clear, L5 included, whatever purpose
/// is stated; the access resolver marks the read and the log records it as a break-glass.
/// Pending, rejected and expired requests yield nothing.
/// </summary>
internal sealed class BreakGlassRights(BreakGlassStore store, ResidentSchema schema) : IAccessExtension
{
    public async ValueTask<IReadOnlyList<ExtraRight>> RightsAsync(CallerContext caller, Purpose purpose, ResidentLocation resident, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var active in await store.ApprovedForAsync(caller.Subject, cancellationToken))
        {
            if (active.ResidentId == resident.ResidentId && active.RequesterUnit == caller.Unit && active.From <= now && now < active.Until)
            {
                IReadOnlyList<string> chain = [active.Id];
                var basis = BreakGlassService.LegalBasis(active.CaseId);
                return [.. schema.Fields.Select(f => new ExtraRight(f.Key, Fidelity.Clear, ExtraRightKind.BreakGlass, chain, basis, active.Reason))];
            }
        }
        return [];
    }
}
