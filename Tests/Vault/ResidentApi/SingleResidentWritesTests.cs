using DataVault.Tests.Vault.Storage;
using DataVault.Vault.Residents;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.ResidentApi;

/// <summary>The store side of the API's writes and lists, on both providers: create never duplicates, update is conditional, pages are keyset.</summary>
public sealed class SingleResidentWritesTests
{
    private const string Community = "510107004003";

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task CreateThenConditionalUpdate_StaleVersionWritesNothing(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var writer = vault.Get<ResidentWriter>();
        var reader = vault.Get<ResidentReader>();
        var ct = TestContext.Current.CancellationToken;
        var first = Valid(vault, 1, "13900000001");
        var id = ResidentWriter.NewId();

        var created = await writer.CreateAsync(id, first, ct);
        var duplicate = await writer.CreateAsync(ResidentWriter.NewId(), Valid(vault, 1, "13900000002"), ct);
        var updated = await writer.UpdateAsync(id, 1, Valid(vault, 1, "13900000003"), ["phone"], new ResidentPlace("510107004003", null), ct);
        var stale = await writer.UpdateAsync(id, 1, Valid(vault, 1, "13900000004"), ["phone"], new ResidentPlace("510107004003", null), ct);
        var missing = await writer.UpdateAsync(ResidentWriter.NewId(), 1, Valid(vault, 2, "13900000005"), ["phone"], new ResidentPlace("510107004003", null), ct);

        Assert.Equal(SingleWriteStatus.Done, created.Status);
        Assert.Equal(SingleWriteStatus.IdNumberTaken, duplicate.Status);
        Assert.Equal(id, duplicate.Holder!.Id);
        Assert.Equal((SingleWriteStatus.Done, 2), (updated.Status, updated.Version));
        Assert.Equal(SingleWriteStatus.Stale, stale.Status);
        Assert.Equal(SingleWriteStatus.Missing, missing.Status);
        Assert.Equal(1, await reader.CountAsync(ct));
        var stored = await reader.FindAsync(id, ct);
        Assert.Equal(("13900000003", 2), (stored!.Values["phone"], stored.Version));
        Assert.Equal([id], (await reader.FindByPhoneAsync("139 0000 0003", 5, ct)).Residents.Select(r => r.Id));
        Assert.Empty((await reader.FindByPhoneAsync("13900000004", 5, ct)).Residents);
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Update_ToAnIdNumberAnotherResidentHolds_IsRefused(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var writer = vault.Get<ResidentWriter>();
        var ct = TestContext.Current.CancellationToken;
        string a = ResidentWriter.NewId(), b = ResidentWriter.NewId();
        await writer.CreateAsync(a, Valid(vault, 1, "13900000001"), ct);
        await writer.CreateAsync(b, Valid(vault, 2, "13900000002"), ct);

        var taken = await writer.UpdateAsync(b, 1, Valid(vault, 1, "13900000002"), ["phone"], new ResidentPlace("510107004003", null), ct);

        Assert.Equal(SingleWriteStatus.IdNumberTaken, taken.Status);
        Assert.Equal(a, taken.Holder!.Id);
        Assert.Equal(1, (await vault.Get<ResidentReader>().FindAsync(b, ct))!.Version);
    }

    [Theory]
    [InlineData(StorageLane.Sqlite)]
    [InlineData(StorageLane.Postgres)]
    [InlineData(StorageLane.PartitionedPostgres)]
    public async Task Page_FiltersByJurisdictionColumns_InIdOrder(StorageLane lane)
    {
        await using var vault = await TestVault.CreateAsync(lane);
        var writer = vault.Get<ResidentWriter>();
        var reader = vault.Get<ResidentReader>();
        var ct = TestContext.Current.CancellationToken;
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var id = ResidentWriter.NewId();
            ids.Add(id);
            await writer.CreateAsync(id, Valid(vault, 10 + i, null, grid: i % 2 == 0 ? Community + "-01" : null), ct);
        }
        await writer.CreateAsync(ResidentWriter.NewId(), Valid(vault, 30, null, community: "510107001001"), ct);

        var community = new ResidentFilter("510107", [Community], null);
        var pages = new List<string>();
        string? after = null;
        while (true)
        {
            var page = await reader.PageAsync(community, after, 3, ct);
            pages.AddRange(page.Residents.Select(r => r.Id));
            if (page.Scanned < 3)
            {
                break;
            }
            after = page.LastId;
        }
        var grid = await reader.PageAsync(new ResidentFilter("510107", null, Community + "-01"), null, 100, ct);

        Assert.Equal(ids.Order(StringComparer.Ordinal), pages);
        Assert.Equal(ids.Where((_, i) => i % 2 == 0).Order(StringComparer.Ordinal), grid.Residents.Select(r => r.Id));
    }
}
