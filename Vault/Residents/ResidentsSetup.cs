using DataVault.Vault.Import;
using DataVault.Vault.Integrity;
using DataVault.Vault.Jurisdictions;
using DataVault.Vault.Schema;
using DataVault.Vault.Seeding;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DataVault.Vault.Residents;

/// <summary>Where the shipped policy files are read from (<c>Schema:PoliciesDirectory</c>).</summary>
public sealed class SchemaOptions
{
    public const string Section = "Schema";

    /// <summary>Defaults to the <c>policies/</c> folder copied beside the binary.</summary>
    public string PoliciesDirectory { get; set; } = Path.Combine(AppContext.BaseDirectory, "policies");
}

/// <summary>The resident store: schema, jurisdictions, validation, the writer, import and seeding.</summary>
internal static class ResidentsSetup
{
    public static IServiceCollection AddResidents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SchemaOptions>().Bind(configuration.GetSection(SchemaOptions.Section))
            .Validate(o => File.Exists(Path.Combine(o.PoliciesDirectory, ResidentSchema.FileName)), "Schema:PoliciesDirectory must hold fields.csv")
            .Validate(o => File.Exists(Path.Combine(o.PoliciesDirectory, JurisdictionTree.FileName)), "Schema:PoliciesDirectory must hold jurisdictions.csv")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => ResidentSchema.LoadOrThrow(Path.Combine(sp.GetRequiredService<IOptions<SchemaOptions>>().Value.PoliciesDirectory, ResidentSchema.FileName)));
        services.AddSingleton(sp => JurisdictionTree.LoadOrThrow(sp.GetRequiredService<IOptions<SchemaOptions>>().Value.PoliciesDirectory));
        services.AddSingleton<ResidentValidator>();
        services.AddSingleton<ResidentCodec>();
        services.AddSingleton<ResidentWriter>();
        services.AddIntegrityIncidents(); // the reader records the records it cannot open
        services.AddSingleton<ResidentReader>();
        services.AddSingleton<ResidentRotation>();
        services.AddSingleton<ResidentImporter>();
        services.AddSingleton<ResidentSeeder>();
        services.AddOptions<SeedingOptions>().Bind(configuration.GetSection(SeedingOptions.Section)).ValidateOnStart();
        // After AddFieldEncryption's master-key check (VaultHost registers encryption first).
        services.AddHostedService<DemoSeedingOnFirstRun>();
        services.AddHostedService<RecordLayoutMigration>();
        return services;
    }
}
