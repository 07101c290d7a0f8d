using System.ComponentModel.DataAnnotations;
using DataVault.Vault.Views;

namespace DataVault.Vault.BreakGlass;

/// <summary>Break-glass limits (<c>BreakGlass</c> section).</summary>
public sealed class BreakGlassOptions
{
    public const string Section = "BreakGlass";
    public const int DefaultMinutes = 60;

    /// <summary>The longest an approved break-glass may last, in minutes (default 240; at most a day).</summary>
    [Range(1, 1440)]
    public int MaxMinutes { get; set; } = 240;
}

/// <summary>Emergency access: the store, the workflow, the rights scoped views merge, the endpoints.</summary>
internal static class BreakGlassSetup
{
    public static IServiceCollection AddBreakGlass(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BreakGlassOptions>().Bind(configuration.GetSection(BreakGlassOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.MaxMinutes >= BreakGlassOptions.DefaultMinutes, $"BreakGlass:MaxMinutes must allow the default of {BreakGlassOptions.DefaultMinutes} minutes.")
            .ValidateOnStart();
        services.AddSingleton<BreakGlassStore>();
        services.AddSingleton<BreakGlassService>();
        services.AddSingleton<IAccessExtension, BreakGlassRights>();
        return services;
    }
}
