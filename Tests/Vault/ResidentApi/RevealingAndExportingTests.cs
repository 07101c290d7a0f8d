using System.Net;
using System.Text;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Schema;
using static DataVault.Tests.Vault.ResidentApi.ResidentApiTestKit;

namespace DataVault.Tests.Vault.ResidentApi;

/// <summary>Reveal (one field, with a reason, logged first) and CSV export (same projection, never L5, injection-safe, logged per resident).</summary>
public sealed class RevealingAndExportingTests
{
    private const string Reason = "低保资格复核需要核对身份证号 / dibao review";

    [Fact]
    public async Task Reveal_RevealableField_ClearValue_LoggedWithReason()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var token = await host.TokenAsync(UnitRoles.Caseworker, "510107", "civil_affairs");
        using var read = await host.GetAsync($"/api/v1/residents/{resident.Id}", token, "subsidy_eligibility");
        var view = await ApiTestHost.JsonAsync(read, HttpStatusCode.OK);
        Assert.Contains("id_number", view.GetProperty("revealable").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("masked", view.GetProperty("fields").GetProperty("id_number").GetProperty("fidelity").GetString());

        using var reveal = await host.RevealAsync(token, resident.Id, "id_number", Reason, "subsidy_eligibility");

        var body = await ApiTestHost.JsonAsync(reveal, HttpStatusCode.OK);
        Assert.Equal(resident.Values["id_number"], body.GetProperty("value").GetString());
        var entry = Assert.Single(await host.LogRowsAsync(), r => r.Action == "reveal");
        Assert.Equal(resident.Id, entry.ResidentId);
        Assert.Equal("id_number=clear", entry.Fields);
        Assert.Equal(Reason, entry.Reason);
        Assert.Equal(entry.Index, body.GetProperty("log").GetProperty("index").GetInt64());
        Assert.Equal("no-store", reveal.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Reveal_NotRevealable403_ShortReason400_OutsideReach404_NoneLogged()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 2);
        var stored = await host.StoredResidentsAsync();
        var own = stored.First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var other = stored.First(r => r.CommunityCode == ApiTestHost.OtherCommunity);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);

        using var masked = await host.RevealAsync(token, own.Id, "name", Reason, Service);          // held masked, not clear
        using var absent = await host.RevealAsync(token, own.Id, "hiv_status", Reason, Service);    // not in the view at all
        using var plain = await host.RevealAsync(token, own.Id, "phone", Reason, Service);          // already clear
        using var shortReason = await host.RevealAsync(token, own.Id, "name", "because", Service);
        using var outside = await host.RevealAsync(token, other.Id, "elderly_living_alone", Reason, "elderly_care");

        foreach (var refused in new[] { masked, absent, plain })
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("reveal_not_allowed", await ApiTestHost.ProblemCodeAsync(refused));
        }
        Assert.Equal("validation_failed", await ApiTestHost.ProblemCodeAsync(shortReason));
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.DoesNotContain(await host.LogRowsAsync(), r => r.Action == "reveal");
    }

    [Fact]
    public async Task Export_ViewWithL5Fields_HasNoL5Column_AndLogsEachResidentWithoutL5()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 6);
        var expected = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).Select(r => r.Id).Order().ToList();
        var schema = host.Get<ResidentSchema>();
        var l5 = schema.Fields.Where(f => f.Level == SensitivityLevel.L5).Select(f => f.Key).ToHashSet();
        var token = await host.TokenAsync(UnitRoles.Caseworker, "510107", "health");
        using var read = await host.GetAsync($"/api/v1/residents/{expected[0]}", token, "health_services");
        Assert.True((await ApiTestHost.JsonAsync(read, HttpStatusCode.OK)).GetProperty("fields").TryGetProperty("hiv_status", out _), "the health view has an L5 field");

        using var export = await host.GetAsync($"/api/v1/residents/export?community={ApiTestHost.CommunityY}", token, "health_services");

        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var lines = (await TextAsync(export)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',').Select(c => c.Trim('"')).ToList();
        Assert.Equal("id", header[0]);
        Assert.Contains("chronic_condition", header);
        Assert.Empty(header.Intersect(l5));
        Assert.Equal(expected, lines.Skip(1).Select(l => l.Split(',')[0].Trim('"')).Order().ToList());
        var exported = (await host.LogRowsAsync()).Where(r => r.Action == "export").ToList();
        Assert.Equal(expected, exported.Select(r => r.ResidentId).Order().ToList());
        Assert.All(exported, r => Assert.DoesNotContain(r.Fields.Split(';'), f => l5.Contains(f.Split('=')[0])));
    }

    [Fact]
    public async Task Export_FormulaInjectedThroughAField_IsNeutralised_BomAttachmentExistsAsYesNo()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        const string Formula = "=cmd|' /C calc'!A0";
        using var created = await host.CreateAsync(token, NewResident(ApiTestHost.CommunityY, 9, address: Formula));
        var id = (await ApiTestHost.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        using var export = await host.GetAsync($"/api/v1/residents/export?community={ApiTestHost.CommunityY}", token, Service);

        var bytes = await export.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), bytes[..3]);
        Assert.Equal("attachment", export.Content.Headers.ContentDisposition?.DispositionType);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',').Select(c => c.Trim('"')).ToList();
        var row = lines.Single(l => l.StartsWith($"\"{id}\"", StringComparison.Ordinal));
        var address = Cells(row)[header.IndexOf("address")];
        Assert.Equal("'" + Formula, address);
        Assert.All(lines.Skip(1).SelectMany(Cells), c => Assert.False(c.Length > 0 && "=+-@\t\r".Contains(c[0]), c));
        // community_service serves veteran status as "exists": a yes/no cell, never the value.
        Assert.All(lines.Skip(1).Select(l => Cells(l)[header.IndexOf("veteran_status")]), c => Assert.Contains(c, new[] { "是", "否" }));
        var stored = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).Select(r => r.Id).Order().ToList();
        Assert.Equal(stored, (await host.LogRowsAsync()).Where(r => r.Action == "export").Select(r => r.ResidentId).Order().ToList());
    }

    /// <summary>The cells of a CSV line whose every cell is quoted (as the export writes them).</summary>
    private static List<string> Cells(string line)
    {
        using var reader = new StringReader(line);
        using var csv = new CsvHelper.CsvParser(reader, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(csv.Read());
        return [.. csv.Record!];
    }
}
