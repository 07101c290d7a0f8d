using DataVault.Vault.Cli;

namespace DataVault.Vault.Hosting;

/// <summary>Chooses between serving and running a command-line verb.</summary>
internal static class VaultEntryPoint
{
    // A refused master key propagates as MasterKeyException: the host logs it as one critical
    // line first. It is not caught here because the integration tests' WebApplicationFactory
    // must observe the exception that stops the host.
    public static async Task<int> RunAsync(string[] args)
    {
        // A first argument that is not an option is a verb. The test host passes only options
        // (--environment=..., --contentRoot=...), so it always reaches the web host.
        if (args.Length > 0 && (!args[0].StartsWith('-') || IsHelpOrVersion(args[0])))
        {
            return await VaultCommandLine.InvokeAsync(args);
        }

        var app = VaultHost.Build(VaultHost.CreateBuilder(args));
        await VaultHost.PrepareAsync(app);
        await app.RunAsync();
        return 0;
    }

    // `--help` lists the verbs instead of starting the server with an option it ignores.
    private static bool IsHelpOrVersion(string argument) =>
        argument is "--help" or "-h" or "-?" or "/?" or "--version";
}
