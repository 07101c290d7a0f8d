using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.ResidentApi;

/// <summary>Create (collect once, validated, permitted field by field) and conditional update (If-Match).</summary>
public sealed class WritingResidentsTests
{
    [Fact]
    public async Task Create_Valid_201WithLocationETagAndView_LoggedAsWrite()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var fields = NewResident(ApiTestHost.CommunityY, 1);

        using var response = await host.CreateAsync(token, fields);

        var body = await ApiTestHost.JsonAsync(response, HttpStatusCode.Created);
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/residents/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal(["address", "community", "id_number", "name", "phone"], body.GetProperty("changed").EnumerateArray().Select(e => e.GetString()));
        var view = body.GetProperty("resident").GetProperty("fields");
        Assert.Equal("clear", view.GetProperty("name").GetProperty("fidelity").GetString());
        Assert.Equal("masked", view.GetProperty("id_number").GetProperty("fidelity").GetString());
        var stored = (await host.StoredResidentsAsync()).Single(r => r.Id == id);
        Assert.Equal(fields["phone"], stored.Values["phone"]);
        var write = Assert.Single(await host.LogRowsAsync(), r => r.ResidentId == id && r.Action == "write");
        Assert.Equal("address=write;community=write;id_number=write;name=write;phone=write", write.Fields);
        Assert.Equal(Collection, write.Purpose);
    }

    [Fact]
    public async Task CreateAndPatch_WhenTheLogCannotRecord_503AndNothingWritten()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var existing = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var before = (await host.StoredResidentsAsync()).Count;
        await SqlAsync(host, "CREATE TRIGGER refuse_log BEFORE INSERT ON AccessLog BEGIN SELECT RAISE(ABORT, 'log disk failure'); END;");

        // The shipped policy lets community workers register residents for data_collection.
        using var create = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 7), "data_collection");
        using var patch = await host.PatchAsync(token, existing.Id, $"\"{existing.Version}\"", new() { ["phone"] = "13911112222" }, "data_collection");

        foreach (var response in new[] { create, patch })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("access_log_unavailable", await ApiTestHost.ProblemCodeAsync(response));
        }
        var after = await host.StoredResidentsAsync();
        Assert.Equal(before, after.Count);
        var unchanged = after.Single(r => r.Id == existing.Id);
        Assert.Equal(existing.Version, unchanged.Version);
        Assert.Equal(existing.Values["phone"], unchanged.Values["phone"]);
    }

    /// <summary>
    /// The write's entry is made and the write lands; only the read of the returned view cannot be
    /// logged. The answer must report the write (a 503 would make the client think nothing was written,
    /// and its retry would meet 412) and must not serve the view.
    /// </summary>
    [Fact]
    public async Task CreateAndPatch_WhenOnlyTheReadBackCannotBeLogged_TheWriteIsReported_TheViewWithheld()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var existing = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        await SqlAsync(host, "CREATE TRIGGER refuse_reads BEFORE INSERT ON AccessLog WHEN NEW.Action = 'read' BEGIN SELECT RAISE(ABORT, 'log disk failure'); END;");

        using var create = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 8), "data_collection");
        using var patch = await host.PatchAsync(token, existing.Id, $"\"{existing.Version}\"", new() { ["phone"] = "13911113333" }, "data_collection");

        var created = await ApiTestHost.JsonAsync(create, HttpStatusCode.Created);
        var patched = await ApiTestHost.JsonAsync(patch, HttpStatusCode.OK);
        foreach (var body in new[] { created, patched })
        {
            Assert.Equal(JsonValueKind.Null, body.GetProperty("resident").ValueKind);
            Assert.Equal("access_log_unavailable", body.GetProperty("residentWithheld").GetString());
        }
        Assert.Equal(existing.Version + 1, patched.GetProperty("version").GetInt32());
        Assert.Equal($"\"{existing.Version + 1}\"", patch.Headers.ETag?.Tag);
        var stored = await host.StoredResidentsAsync();
        Assert.Equal("13911113333", stored.Single(r => r.Id == existing.Id).Values["phone"]);
        Assert.Contains(stored, r => r.Id == created.GetProperty("id").GetString());
        var rows = await host.LogRowsAsync();
        Assert.Contains(rows, r => r.ResidentId == existing.Id && r.Action == "write");
        Assert.DoesNotContain(rows, r => r.ResidentId == existing.Id && r.Action == "read");
    }

    private static async Task SqlAsync(ApiTestHost host, string sql)
    {
        var factory = host.Get<Microsoft.EntityFrameworkCore.IDbContextFactory<DataVault.Vault.Storage.VaultDbContext>>();
        await using var db = await factory.CreateDbContextAsync(TestContext.Current.CancellationToken);
        await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync(db.Database, sql, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Create_SameIdNumber_409_NeverADuplicate_IdOnlyWithinReach()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var otherWorker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);
        using var first = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 2));
        var id = (await ApiTestHost.JsonAsync(first, HttpStatusCode.Created)).GetProperty("id").GetString();
        var count = (await host.StoredResidentsAsync()).Count;

        // Same person again (typed with a lower-case check character and spaces) with another phone.
        var again = NewResident(ApiTestHost.CommunityY, 2);
        again["id_number"] = " " + IdNumber(2).ToLowerInvariant() + " ";
        again["phone"] = "13700000000";
        using var duplicate = await host.CreateAsync(token, again);
        using var elsewhere = await host.CreateAsync(otherWorker, NewResident(ApiTestHost.OtherCommunity, 2));

        var problem = await ApiTestHost.JsonAsync(duplicate, HttpStatusCode.Conflict);
        Assert.Equal("resident_exists", problem.GetProperty("code").GetString());
        Assert.Equal(id, problem.GetProperty("existingId").GetString());
        var hidden = await ApiTestHost.JsonAsync(elsewhere, HttpStatusCode.Conflict);
        Assert.False(hidden.TryGetProperty("existingId", out _));
        Assert.DoesNotContain(id!, hidden.ToString(), StringComparison.Ordinal);
        Assert.Equal(count, (await host.StoredResidentsAsync()).Count);
        Assert.NotEqual("13700000000", (await host.StoredResidentsAsync()).Single(r => r.Id == id).Values["phone"]);
    }

    [Fact]
    public async Task Create_Invalid_400WithFieldKeysAndReasons_NoValues_NothingStored()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var fields = NewResident(ApiTestHost.CommunityY, 3);
        fields["phone"] = "12345-secret-phone";
        fields["id_number"] = "510107198001019999";
        fields["shoe_size"] = "42";
        fields["grid"] = "510107001001-01";
        var count = (await host.StoredResidentsAsync()).Count;

        using var response = await host.CreateAsync(token, fields);

        var problem = await ApiTestHost.JsonAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var keys = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "phone", "id_number", "shoe_size", "grid" }, keys);
        var text = problem.ToString();
        foreach (var value in new[] { "12345-secret-phone", "510107198001019999", "510107001001-01" })
        {
            Assert.DoesNotContain(value, text, StringComparison.Ordinal);
        }
        Assert.Equal(count, (await host.StoredResidentsAsync()).Count);
    }

    [Fact]
    public async Task Create_WithoutWriteOnEveryField_403NamingTheFields_AReadRightNeverWrites()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 1);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var fields = NewResident(ApiTestHost.CommunityY, 4);
        fields["chronic_condition"] = "diabetes";

        using var response = await host.CreateAsync(token, fields);
        using var outside = await host.CreateAsync(token, NewResident(ApiTestHost.OtherCommunity, 5));
        // For community service the worker reads contact and address clear, but may write none of it.
        using var readOnly = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 6), Service);

        // Health owns chronic_condition: the community collects identity, contact and address, not it.
        var problem = await ApiTestHost.JsonAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(["chronic_condition"], problem.GetProperty("fields").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("community", (await ApiTestHost.JsonAsync(outside, HttpStatusCode.Forbidden)).GetProperty("fields").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["address", "community", "id_number", "name", "phone"],
            (await ApiTestHost.JsonAsync(readOnly, HttpStatusCode.Forbidden)).GetProperty("fields").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.Action == "write");
    }

    [Fact]
    public async Task Patch_WithoutIfMatch428_Stale412_Current200_NeverASilentOverwrite()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        using var read = await host.GetAsync($"/api/v1/residents/{resident.Id}", token, Service);
        var etag = read.Headers.ETag!.Tag;

        using var missing = await host.PatchAsync(token, resident.Id, null, new() { ["address"] = "新地址一" });
        using var wrong = await host.PatchAsync(token, resident.Id, "\"999\"", new() { ["address"] = "新地址一" });
        using var ok = await host.PatchAsync(token, resident.Id, etag, new() { ["address"] = "新地址二", ["phone"] = resident.Values["phone"], ["emergency_contact_phone"] = null });
        using var stale = await host.PatchAsync(token, resident.Id, etag, new() { ["address"] = "新地址三" });

        Assert.Equal(HttpStatusCode.PreconditionRequired, missing.StatusCode);
        Assert.Equal("precondition_required", await ApiTestHost.ProblemCodeAsync(missing));
        Assert.Equal("precondition_failed", await ApiTestHost.ProblemCodeAsync(wrong));
        var body = await ApiTestHost.JsonAsync(ok, HttpStatusCode.OK);
        var expectedChanged = resident.Values.ContainsKey("emergency_contact_phone") ? new[] { "address", "emergency_contact_phone" } : ["address"];
        Assert.Equal(expectedChanged, body.GetProperty("changed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal($"\"{resident.Version + 1}\"", ok.Headers.ETag?.Tag);
        Assert.Equal("新地址二", body.GetProperty("resident").GetProperty("fields").GetProperty("address").GetProperty("value").GetString());
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        var stored = (await host.StoredResidentsAsync()).Single(r => r.Id == resident.Id);
        Assert.Equal("新地址二", stored.Values["address"]);
        Assert.False(stored.Values.ContainsKey("emergency_contact_phone"));
        Assert.Equal(resident.Version + 1, stored.Version);
        var write = Assert.Single(await host.LogRowsAsync(), r => r.ResidentId == resident.Id && r.Action == "write");
        Assert.Equal(string.Join(';', expectedChanged.Select(k => k + "=write")), write.Fields);
    }

    [Fact]
    public async Task Patch_FieldWithoutWriteRight_403_RequiredFieldCleared_400()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var etag = $"\"{resident.Version}\"";

        using var dibao = await host.PatchAsync(token, resident.Id, etag, new() { ["dibao"] = true, ["phone"] = "13911112222" });
        using var cleared = await host.PatchAsync(token, resident.Id, etag, new() { ["community"] = null });

        // Civil affairs owns dibao; the phone alone would have been allowed, and is not written either.
        Assert.Equal(["dibao"], (await ApiTestHost.JsonAsync(dibao, HttpStatusCode.Forbidden)).GetProperty("fields").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("community", (await ApiTestHost.JsonAsync(cleared, HttpStatusCode.BadRequest)).GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(resident.Version, (await host.StoredResidentsAsync()).Single(r => r.Id == resident.Id).Version);
    }
}
