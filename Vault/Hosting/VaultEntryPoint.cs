using DataVault.Vault.Cli;
using DataVault.Vault.Keys;

namespace DataVault.Vault.Hosting;

/// <summary>Chooses between serving and running a command-line verb.</summary>
internal static class VaultEntryPoint
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            return await RunUncheckedAsync(args);
        }
        catch (MasterKeyException ex)
        {
            // A refused master key (missing, wrong size, readable by others) is an operator's
            // problem with a clear message, not a crash: say it once and exit 1.
            await Console.Error.WriteLineAsync($"datavault: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> RunUncheckedAsync(string[] args)
    {
        // A first argument that is not an option is a verb. The test host passes only options
        // (--environment=..., --contentRoot=...), so it always reaches the web host.
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            return await VaultCommandLine.InvokeAsync(args);
        }

        var app = VaultHost.Build(VaultHost.CreateBuilder(args));
        await VaultHost.PrepareAsync(app);
        await app.RunAsync();
        return 0;
    }
}
