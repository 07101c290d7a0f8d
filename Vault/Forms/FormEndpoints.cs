using System.Text;
using DataVault.Identity.Units;
using DataVault.Vault.Api;
using DataVault.Vault.Problems;
using DataVault.Vault.Residents;
using DataVault.Vault.Schema;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Forms;

/// <summary>
/// <c>/api/v1/forms</c>: department forms filled from the one record (issue 15, item 1; docs/forms.md).
/// Thin: each endpoint calls one <see cref="FormService"/> method and maps its refusal to a problem.
/// </summary>
internal static class FormEndpoints
{
    public const string Tag = "Forms";

    /// <summary>A definition is a page of JSON, not a file upload.</summary>
    public const int MaxDefinitionBytes = 64 * 1024;

    public static IServiceCollection AddDepartmentForms(this IServiceCollection services)
    {
        services.AddSingleton(sp => FormTemplates.LoadOrThrow(sp.GetRequiredService<IOptions<SchemaOptions>>().Value.PoliciesDirectory,
            sp.GetRequiredService<ResidentSchema>(), sp.GetRequiredService<Views.PurposeCatalog>()));
        services.AddSingleton(sp => ValueLabels.LoadOrThrow(sp.GetRequiredService<IOptions<SchemaOptions>>().Value.PoliciesDirectory, sp.GetRequiredService<ResidentSchema>()));
        services.AddSingleton<FormCatalog>();
        services.AddSingleton<FormChecker>();
        services.AddSingleton<FormService>();
        return services;
    }

    public static IEndpointRouteBuilder MapFormEndpoints(this IEndpointRouteBuilder api)
    {
        var staff = UnitRoles.All.Where(r => r != UnitRoles.Resident).ToArray();
        var forms = api.MapGroup("/forms").WithTags(Tag)
            .AddEndpointFilter(ApiAuthorization.RequireRole(staff))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        forms.MapGet("/", async (CallerContext caller, FormService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(caller, ct)))
            .WithName("ListForms")
            .WithSummary("The forms of the caller's district: the shipped templates (version 0) and the forms the district defined (newest version).");

        forms.MapGet("/fills", async Task<Results<Ok<FillPage>, ProblemHttpResult>> (string? community, string? cursor, int? limit, CallerContext caller, FormService service, CancellationToken ct) =>
                Map(await service.FillsAsync(caller, community, cursor, Math.Clamp(limit ?? 50, 1, 200), ct)))
            .WithName("ListFormFills")
            .WithSummary("Which forms were filled from a community's residents, and when, newest first (default: the caller's community).")
            .WithDescription("Each fill names the form and version, the filling unit, the jurisdiction and format, and how many of the community's residents it listed (below k: `<k`). The files are not kept: fill again to get one.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        forms.MapPost("/fills/{id}/refill", async Task<IResult> (string id, CallerContext caller, FormService service, HttpContext http, CancellationToken ct) =>
                File(await service.RefillAsync(caller, id, ct), http))
            .WithName("RefillForm")
            .WithSummary("Fill an earlier fill's form again (its newest version) for the same jurisdiction and format, from the record as it is now.")
            .Produces(StatusCodes.Status200OK, contentType: FormFormats.ContentType(FormFormats.Xlsx))
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        forms.MapGet("/{code}", async Task<Results<Ok<FormDetail>, ProblemHttpResult>> (string code, CallerContext caller, FormService service, CancellationToken ct) =>
                Map(await service.GetAsync(caller, code, ct)))
            .WithName("GetForm")
            .WithSummary("One form's definition, and whether its filler can fill it in the caller's district under the policy in force (with the problems if not).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        forms.MapPut("/{code}", async Task<Results<Ok<FormDetail>, ProblemHttpResult>> (string code, CallerContext caller, FormService service, HttpRequest request, CancellationToken ct) =>
                await ReadBodyAsync(request, ct) is not { } json
                    ? ProblemCatalog.Problem(ProblemCatalog.PayloadTooLarge, $"表单定义不超过 {MaxDefinitionBytes / 1024} KB / A definition is at most {MaxDefinitionBytes / 1024} KB.")
                    : Map(await service.DefineAsync(caller, code, json, ct)))
            .WithName("DefineForm")
            .WithSummary("Define a district form, or change one (a new version): checked against the policy for every unit that would fill it.")
            .WithDescription("Body: the definition (docs/forms.md). 422 `form_invalid` lists mistakes by JSON path; 403 `form_not_allowed` lists every column or filter the filler may not see at the fidelity it needs, with what it holds. Nothing is stored unless both pass.")
            .Accepts<FormDefinition>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        forms.MapPost("/{code}/fills", async Task<IResult> (string code, string? within, string? format, CallerContext caller, FormService service, HttpContext http, CancellationToken ct) =>
                File(await service.FillAsync(caller, code, within, format, null, ct), http))
            .WithName("FillForm")
            .WithSummary("Fill a form for a jurisdiction within reach (default: the caller's) as xlsx, csv (UTF-8 with BOM) or csv-gb18030; the file is the response.")
            .WithDescription("The caller must be the form's filler. Each listed resident is logged (action `form`, the fields the form read) before the file is made; an aggregate form is one `aggregate` entry. `X-Form-Fill` names the fill record (see `/forms/fills`); `X-Form-Rows` and `X-Form-Withheld` count the rows and the records left out.")
            .Produces(StatusCodes.Status200OK, contentType: FormFormats.ContentType(FormFormats.Xlsx))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static IResult File(FormOutcome<FormFill> outcome, HttpContext http)
    {
        if (outcome.Value is not { } fill)
        {
            return Problem(outcome);
        }
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Form-Rows"] = fill.Rows.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["X-Form-Withheld"] = fill.Withheld.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["X-Form-Fill"] = fill.Id;
        return TypedResults.File(fill.Content, fill.ContentType, fill.FileName);
    }

    private static Results<Ok<T>, ProblemHttpResult> Map<T>(FormOutcome<T> outcome) =>
        outcome.Value is { } value ? TypedResults.Ok(value) : Problem(outcome);

    private static ProblemHttpResult Problem<T>(FormOutcome<T> outcome)
    {
        var type = outcome.Refusal switch
        {
            FormRefusal.Invalid => ProblemCatalog.ValidationFailed,
            FormRefusal.DefinitionInvalid => ProblemCatalog.FormInvalid,
            FormRefusal.NotAllowed => ProblemCatalog.FormNotAllowed,
            FormRefusal.Forbidden => ProblemCatalog.Forbidden,
            FormRefusal.Conflict => ProblemCatalog.Conflict,
            _ => ProblemCatalog.NotFound,
        };
        return ProblemCatalog.Problem(type, outcome.Detail, outcome.Problems.Count == 0 ? null : new Dictionary<string, object?> { ["problems"] = outcome.Problems });
    }

    /// <summary>The body as text, or null when it is larger than <see cref="MaxDefinitionBytes"/>.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxDefinitionBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
