using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVault.Vault.Views;

/// <summary>
/// <c>/api/v1/residents</c>: residents served through scoped views. Every endpoint in this group
/// states a purpose (<c>X-Purpose</c>), and every resident it serves is logged before the response.
/// </summary>
internal static class ResidentEndpoints
{
    public const string Tag = "Residents";

    /// <summary>The route group resident-data endpoints are mapped on: it carries the purpose filter.</summary>
    public static RouteGroupBuilder MapResidentsGroup(this IEndpointRouteBuilder api)
    {
        var residents = api.MapGroup("/residents").WithTags(Tag).RequirePurpose();
        residents.MapGet("/{id}", ReadAsync)
            .WithName("ReadResident")
            .WithSummary("One resident, each field at the highest fidelity the caller's view allows for the stated purpose.")
            .WithDescription("Fields the view does not allow are absent. A resident outside the caller's reach is 404, exactly as one that does not exist. L4 and L5 fields held in the clear are served masked and listed in `revealable`. The response's ETag is the record version, for If-Match on update.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return residents;
    }

    /// <summary><c>GET /api/v1/purposes</c>: the purposes X-Purpose accepts, each with its legal basis.</summary>
    public static IEndpointRouteBuilder MapPurposeEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/purposes", (PurposeCatalog catalog) => TypedResults.Ok(catalog.All.OrderBy(p => p.Code, StringComparer.Ordinal).ToList()))
            .WithName("ListPurposes")
            .WithTags(Tag)
            .WithSummary("The purposes a data request may state in X-Purpose, with labels and legal basis.");
        return api;
    }

    private static async Task<Results<Ok<ResidentView>, ProblemHttpResult>> ReadAsync(
        string id, CallerContext caller, RequestPurpose purpose, ResidentViews views, HttpContext http, CancellationToken cancellationToken)
    {
        var view = await views.ReadAsync(caller, purpose.Value, id, cancellationToken);
        if (view is null)
        {
            return NotFound();
        }
        http.Response.Headers.ETag = ETag(view.Version);
        return TypedResults.Ok(view);
    }

    /// <summary>The same answer for "no such resident" and "not yours": no existence oracle.</summary>
    public static ProblemHttpResult NotFound() =>
        ProblemCatalog.Problem(ProblemCatalog.NotFound, "在您的权限范围内没有该居民 / No such resident within your reach.");

    /// <summary>A strong ETag from the record version.</summary>
    public static string ETag(int version) => $"\"{version}\"";
}
