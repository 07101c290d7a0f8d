using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Tests.Vault.ResidentApi;
using DataVault.Vault.Forms;
using DataVault.Vault.Residents;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace DataVault.Tests.Vault.Forms;

/// <summary>
/// Department forms (issue 15, item 1): every shipped template fills for community Y from the one
/// record, the XLSX read back with the Open XML SDK has the department's header and exactly the
/// residents the filter names, each cell as the filler's scoped view serves it; each listed resident
/// has one <c>form</c> entry; a form that needs more than its filler may see is refused at definition.
/// </summary>
public sealed class DepartmentFormsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The filler of each shipped template, at the jurisdiction that fills it for community Y.</summary>
    private static (string Role, string Jurisdiction, string? Department) FillerOf(FormDefinition form) =>
        form.FilledBy.Role == UnitRoles.CommunityWorker
            ? (form.FilledBy.Role, ApiTestHost.CommunityY, null)
            : (form.FilledBy.Role, "510107", form.FilledBy.Department);

    [Fact]
    public async Task EveryShippedTemplate_FillsForCommunityY_HeaderAndRowsAsTheScopedViewsServe_OneFormEntryPerListedResident()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 240);
        var templates = host.Get<FormTemplates>().All.Where(t => t.Rows is FormRowKinds.Resident or FormRowKinds.Household).ToList();
        Assert.Equal(7, templates.Count);
        var stored = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var year = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).Year;

        foreach (var form in templates)
        {
            var (role, jurisdiction, department) = FillerOf(form);
            var token = await host.TokenAsync(role, jurisdiction, department);
            using var response = await host.SendAsync(HttpMethod.Post, $"/api/v1/forms/{form.Code}/fills?within={ApiTestHost.CommunityY}&format=xlsx", token, null);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{form.Code}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
            var fillId = response.Headers.GetValues("X-Form-Fill").Single();
            var sheet = ReadXlsx(await response.Content.ReadAsByteArrayAsync(Ct));

            // The title row, then the subtitle lines, then the department's header.
            Assert.Equal(form.Title, sheet[0][0]);
            var headerAt = sheet.FindIndex(r => r.SequenceEqual(form.Columns.Select(c => c.Title)));
            Assert.True(headerAt > 0, $"{form.Code}: no header row {string.Join("|", form.Columns.Select(c => c.Title))}");
            var rows = sheet.Skip(headerAt + 1).ToList();

            // Who should be listed, judged on the raw record by the test, not by the vault's code.
            // A household form lists each household once, by its head's record.
            var expected = stored.Where(r => form.Filter.All(f => MeetsRaw(f, r, year))
                && (form.Rows != FormRowKinds.Household || r.Values.GetValueOrDefault("relation_to_head") == "head")).ToList();
            Assert.True(expected.Count > 0, $"{form.Code}: the seed has nobody the filter lists; the test would prove nothing");
            Assert.Equal(expected.Count, rows.Count);
            Assert.Equal(expected.Count.ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("X-Form-Rows").Single());

            for (var i = 0; i < expected.Count; i++)
            {
                using var read = await host.GetAsync($"/api/v1/residents/{expected[i].Id}", token, form.Purpose);
                var view = (await ApiTestHost.JsonAsync(read, HttpStatusCode.OK)).GetProperty("fields");
                for (var c = 0; c < form.Columns.Count; c++)
                {
                    var column = form.Columns[c];
                    var cell = rows[i][c];
                    if (column.Value == FormValues.RowNumber)
                    {
                        Assert.Equal((i + 1).ToString(CultureInfo.InvariantCulture), cell);
                    }
                    else if (column.Value == FormValues.Age)
                    {
                        Assert.Equal((year - int.Parse(expected[i].Values["birth_date"][..4], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture), cell);
                    }
                    else if (column.Field is { } key && column.Fidelity is "masked" or "clear" && view.TryGetProperty(key, out var served) && served.GetProperty("value").ValueKind == JsonValueKind.String
                        && served.GetProperty("fidelity").GetString() == column.Fidelity && key is not ("gender" or "volunteer"))
                    {
                        // Served at the column's fidelity: the file says exactly what the view says.
                        Assert.Equal(served.GetProperty("value").GetString(), cell);
                    }
                }
            }

            // One 'form' entry per listed resident, naming the fill; nobody else of the community got one.
            var entries = (await host.LogRowsAsync()).Where(e => e.Action == "form" && e.Reason != null && e.Reason.Contains(fillId, StringComparison.Ordinal)).ToList();
            Assert.Equal(expected.Select(r => r.Id).Order(StringComparer.Ordinal), entries.Select(e => e.ResidentId).Order(StringComparer.Ordinal));
            Assert.All(entries, e => Assert.Equal(form.Purpose, e.Purpose));
            foreach (var filter in form.Filter.Where(f => f.Field is not null))
            {
                Assert.All(entries, e => Assert.Contains(filter.Field + "=", e.Fields, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task TheSameFill_AsUtf8AndGb18030Csv_SaysTheSameAsTheXlsx_AndNoCellRunsAsAFormula()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 120);
        var token = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        const string path = $"/api/v1/forms/holiday_safety_checkin/fills?within={ApiTestHost.CommunityY}";
        using var xlsx = await host.SendAsync(HttpMethod.Post, path + "&format=xlsx", token, null);
        using var utf8 = await host.SendAsync(HttpMethod.Post, path + "&format=csv", token, null);
        using var gb = await host.SendAsync(HttpMethod.Post, path + "&format=csv-gb18030", token, null);
        var sheet = ReadXlsx(await xlsx.Content.ReadAsByteArrayAsync(Ct));
        var utf8Bytes = await utf8.Content.ReadAsByteArrayAsync(Ct);
        var gbBytes = await gb.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal([0xEF, 0xBB, 0xBF], utf8Bytes[..3]);
        Assert.Equal("text/csv; charset=gb18030", gb.Content.Headers.ContentType?.ToString());
        var fromUtf8 = Encoding.UTF8.GetString(utf8Bytes, 3, utf8Bytes.Length - 3);
        var fromGb = FormFileWriter.Gb18030.GetString(gbBytes);
        Assert.Equal(fromUtf8, fromGb.TrimStart('\uFEFF'));
        Assert.NotEqual(utf8Bytes.Length, gbBytes.Length); // GB18030 is really another encoding (2 bytes per Han character)
        // Every xlsx row is a line of the csv, cell for cell (the csv quotes every cell).
        var lines = fromUtf8.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(sheet.Count, lines.Length);
        for (var i = 0; i < sheet.Count; i++)
        {
            Assert.Equal(string.Join(",", sheet[i].Select(c => "\"" + (c.Length > 0 && "=+-@".Contains(c[0]) ? "'" : "") + c.Replace("\"", "\"\"") + "\"")), lines[i]);
        }
    }

    [Fact]
    public async Task AFormNeedingMoreThanItsFillerMaySee_IsRefusedAtDefinition_WithTheReason_AndNothingStored()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 5);
        var officer = await host.TokenAsync(UnitRoles.Caseworker, "510107", "civil_affairs");
        string Definition(string columns) => $$"""
            {"code":"dibao_check","title":"低保复核表","filledBy":{"role":"caseworker","department":"civil_affairs"},"purpose":"subsidy_eligibility",
             "filter":[{"field":"dibao","op":"eq","equals":"true"}],"columns":[{"title":"姓名","field":"name","fidelity":"masked"},{{columns}}]}
            """;

        // The ID number in the clear: L4, it leaves only by a logged reveal. Health's chronic condition: not civil affairs' to see.
        foreach (var (column, field) in new[]
        {
            ("""{"title":"身份证号","field":"id_number","fidelity":"clear"}""", "id_number"),
            ("""{"title":"慢性病","field":"chronic_condition","fidelity":"category"}""", "chronic_condition"),
            // Review finding: religion's masked (its masking rule is "exists") shows only whether one is
            // recorded; its category is the belief itself, more than civil affairs' masked view shows.
            ("""{"title":"宗教信仰","field":"religion","fidelity":"category"}""", "religion"),
        })
        {
            using var put = await host.SendAsync(HttpMethod.Put, "/api/v1/forms/dibao_check", officer, null, configure: r => r.Content = new StringContent(Definition(column), Encoding.UTF8, "application/json"));
            var problem = await ApiTestHost.JsonAsync(put, HttpStatusCode.Forbidden);
            Assert.Equal("form_not_allowed", problem.GetProperty("code").GetString());
            var reasons = problem.GetProperty("problems").EnumerateArray().ToList();
            var only = Assert.Single(reasons);
            Assert.Equal("columns[1]", only.GetProperty("path").GetString());
            Assert.Contains($"（{field}）", only.GetProperty("reason").GetString(), StringComparison.Ordinal);
            if (field == "religion")
            {
                Assert.Contains("shows only whether a value is recorded", only.GetProperty("reason").GetString(), StringComparison.Ordinal);
            }
        }

        // A mistake of shape: 422 with the JSON path, before the policy is asked.
        using var bad = await host.SendAsync(HttpMethod.Put, "/api/v1/forms/dibao_check", officer, null,
            configure: r => r.Content = new StringContent(Definition("""{"title":"等级","field":"dibao","fidelity":"loud"}"""), Encoding.UTF8, "application/json"));
        var invalid = await ApiTestHost.JsonAsync(bad, (HttpStatusCode)422);
        Assert.Equal("form_invalid", invalid.GetProperty("code").GetString());
        Assert.Equal("columns[1].fidelity", invalid.GetProperty("problems")[0].GetProperty("path").GetString());

        // Review findings: a JSON null crashed the reader (500); "fills" is a route; a control character
        // breaks the XLSX; "$" let a trailing newline into a code.
        foreach (var (json, path, code) in new[]
        {
            (Definition("""{"title":"x","field":"dibao","fidelity":"category"}""").Replace("\"filledBy\":{\"role\":\"caseworker\",\"department\":\"civil_affairs\"}", "\"filledBy\":null", StringComparison.Ordinal), "$.filledBy", "dibao_check"),
            (Definition("null"), "columns[1]", "dibao_check"),
            (Definition("""{"title":"x","field":"dibao","fidelity":"category"}""").Replace("dibao_check", "fills", StringComparison.Ordinal), "code", "fills"),
            (Definition("""{"title":"户\u0007数","field":"household_size","fidelity":"clear"}"""), "columns[1].title", "dibao_check"),
            (Definition("""{"title":"x","field":"dibao","fidelity":"category"}""").Replace("\"dibao_check\"", "\"dibao_check\\n\"", StringComparison.Ordinal), "code", "dibao_check"),
        })
        {
            using var put = await host.SendAsync(HttpMethod.Put, $"/api/v1/forms/{code}", officer, null, configure: r => r.Content = new StringContent(json, Encoding.UTF8, "application/json"));
            var problem = await ApiTestHost.JsonAsync(put, (HttpStatusCode)422);
            Assert.Equal("form_invalid", problem.GetProperty("code").GetString());
            Assert.Contains(problem.GetProperty("problems").EnumerateArray(), p => p.GetProperty("path").GetString() == path);
        }

        using var get = await host.GetAsync("/api/v1/forms/dibao_check", officer, null);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);

        // Within its view the same form is stored as version 1, and fills.
        using var ok = await host.SendAsync(HttpMethod.Put, "/api/v1/forms/dibao_check", officer, null,
            configure: r => r.Content = new StringContent(Definition("""{"title":"户内人数","field":"household_size","fidelity":"clear"}"""), Encoding.UTF8, "application/json"));
        var saved = await ApiTestHost.JsonAsync(ok, HttpStatusCode.OK);
        Assert.Equal(1, saved.GetProperty("version").GetInt32());
        Assert.True(saved.GetProperty("fillable").GetBoolean());
        using var fill = await host.SendAsync(HttpMethod.Post, "/api/v1/forms/dibao_check/fills?format=csv", officer, null);
        Assert.Equal(HttpStatusCode.OK, fill.StatusCode);
    }

    [Fact]
    public async Task OnlyTheFillerFills_TheCommunitySeesWhatWasFilledFromIt_AndRefillsInOneCall()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 240);
        var civil = await host.TokenAsync(UnitRoles.Caseworker, "510107", "civil_affairs");
        var health = await host.TokenAsync(UnitRoles.Caseworker, "510107", "health");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var other = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);

        using var notHers = await host.SendAsync(HttpMethod.Post, "/api/v1/forms/dibao_roster/fills", health, null);
        Assert.Equal("forbidden", await ApiTestHost.ProblemCodeAsync(notHers));
        using var belowLevel = await host.SendAsync(HttpMethod.Post, $"/api/v1/forms/dibao_roster/fills?within={ApiTestHost.CommunityY}-01", civil, null);
        Assert.Equal(HttpStatusCode.BadRequest, belowLevel.StatusCode);

        // The whole district in one fill: both communities' residents, and each community sees it.
        using var first = await host.SendAsync(HttpMethod.Post, "/api/v1/forms/dibao_roster/fills?format=csv", civil, null);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstId = first.Headers.GetValues("X-Form-Fill").Single();
        var rows = int.Parse(first.Headers.GetValues("X-Form-Rows").Single(), CultureInfo.InvariantCulture);
        var dibaoY = (await host.StoredResidentsAsync()).Count(r => r.CommunityCode == ApiTestHost.CommunityY && r.Values.GetValueOrDefault("dibao") == "true");
        Assert.True(rows > dibaoY, "the district fill lists both communities");

        using var refill = await host.SendAsync(HttpMethod.Post, $"/api/v1/forms/fills/{firstId}/refill", civil, null);
        Assert.Equal(HttpStatusCode.OK, refill.StatusCode);
        Assert.Equal("text/csv; charset=utf-8", refill.Content.Headers.ContentType?.ToString());
        var secondId = refill.Headers.GetValues("X-Form-Fill").Single();
        Assert.NotEqual(firstId, secondId);
        Assert.Equal(rows.ToString(CultureInfo.InvariantCulture), refill.Headers.GetValues("X-Form-Rows").Single());

        using var list = await host.GetAsync("/api/v1/forms/fills", worker, null);
        var fills = (await ApiTestHost.JsonAsync(list, HttpStatusCode.OK)).GetProperty("fills").EnumerateArray().ToList();
        Assert.Equal([secondId, firstId], fills.Select(f => f.GetProperty("id").GetString()));
        Assert.Equal(firstId, fills[0].GetProperty("refillOf").GetString());
        Assert.All(fills, f => Assert.Equal("caseworker:civil_affairs@510107", f.GetProperty("filledByUnit").GetString()));
        // Review finding: exact counts let a worker difference two fills. The community sees a band; the filler the number.
        var listed = fills[0].GetProperty("residentsListed").GetString();
        Assert.Equal(dibaoY < 5 ? "<5" : $"{Math.Max(dibaoY / 10 * 10, 5)}–{dibaoY / 10 * 10 + 9}", listed);
        using (var filler = await host.GetAsync($"/api/v1/forms/fills?community={ApiTestHost.CommunityY}", civil, null))
        {
            var exact = (await ApiTestHost.JsonAsync(filler, HttpStatusCode.OK)).GetProperty("fills")[0].GetProperty("residentsListed").GetString();
            Assert.Equal(dibaoY.ToString(CultureInfo.InvariantCulture), exact);
        }
        // A fill is in the list of every community it covered, also one where it listed no one (so absence says nothing).
        var emptyForm = """
            {"code":"nobody_check","title":"空名单","filledBy":{"role":"caseworker","department":"civil_affairs"},"purpose":"subsidy_eligibility",
             "filter":[{"value":"age","op":"ge","equals":"150"}],"columns":[{"title":"姓名","field":"name","fidelity":"masked"}]}
            """;
        using (var put = await host.SendAsync(HttpMethod.Put, "/api/v1/forms/nobody_check", civil, null, configure: r => r.Content = new StringContent(emptyForm, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        // Review finding: another department's caseworker could redefine the form under its own department.
        var takeover = emptyForm.Replace("civil_affairs", "health", StringComparison.Ordinal).Replace("subsidy_eligibility", "health_services", StringComparison.Ordinal);
        using (var put = await host.SendAsync(HttpMethod.Put, "/api/v1/forms/nobody_check", health, null, configure: r => r.Content = new StringContent(takeover, Encoding.UTF8, "application/json")))
        {
            Assert.Equal("forbidden", await ApiTestHost.ProblemCodeAsync(put));
        }
        using var none = await host.SendAsync(HttpMethod.Post, "/api/v1/forms/nobody_check/fills?format=csv", civil, null);
        Assert.Equal("0", none.Headers.GetValues("X-Form-Rows").Single());
        using (var otherList = await host.GetAsync("/api/v1/forms/fills", other, null))
        {
            var noneFill = Assert.Single((await ApiTestHost.JsonAsync(otherList, HttpStatusCode.OK)).GetProperty("fills").EnumerateArray(), f => f.GetProperty("formCode").GetString() == "nobody_check");
            Assert.Equal("<5", noneFill.GetProperty("residentsListed").GetString());
        }

        // Another community's worker may not ask about community Y.
        using var notTheirs = await host.GetAsync($"/api/v1/forms/fills?community={ApiTestHost.CommunityY}", other, null);
        Assert.Equal(HttpStatusCode.NotFound, notTheirs.StatusCode);
    }

    [Fact]
    public async Task TheAggregateTemplate_CountsPerCommunity_KAnonymously_UnderTheAnalystsView()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 120);
        var analyst = await host.TokenAsync(UnitRoles.DistrictAnalyst, "510107");
        using var response = await host.SendAsync(HttpMethod.Post, "/api/v1/forms/dibao_statistics/fills?format=xlsx", analyst, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sheet = ReadXlsx(await response.Content.ReadAsByteArrayAsync(Ct));
        var header = sheet.First(r => r.Count > 2 && r[0] == "区划");
        Assert.Equal(["区划", "合计", "是", "否", "未登记"], header);
        var y = sheet.Single(r => r.Count > 2 && r[0] == "银杏社区");
        var stored = (await host.StoredResidentsAsync()).Where(r => r.CommunityCode == ApiTestHost.CommunityY).ToList();
        var yes = stored.Count(r => r.Values.GetValueOrDefault("dibao") == "true");
        Assert.Equal(yes is > 0 and < 5 ? "*" : yes.ToString(CultureInfo.InvariantCulture), y[2]);
        // An analyst fills only what its view allows: it is not a roster's filler.
        using var roster = await host.SendAsync(HttpMethod.Post, "/api/v1/forms/dibao_roster/fills", analyst, null);
        Assert.Equal(HttpStatusCode.Forbidden, roster.StatusCode);
    }

    /// <summary>The test's own reading of a filter on the stored record: raw values, no vault code.</summary>
    private static bool MeetsRaw(FormFilter filter, StoredResident resident, int year)
    {
        if (filter.Value == FormValues.Age)
        {
            var age = resident.Values.TryGetValue("birth_date", out var born) ? year - int.Parse(born[..4], CultureInfo.InvariantCulture) : (int?)null;
            return age is { } a && filter.Op switch { "ge" => a >= int.Parse(filter.Target!, CultureInfo.InvariantCulture), _ => throw new NotSupportedException(filter.Op) };
        }
        var value = resident.Values.GetValueOrDefault(filter.Field!);
        return filter.Op switch
        {
            "eq" => value == filter.Target,
            _ => throw new NotSupportedException(filter.Op),
        };
    }

    /// <summary>Every row of the first sheet as text, read with the Open XML SDK (inline and shared strings).</summary>
    private static List<List<string>> ReadXlsx(byte[] content)
    {
        using var stream = new MemoryStream(content);
        using var document = SpreadsheetDocument.Open(stream, false);
        var workbook = document.WorkbookPart!;
        var sheet = workbook.Workbook.Descendants<Sheet>().First();
        var part = (WorksheetPart)workbook.GetPartById(sheet.Id!);
        var shared = workbook.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(s => s.InnerText).ToList() ?? [];
        return part.Worksheet.Descendants<Row>().Select(row => row.Elements<Cell>().Select(cell =>
            cell.DataType?.Value == CellValues.InlineString ? cell.InlineString!.InnerText
            : cell.DataType?.Value == CellValues.SharedString ? shared[int.Parse(cell.CellValue!.Text, CultureInfo.InvariantCulture)]
            : cell.CellValue?.Text ?? "").ToList()).ToList();
    }
}
