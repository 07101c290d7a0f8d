using DataVault.Vault.Api;
using DataVault.Vault.Views;

namespace DataVault.Vault.Grants;

/// <summary>
/// Grants as rights beyond the policy (<see cref="IAccessExtension"/>): for a caller whose unit is a
/// grantee, each grant of the stated purpose whose whole chain is in force at <c>now</c> and whose
/// jurisdictions contain the resident yields its fields at the chain's effective fidelity, with the
/// chain of grant ids (root first) that the access log records.
/// </summary>
internal sealed class GrantRights(GrantStore store, GrantChains chains) : IAccessExtension
{
    public async ValueTask<IReadOnlyList<ExtraRight>> RightsAsync(CallerContext caller, Purpose purpose, ResidentLocation resident, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var set = await store.CurrentAsync(cancellationToken);
        var received = set.ReceivedBy(caller.Unit);
        if (received.Count == 0)
        {
            return [];
        }
        var rights = new List<ExtraRight>();
        foreach (var grant in received)
        {
            if (grant.Purpose != purpose.Code || !grant.IsInForceAt(now))
            {
                continue;
            }
            var chain = set.ChainOf(grant);
            var effective = chain is null ? null : chains.Effective(chain, resident.Jurisdiction, now);
            if (effective is null)
            {
                continue;
            }
            IReadOnlyList<string> ids = [.. chain!.Select(g => g.Id)];
            foreach (var key in grant.Fields)
            {
                var i = chains.IndexOf(key);
                if (i >= 0 && effective[i] > Fidelity.None)
                {
                    rights.Add(new ExtraRight(key, effective[i], ExtraRightKind.Grant, ids, grant.LegalBasis));
                }
            }
        }
        return rights;
    }
}
