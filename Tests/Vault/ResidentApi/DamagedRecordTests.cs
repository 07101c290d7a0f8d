using System.Globalization;
using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.ResidentApi;

/// <summary>
/// Issue 14, failure isolation: a record that fails its integrity check (a flipped byte, an edited
/// routing column) is refused with <c>record_integrity_failed</c>, recorded as an incident the district's
/// privacy officers see, and withheld with a marker from lists, lookups and exports, which still answer.
/// </summary>
public sealed class DamagedRecordTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FlippedByte_SingleRead_RefusedWithItsCode_NotLogged_IncidentForThePrivacyOfficer()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var victim = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        await FlipByteAsync(host, victim.Id);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var first = await host.GetAsync($"/api/v1/residents/{victim.Id}", worker, Service);
        using var second = await host.GetAsync($"/api/v1/residents/{victim.Id}", worker, Service);

        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        Assert.Equal("record_integrity_failed", await ApiTestHost.ProblemCodeAsync(first));
        Assert.Equal("record_integrity_failed", await ApiTestHost.ProblemCodeAsync(second));
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.ResidentId == victim.Id);

        var officer = await host.TokenAsync(UnitRoles.PrivacyOfficer, "510107");
        using var queue = await host.GetAsync("/api/v1/privacy/integrity-incidents", officer, null);
        var incident = Assert.Single((await ApiTestHost.JsonAsync(queue, HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal(victim.Id, incident.GetProperty("recordId").GetString());
        Assert.Equal(ApiTestHost.CommunityY, incident.GetProperty("communityCode").GetString());
        Assert.Equal("record_integrity_failed", incident.GetProperty("code").GetString());
        Assert.Equal("AuthenticationFailed", incident.GetProperty("reason").GetString());
        Assert.Equal(2, incident.GetProperty("detections").GetInt64());

        // Only the district's privacy officers and auditors see the queue.
        using var byWorker = await host.GetAsync("/api/v1/privacy/integrity-incidents", worker, null);
        using var otherDistrict = await host.GetAsync("/api/v1/privacy/integrity-incidents", await host.TokenAsync(UnitRoles.PrivacyOfficer, "510108"), null);
        Assert.Equal(HttpStatusCode.Forbidden, byWorker.StatusCode);
        Assert.Empty((await ApiTestHost.JsonAsync(otherDistrict, HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task DamagedRecord_CommunityList_StillAnswers_WithheldMarker_OthersServedAndLogged()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 6);
        var own = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
        var victim = own[2];
        await FlipByteAsync(host, victim);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        // A page of 3 whose middle row is damaged: 2 served, 1 withheld, and the cursor goes on past it.
        var served = new List<string>();
        var withheld = new List<string>();
        string? cursor = null;
        do
        {
            using var response = await host.GetAsync($"/api/v1/residents?community={ApiTestHost.CommunityY}&limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), worker, Service);
            var page = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
            served.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            foreach (var marker in page.GetProperty("withheld").EnumerateArray())
            {
                Assert.Equal("record_integrity_failed", marker.GetProperty("code").GetString());
                withheld.Add(marker.GetProperty("id").GetString()!);
            }
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(own.Where(id => id != victim), served);
        Assert.Equal([victim], withheld);
        var listed = (await host.LogRowsAsync()).Where(r => r.Action == "list").Select(r => r.ResidentId).ToHashSet();
        Assert.Equal(own.Count - 1, listed.Count);
        Assert.DoesNotContain(victim, listed);
    }

    [Fact]
    public async Task DamagedRecord_OutsideReach_IsA404AndNoMarker_LikeAnyResidentOutsideReach()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var other = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        await FlipByteAsync(host, other.Id);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var read = await host.GetAsync($"/api/v1/residents/{other.Id}", worker, Service);
        using var reveal = await host.RevealAsync(worker, other.Id, "id_number", "核对身份证号用于低保复核 / dibao review", Service);
        using var list = await host.GetAsync($"/api/v1/residents?community={ApiTestHost.CommunityY}", worker, Service);

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, reveal.StatusCode);
        Assert.Empty((await ApiTestHost.JsonAsync(list, HttpStatusCode.OK)).GetProperty("withheld").EnumerateArray());
    }

    [Fact]
    public async Task DamagedRecord_Export_Completes_WithAMarkerRow()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 5);
        var own = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).ToList();
        var victim = own[1].Id;
        await FlipByteAsync(host, victim);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var export = await host.GetAsync($"/api/v1/residents/export?community={ApiTestHost.CommunityY}", worker, Service);

        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var lines = (await TextAsync(export)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',').Select(c => c.Trim('"')).ToList();
        Assert.Equal("record_status", header[^1]);
        var rows = lines.Skip(1).Select(l => l.Split(',').Select(c => c.Trim('"')).ToList()).ToList();
        Assert.Equal(own.Count, rows.Count);
        var marker = Assert.Single(rows, r => r[^1] == "record_integrity_failed");
        Assert.Equal(victim, marker[0]);
        Assert.All(marker.Skip(1).SkipLast(1), cell => Assert.Equal("", cell));
        Assert.All(rows.Where(r => r[0] != victim), r => Assert.Equal("", r[^1]));
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.ResidentId == victim);
    }

    [Fact]
    public async Task EditedRoutingColumn_LookupAndReveal_Refused_OtherLookupsAnswer()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 4);
        var own = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).ToList();
        var (victim, healthy) = (own[0], own[1]);
        // An insider "moves" the resident's community to another street: the row no longer matches
        // what its buckets were sealed for.
        await ExecuteAsync(host, $"UPDATE residents SET street_code = '510107002' WHERE id = '{victim.Id}'");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var lookup = await host.LookupAsync(worker, new { idNumber = victim.Values["id_number"] });
        using var reveal = await host.RevealAsync(worker, victim.Id, "id_number", "核对身份证号用于低保复核 / dibao review", Service);
        using var other = await host.LookupAsync(worker, new { idNumber = healthy.Values["id_number"] });

        Assert.Equal("record_integrity_failed", await ApiTestHost.ProblemCodeAsync(lookup));
        Assert.Equal("record_integrity_failed", await ApiTestHost.ProblemCodeAsync(reveal));
        var found = await ApiTestHost.JsonAsync(other, HttpStatusCode.OK);
        Assert.Equal(healthy.Id, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        Assert.Empty(found.GetProperty("withheld").EnumerateArray());
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.ResidentId == victim.Id);
        Assert.DoesNotContain(victim.Values["id_number"], await TextAsync(lookup));
    }

    [Fact]
    public async Task DamagedRecord_Aggregate_StillAnswers_AndSaysHowManyWereWithheld()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 6);
        var victim = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        // Every bucket is bound to the version: all of them fail, whichever holds the field counted.
        await ExecuteAsync(host, $"UPDATE residents SET version = version + 3 WHERE id = '{victim.Id}'");
        var analyst = await host.TokenAsync(UnitRoles.DistrictAnalyst, "510107");

        using var response = await host.GetAsync("/api/v1/aggregates?within=510107&by=street&field=education", analyst, "statistics");

        var report = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(1, report.GetProperty("withheld").GetInt32());
    }

    /// <summary>Review finding: a damaged record in the change journal failed every poll, so the feed stopped for everyone behind it.</summary>
    [Fact]
    public async Task DamagedRecord_InTheFeed_IsMarkedWithheld_AndTheFeedMovesOn()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 5);
        var own = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).ToList();
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        using (var start = await host.GetAsync("/api/v1/feed?from=now", worker, Service))
        {
            var cursor = (await ApiTestHost.JsonAsync(start, HttpStatusCode.OK)).GetProperty("cursor").GetString();
            foreach (var r in own.Take(2))
            {
                using var patch = await host.PatchAsync(worker, r.Id, $"\"{r.Version}\"", new() { ["phone"] = "13911119" + own.IndexOf(r).ToString("000", CultureInfo.InvariantCulture) });
                Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            }
            await FlipByteAsync(host, own[0].Id);

            using var poll = await host.GetAsync($"/api/v1/feed?cursor={cursor}", worker, Service);
            var page = await ApiTestHost.JsonAsync(poll, HttpStatusCode.OK);
            var changes = page.GetProperty("changes").EnumerateArray().ToList();
            Assert.Equal([own[0].Id, own[1].Id], changes.Select(c => c.GetProperty("residentId").GetString()));
            Assert.Equal(("withheld", "record_integrity_failed", JsonValueKind.Null),
                (changes[0].GetProperty("kind").GetString(), changes[0].GetProperty("withheld").GetString(), changes[0].GetProperty("resident").ValueKind));
            Assert.Equal("updated", changes[1].GetProperty("kind").GetString());
            Assert.True(page.GetProperty("caughtUp").GetBoolean());
        }
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.ResidentId == own[0].Id && r.Action == "feed");
    }

    /// <summary>Flips one bit in the middle of the resident's stored blob (inside a sealed bucket).</summary>
    private static async Task FlipByteAsync(ApiTestHost host, string id)
    {
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        var data = await db.Set<ResidentRow>().Where(r => r.Id == id).Select(r => r.Data).SingleAsync(Ct);
        data[data.Length / 2] ^= 0x20;
        await db.Set<ResidentRow>().Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Data, data), Ct);
    }

    private static async Task ExecuteAsync(ApiTestHost host, string sql)
    {
        await using var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(Ct);
        await db.Database.ExecuteSqlRawAsync(sql, Ct);
    }
}
