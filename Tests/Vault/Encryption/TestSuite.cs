namespace DataVault.Tests.Vault.Encryption;

/// <summary>
/// The whole test suite can run under the 国密 suite: <c>Encryption__Suite=Sm dotnet test</c>. Hosts read the
/// variable themselves (environment configuration); harnesses that build their settings in memory apply it here.
/// </summary>
internal static class TestSuite
{
    public static void ApplyFromEnvironment(IDictionary<string, string?> settings)
    {
        if (Environment.GetEnvironmentVariable("Encryption__Suite") is { Length: > 0 } suite)
        {
            settings["Encryption:Suite"] = suite;
        }
    }
}
