using DataVault.Identity.Units;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.Me;
using DataVault.Vault.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DataVault.Vault.Integrity;

/// <summary>Integrity incidents: recorded wherever a stored record fails to open, listed for the district's privacy officers.</summary>
internal static class IntegritySetup
{
    public static IServiceCollection AddIntegrityIncidents(this IServiceCollection services)
    {
        services.TryAddSingleton<IntegrityIncidents>();
        return services;
    }

    public static RouteGroupBuilder MapIntegrityEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/privacy/integrity-incidents", ListAsync)
            .WithTags("Integrity")
            .WithName("ListIntegrityIncidents")
            .WithSummary("Stored records of the caller's district that failed to open (refused or withheld with record_integrity_failed), newest first.")
            .WithDescription("For the district's privacy officers and auditors. One item per damaged record: where it is (community), why it failed (`reason`: AuthenticationFailed, Malformed, UnknownKey…), first and last detection and how many requests met it. Never a value. Restore the record from a backup or re-enter it; docs/storage.md, \"A record that fails to open\".")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return api;
    }

    private static async Task<Results<Ok<QueuePage<IntegrityIncidentView>>, ProblemHttpResult>> ListAsync(
        CallerContext caller, IntegrityIncidents incidents, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        if (AccessLogEndpoints.DistrictOf(caller, UnitRoles.PrivacyOfficer, UnitRoles.Auditor) is not { } district)
        {
            return ProblemCatalog.Problem(ProblemCatalog.Forbidden, "只有本区的隐私官和审计员可以查看完整性事件 / Only the district's privacy officers and auditors see its integrity incidents.");
        }
        if (!QueueCursor.TryDecode(cursor, out var after))
        {
            return ProblemCatalog.Problem(ProblemCatalog.ValidationFailed, "游标须来自上一页 / The cursor comes from the previous page.");
        }
        var (page, next) = await incidents.PageAsync(district, after, AccessLogQueries.Limit(limit), cancellationToken);
        return TypedResults.Ok(new QueuePage<IntegrityIncidentView>(page, next));
    }
}
