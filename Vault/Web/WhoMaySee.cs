using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Web;

/// <summary>One kind of unit that may see a field of a resident, the most it may see, and for which purposes.</summary>
internal sealed record Viewer(string Role, string? Department, string Jurisdiction, Fidelity Fidelity, IReadOnlyList<Purpose> Purposes);

/// <summary>
/// "Who may see it", for the resident portal: the running policy's decisions (<see cref="ViewDecider"/>,
/// the same cached decisions the API serves by) for every unit that stands over the resident — the
/// grid, community, street and district, and each department at the district — across every purpose.
/// Grants and break-glass are not standing rights, so they are not listed here; they appear in the
/// resident's access log when used.
/// </summary>
internal sealed class WhoMaySee(ViewDecider decider, PurposeCatalog purposes, ResidentSchema schema, JurisdictionTree tree)
{
    public IReadOnlyDictionary<string, IReadOnlyList<Viewer>> For(StoredResident resident)
    {
        var location = ResidentViews.LocationOf(resident);
        var snapshot = decider.Snapshot;
        var district = tree.AncestorOf(resident.CommunityCode, JurisdictionKind.District)?.Code ?? resident.CommunityCode[..6];
        var street = tree.AncestorOf(resident.CommunityCode, JurisdictionKind.Street)?.Code ?? resident.CommunityCode[..9];
        var units = new List<(string Role, string? Department, string Jurisdiction)>
        {
            (UnitRoles.CommunityWorker, null, resident.CommunityCode),
            (UnitRoles.StreetOfficer, null, street),
            (UnitRoles.DistrictAnalyst, null, district),
        };
        if (location.GridCode is { } grid)
        {
            units.Insert(0, (UnitRoles.GridWorker, null, grid));
        }
        units.AddRange(UnitRoles.Departments.Select(d => (UnitRoles.Caseworker, (string?)d, district)));

        var result = schema.Fields.ToDictionary(f => f.Key, _ => new List<Viewer>(), StringComparer.Ordinal);
        foreach (var (role, department, jurisdiction) in units)
        {
            var caller = new CallerContext("", "user", role, jurisdiction, department, UnitRoles.UnitName(role, jurisdiction, department));
            var best = new Fidelity[schema.Fields.Count];
            var why = new List<Purpose>[schema.Fields.Count];
            foreach (var purpose in purposes.All)
            {
                var rights = decider.Decide(snapshot, caller, purpose.Code, location.Jurisdiction).Fidelities;
                for (var i = 0; i < rights.Length; i++)
                {
                    if (rights[i] == Fidelity.None)
                    {
                        continue;
                    }
                    (why[i] ??= []).Add(purpose);
                    if (rights[i] > best[i])
                    {
                        best[i] = rights[i];
                    }
                }
            }
            for (var i = 0; i < best.Length; i++)
            {
                if (best[i] > Fidelity.None)
                {
                    result[schema.Fields[i].Key].Add(new Viewer(role, department, jurisdiction, best[i], why[i]));
                }
            }
        }
        return result.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Viewer>)kv.Value, StringComparer.Ordinal);
    }
}
