using System.Net;
using System.Text.Json;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Residents;
using DataVault.Vault.Seeding;
using Microsoft.AspNetCore.Hosting;

namespace DataVault.Tests.Vault.Aggregates;

/// <summary>
/// Intent methods for aggregate tests on top of <see cref="ApiTestHost"/>: a host with k set and the
/// three communities of street 玉林 (510107004) seeded at different sizes (plus the host's community of
/// another street), the analyst's token, and the JSON answer turned into a <see cref="PublishedTable"/>.
/// </summary>
internal static class AggregateHost
{
    public const string Street = "510107004";
    public const string District = "510107";
    public const string SmallCommunity = "510107004001";
    public const string MediumCommunity = "510107004002";

    public static async Task<ApiTestHost> StartAsync(int? k = null, int perCommunity = 30)
    {
        Action<IWebHostBuilder>? configure = k is null ? null : b => b.UseSetting("Aggregates:K", k.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var host = await ApiTestHost.StartAsync(perCommunity, configure);
        var seeder = host.Get<ResidentSeeder>();
        var ct = TestContext.Current.CancellationToken;
        await seeder.SeedAsync(new SeedRequest(9, Seed: 21, Community: SmallCommunity), null, ct);
        await seeder.SeedAsync(new SeedRequest(17, Seed: 22, Community: MediumCommunity), null, ct);
        return host;
    }

    public static Task<string> AnalystAsync(this ApiTestHost host) => host.TokenAsync(UnitRoles.DistrictAnalyst, District);

    public static async Task<JsonElement> AggregateAsync(this ApiTestHost host, string token, string purpose, string within, string by, string? field = null)
    {
        using var response = await host.GetAsync(Path(within, by, field), token, purpose);
        return await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
    }

    public static string Path(string within, string by, string? field) =>
        $"/api/v1/aggregates?within={within}&by={by}" + (field is null ? "" : $"&field={field}");

    /// <summary>One published row as the attacker reads it.</summary>
    public sealed record Row(string Code, string? Parent, long?[] Cells);

    /// <summary>The rows of an answer, each with its column cells followed by its total (null where suppressed).</summary>
    public static IReadOnlyList<Row> Rows(JsonElement report)
    {
        var columns = report.GetProperty("columns").GetArrayLength();
        var rows = new List<Row>();
        foreach (var row in report.GetProperty("rows").EnumerateArray())
        {
            var cells = row.GetProperty("cells").EnumerateArray().Select(Count).Append(Count(row.GetProperty("total"))).ToArray();
            Assert.Equal(columns + 1, cells.Length);
            rows.Add(new Row(row.GetProperty("code").GetString()!, row.GetProperty("parent").GetString(), cells));
        }
        return rows;
    }

    /// <summary>
    /// What the answer publishes, rebuilt from the JSON alone: every cell, and the relations the API
    /// documents (row total = Σ its cells; a row's cell = Σ the same cell of the rows naming it as parent).
    /// </summary>
    public static PublishedTable Published(JsonElement report)
    {
        var rows = Rows(report);
        var width = rows[0].Cells.Length;
        var index = rows.Select((r, i) => (r.Code, i)).ToDictionary(p => p.Code, p => p.i);
        var cells = rows.SelectMany(r => r.Cells).ToList();
        var sums = new List<(int, int[])>();
        for (var n = 0; n < rows.Count; n++)
        {
            if (width > 1)
            {
                sums.Add((n * width + width - 1, [.. Enumerable.Range(0, width - 1).Select(j => n * width + j)]));
            }
            var children = Enumerable.Range(0, rows.Count).Where(c => rows[c].Parent == rows[n].Code).ToArray();
            if (children.Length > 0)
            {
                for (var j = 0; j < width; j++)
                {
                    sums.Add((n * width + j, [.. children.Select(c => c * width + j)]));
                }
            }
        }
        Assert.True(index.Count == rows.Count, "row codes are unique");
        return new PublishedTable(cells, sums);
    }

    private static long? Count(JsonElement cell)
    {
        var suppressed = cell.GetProperty("suppressed").GetBoolean();
        var count = cell.GetProperty("count");
        Assert.Equal(suppressed, count.ValueKind == JsonValueKind.Null);
        return suppressed ? null : count.GetInt64();
    }

    /// <summary>
    /// The true count of a cell, from the stored residents: those in the row's jurisdiction (the
    /// no-grid row holds a community's residents without a grid) whose value falls in the column.
    /// </summary>
    public static long TrueCount(IReadOnlyList<StoredResident> residents, string rowCode, string? field, string? column, bool existsOnly)
    {
        return residents.Count(r => InRow(r, rowCode) && (column is null || ColumnOf(r, field!, existsOnly) == column));

        static bool InRow(StoredResident r, string code)
        {
            var grid = r.Values.GetValueOrDefault("grid");
            return code.EndsWith("#no-grid", StringComparison.Ordinal)
                ? grid is null && r.CommunityCode == code[..12]
                : code.Length == 15 ? grid == code : r.CommunityCode.StartsWith(code, StringComparison.Ordinal);
        }
    }

    private static string ColumnOf(StoredResident r, string field, bool existsOnly) =>
        r.Values.TryGetValue(field, out var value) ? existsOnly ? "recorded" : value : "unrecorded";
}
