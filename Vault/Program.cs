using DataVault.Vault.Hosting;

// `dotnet run --project Vault` serves; `dotnet run --project Vault -- VERB ...` runs a verb.
return await VaultEntryPoint.RunAsync(args);

/// <summary>The entry point type, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
