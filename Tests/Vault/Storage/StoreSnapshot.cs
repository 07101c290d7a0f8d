using DataVault.Vault.Residents;

namespace DataVault.Tests.Vault.Storage;

/// <summary>Every resident's opened values, to prove a rewrite of the store (rotation, migration) kept each one.</summary>
internal static class StoreSnapshot
{
    public static async Task<Dictionary<string, IReadOnlyDictionary<string, string>>> TakeAsync(TestVault vault)
    {
        var all = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        await foreach (var r in vault.Get<ResidentReader>().ReadAllAsync(TestContext.Current.CancellationToken))
        {
            all[r.Id] = r.Values;
        }
        return all;
    }

    public static void AssertSame(Dictionary<string, IReadOnlyDictionary<string, string>> expected, Dictionary<string, IReadOnlyDictionary<string, string>> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (id, values) in expected)
        {
            Assert.Equal(values.OrderBy(kv => kv.Key), actual[id].OrderBy(kv => kv.Key));
        }
    }
}
