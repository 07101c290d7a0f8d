using DataVault.Identity;
using DataVault.Identity.Storage;
using DataVault.Vault.Aggregates;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Api;
using DataVault.Vault.BreakGlass;
using DataVault.Vault.Encryption;
using DataVault.Vault.Feed;
using DataVault.Vault.Households;
using DataVault.Vault.Forms;
using DataVault.Vault.Grants;
using DataVault.Vault.Integrity;
using DataVault.Vault.Keys;
using DataVault.Vault.Oversight;
using DataVault.Vault.PolicyStore;
using DataVault.Vault.Me;
using DataVault.Vault.Problems;
using DataVault.Vault.ResidentApi;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using DataVault.Vault.Views;
using DataVault.Vault.Web;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Hosting;

/// <summary>
/// Composes the features into one web application. Each feature exposes
/// <c>AddX(IServiceCollection, ...)</c> and <c>MapXEndpoints(IEndpointRouteBuilder)</c>; this is
/// the one place that chooses which features run and under which route prefixes.
/// The command-line verbs build the same application (without starting Kestrel) so that a verb
/// and the server always share one configuration.
/// </summary>
public static class VaultHost
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // Settings are read once at start: reloading them on change would have the host watch its whole
        // content root, which holds ./data, so every write to the store woke a file watcher (about 7 % of
        // the CPU of a busy node). A later argument can still turn reloading back on.
        var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
        UseShippedSettings(builder);
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(RequestLimits.ConfigureKestrelCeiling);

        services.AddVaultProblemDetails();
        services.ConfigureHttpJsonOptions(ApiJson.Configure);
        services.AddVaultOpenApi();
        services.AddVaultStorage(builder.Configuration);
        services.AddFieldEncryption(builder.Configuration);
        services.AddVaultDataProtection();
        services.AddAccessLog(builder.Configuration, sp => sp.GetRequiredService<KeyRing>().LogSigningSeed().ToArray());
        services.AddResidents(builder.Configuration);
        services.AddScopedViews();
        services.AddPolicyStore();
        services.AddAccessLogQueries();
        services.AddResidentSelfService();
        services.AddResidentApi(builder.Configuration);
        services.AddAggregates(builder.Configuration);
        services.AddGrants();
        services.AddBreakGlass(builder.Configuration);
        services.AddOversight(builder.Configuration);
        services.AddDepartmentForms();
        services.AddChangeFeed();
        services.AddHouseholds();
        services.AddVaultIdentity(builder.Configuration, builder.Environment);
        services.AddVaultApiAuthorization();
        services.AddVaultWeb();

        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();

        app.UseExceptionHandler();
        app.UseRequestLimits();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authorization: lookups are limited per token subject

        app.MapOpenApi(); // /openapi/v1.json
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthReport("ok")))
            .WithName("Health")
            .WithSummary("Whether this node is up (no data, no token).")
            .WithTags("Operations")
            .AllowAnonymous();
        app.MapIdentityEndpoints();
        var api = app.MapGroup("/api/v1").RequireAuthorization(ApiAuthorization.PolicyName);
        api.MapWhoAmIEndpoints();
        api.MapScopedViewEndpoints();
        api.MapPolicyStoreEndpoints();
        api.MapAccessLogEndpoints();
        api.MapMeEndpoints();
        api.MapAggregateEndpoints();
        api.MapGrantEndpoints();
        api.MapBreakGlassEndpoints();
        api.MapIntegrityEndpoints();
        api.MapOversightEndpoints();
        api.MapFormEndpoints();
        api.MapFeedEndpoints();
        api.MapHouseholdEndpoints();
        app.MapVaultWeb();

        return app;
    }

    /// <summary>
    /// The content root is the working directory (so <c>./data</c> is where the operator runs the
    /// vault), which from the repository root holds no appsettings.json. Then the shipped settings
    /// beside the binary are read, as the lowest-precedence source: environment variables and
    /// arguments still override them.
    /// </summary>
    private static void UseShippedSettings(WebApplicationBuilder builder)
    {
        if (File.Exists(Path.Combine(builder.Environment.ContentRootPath, "appsettings.json")))
        {
            return;
        }
        var shipped = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (File.Exists(shipped))
        {
            var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = shipped, Optional = true };
            source.ResolveFileProvider();
            builder.Configuration.Sources.Insert(0, source);
        }
    }

    /// <summary>Brings the store up to date before the first request (migrations, first-run keys, demo data).</summary>
    public static async Task PrepareAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        OwnerOnlyFiles.TightenDataDirectory(app.Services.GetRequiredService<IOptions<VaultOptions>>().Value.DataDirectory);
        await app.Services.MigrateVaultStorageAsync(cancellationToken);
        await app.Services.PrepareIdentityStoreAsync(cancellationToken);
    }
}

/// <summary>The body of <c>GET /healthz</c>.</summary>
public sealed record HealthReport(string Status);
