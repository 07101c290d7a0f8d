using System.CommandLine;
using DataVault.Vault.AccessLog;
using DataVault.Vault.Hosting;

namespace DataVault.Vault.Cli;

/// <summary>
/// The command-line verbs (<c>seed</c>, <c>import</c>, <c>keys</c>, <c>policy</c>, <c>clients</c>,
/// <c>users</c>, <c>audit</c>). Each feature contributes its verbs here; a verb that needs the
/// store builds the same host as the server does, without starting it.
/// </summary>
internal static class VaultCommandLine
{
    public static async Task<int> InvokeAsync(string[] args)
    {
        var root = new RootCommand("DataVault: 居民数据保险库 / resident data vault. Run with no verb to serve.");
        // Feature verbs are added here, one line each.
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(SeedCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(PolicyFiles.PolicyCommands.Create());
        root.Subcommands.Add(IdentityVerbs.ClientsCommand());
        root.Subcommands.Add(IdentityVerbs.UsersCommand());
        root.Subcommands.Add(Witness.WitnessCommand.Create());
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>Builds the host for a verb and prepares the store (migrations, keys).</summary>
    public static async Task<WebApplication> BuildHostAsync(CancellationToken cancellationToken)
    {
        var app = VaultHost.Build(VaultHost.CreateBuilder([]));
        await VaultHost.PrepareAsync(app, cancellationToken);
        return app;
    }
}
