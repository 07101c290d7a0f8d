using DataVault.Vault.Oversight;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using DataVault.Vault.Views;

namespace DataVault.Vault.Web;

/// <summary>One kind of unit that may see a field of a resident, the most it may see, for which purposes, and whether a grant gives it.</summary>
internal sealed record PortalViewer(string Role, string? Department, string Jurisdiction, Fidelity Fidelity, IReadOnlyList<Purpose> Purposes, bool ByGrant);

/// <summary>
/// "Who may see it", for the resident portal: the privacy officers' reverse query
/// (<see cref="ReverseQueries.WhoCanSeeAsync"/>, the same decisions the API serves by, grants in force
/// included) for the resident's own record, grouped per unit with the purposes it may see the field
/// for. A break-glass is not a standing right: it is left out here and shows in the resident's log
/// when used.
/// </summary>
internal sealed class WhoMaySee(ReverseQueries reverse, PurposeCatalog purposes, ResidentSchema schema)
{
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<PortalViewer>>> ForAsync(StoredResident resident, CancellationToken cancellationToken)
    {
        var location = ResidentViews.LocationOf(resident);
        var result = new Dictionary<string, IReadOnlyList<PortalViewer>>(StringComparer.Ordinal);
        foreach (var field in schema.Fields)
        {
            var answer = await reverse.WhoCanSeeAsync(field, [location.Jurisdiction], location, location.Jurisdiction, cancellationToken, wholeView: true);
            result[field.Key] = [.. answer.Viewers
                .Where(v => v.Source != "break_glass")
                .GroupBy(v => (v.Role, v.Department, v.Jurisdiction))
                .Select(g => new PortalViewer(g.Key.Role, g.Key.Department, g.Key.Jurisdiction,
                    g.Max(v => FidelityNames.TryParse(v.Held, out var f) ? f : Fidelity.None),
                    [.. g.Select(v => purposes.Find(v.Purpose)).OfType<Purpose>().DistinctBy(p => p.Code).OrderBy(p => p.Code, StringComparer.Ordinal)],
                    g.Any(v => v.Source == "grant")))];
        }
        return result;
    }
}
