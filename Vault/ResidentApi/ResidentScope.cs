using System.Buffers.Text;
using System.Text;
using DataVault.Vault.Api;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Problems;
using DataVault.Vault.Residents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.ResidentApi;

/// <summary>The jurisdiction a list or export covers, after narrowing to the caller's reach, and its SQL filter.</summary>
internal sealed record ResidentScope(Jurisdiction Jurisdiction, ResidentFilter Filter)
{
    /// <summary>
    /// The scope of <c>?community=</c>, <c>?street=</c> or <c>?grid=</c> (exactly one) for a caller. A
    /// jurisdiction within the caller's is taken as asked; one that contains the caller's is narrowed to
    /// the caller's (a community worker asking for the whole street gets their community); anything
    /// else is 404 exactly like an unknown code, so the answer never says whether it exists.
    /// "Within" walks the tree's explicit parents, never the code prefix (a community moved to another
    /// street follows its new street).
    /// </summary>
    public static (ResidentScope? Scope, ProblemHttpResult? Problem) Resolve(JurisdictionTree tree, CallerContext caller, string? community, string? street, string? grid)
    {
        var asked = new[] { (Code: community, Kind: JurisdictionKind.Community), (Code: street, Kind: JurisdictionKind.Street), (Code: grid, Kind: JurisdictionKind.Grid) }
            .Where(a => a.Code is not null).ToArray();
        if (asked.Length != 1)
        {
            return (null, ResidentApiProblems.Validation([new("community", "exactly one of community, street or grid is required")]));
        }
        var (code, kind) = asked[0];
        var name = kind.ToString().ToLowerInvariant();
        if (!JurisdictionTree.IsWellFormed(code!, kind))
        {
            return (null, ResidentApiProblems.Validation([new(name, $"not a {name} code")]));
        }
        var requested = tree.Find(code!);
        var own = tree.Find(caller.Jurisdiction);
        if (requested is null || requested.Kind != kind || own is null)
        {
            return (null, NotFound());
        }
        var effective = IsWithin(tree, requested.Code, own.Code) ? requested
            : IsWithin(tree, own.Code, requested.Code) ? own
            : null;
        return effective is null ? (null, NotFound()) : (new ResidentScope(effective, FilterOf(tree, effective)), null);
    }

    /// <summary>The scope of a jurisdiction already known to be within the caller's reach.</summary>
    public static ResidentScope Of(JurisdictionTree tree, Jurisdiction jurisdiction) => new(jurisdiction, FilterOf(tree, jurisdiction));

    /// <summary>Is <paramref name="code"/> the same as, or below, <paramref name="ancestor"/> in the tree?</summary>
    public static bool IsWithin(JurisdictionTree tree, string code, string ancestor)
    {
        for (var node = tree.Find(code); node is not null; node = node.Parent is null ? null : tree.Find(node.Parent))
        {
            if (node.Code == ancestor)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The communities and grids within the scope: the jurisdictions a resident of it can be decided at.</summary>
    public IEnumerable<Jurisdiction> ResidentJurisdictions(JurisdictionTree tree) =>
        tree.Nodes.Where(n => n.Kind is JurisdictionKind.Community or JurisdictionKind.Grid && IsWithin(tree, n.Code, Jurisdiction.Code));

    private static ResidentFilter FilterOf(JurisdictionTree tree, Jurisdiction scope) => scope.Kind switch
    {
        JurisdictionKind.District => new ResidentFilter(scope.Code, null, null),
        JurisdictionKind.Street => new ResidentFilter(scope.DistrictCode,
            [.. tree.ChildrenOf(scope.Code).Where(c => c.Kind == JurisdictionKind.Community).Select(c => c.Code)], null),
        JurisdictionKind.Community => new ResidentFilter(scope.DistrictCode, [scope.Code], null),
        JurisdictionKind.Grid => new ResidentFilter(scope.DistrictCode, null, scope.Code),
    };

    private static ProblemHttpResult NotFound() =>
        ProblemCatalog.Problem(ProblemCatalog.NotFound, "在您的权限范围内没有该辖区 / No such jurisdiction within your reach.");

    /// <summary>
    /// An opaque cursor: the last id a page scanned, bound to the scope it was issued for. It carries
    /// no value and grants nothing: the next page is still filtered and decided for the caller.
    /// </summary>
    public string Cursor(string afterId) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"1|{Jurisdiction.Code}|{afterId}"));

    public bool TryReadCursor(string cursor, out string afterId)
    {
        afterId = "";
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return false;
        }
        var parts = Encoding.UTF8.GetString(bytes).Split('|');
        if (parts.Length != 3 || parts[0] != "1" || parts[1] != Jurisdiction.Code || parts[2].Length is 0 or > 32)
        {
            return false;
        }
        afterId = parts[2];
        return true;
    }
}

/// <summary>A problem with one field of a request: its key and a reason, never its value.</summary>
public sealed record FieldProblem(string Field, string Reason);

internal static class ResidentApiProblems
{
    /// <summary>400 <c>validation_failed</c> listing field keys and reasons (never a value).</summary>
    public static ProblemHttpResult Validation(IReadOnlyList<FieldProblem> errors) =>
        ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "请求无效，见 errors / The request is invalid; see errors.",
            new Dictionary<string, object?> { ["errors"] = errors });

    /// <summary>403 <c>forbidden</c> naming the field keys the caller may not write.</summary>
    public static ProblemHttpResult CannotWrite(IReadOnlyList<string> fields) =>
        ProblemCatalog.Problem(ProblemCatalog.Forbidden,
            "您无权按此用途写入这些字段 / You may not write these fields for this purpose: " + string.Join(", ", fields),
            new Dictionary<string, object?> { ["fields"] = fields });
}
