using System.Text.Json;

namespace DataVault.Tests.Vault.Aggregates;

/// <summary>
/// Issue 5, "Must show": a differencing attack over the demo hierarchy finds no suppressed cell. Real
/// host, real residents in four communities of two streets, the district analyst's statistics view;
/// every answer is attacked by <see cref="DifferencingAttacker"/>, which knows nothing of the vault's
/// suppressor and sees only the JSON.
/// </summary>
public sealed class DifferencingAttackTests
{
    private static readonly (string Within, string By, string? Field)[] Queries =
    [
        (AggregateHost.Street, "grid", null),
        (AggregateHost.Street, "grid", "gender"),
        (AggregateHost.Street, "grid", "education"),
        (AggregateHost.Street, "community", "marital_status"),
        (AggregateHost.District, "community", "employment_status"),
        (AggregateHost.District, "grid", "household_register"),
        (AggregateHost.Street, "grid", "chronic_condition"),
    ];

    [Theory]
    [InlineData(5)]
    [InlineData(12)]
    public async Task AnalystTables_NoSuppressedCellIsDisclosed_AndPublishedCountsAreTrue(int k)
    {
        await using var host = await AggregateHost.StartAsync(k);
        var token = await host.AnalystAsync();
        var residents = await host.StoredResidentsAsync();
        var totalSuppressed = 0;

        foreach (var (within, by, field) in Queries)
        {
            var report = await host.AggregateAsync(token, "statistics", within, by, field);
            var label = $"{within} by {by} field {field ?? "-"} k {k}";
            Assert.Equal(k, report.GetProperty("k").GetInt32());

            var published = AggregateHost.Published(report);
            var disclosed = DifferencingAttacker.Disclosed(published);
            Assert.True(disclosed.Count == 0, $"{label}: cells [{string.Join(",", disclosed)}] disclosed in {report}");

            var existsOnly = report.GetProperty("resolution").ValueKind == JsonValueKind.String && report.GetProperty("resolution").GetString() == "exists";
            var columns = report.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList();
            foreach (var row in AggregateHost.Rows(report))
            {
                for (var j = 0; j < row.Cells.Length; j++)
                {
                    var column = j < columns.Count ? columns[j] : null;
                    var truth = AggregateHost.TrueCount(residents, row.Code, field, column, existsOnly);
                    if (row.Cells[j] is long count)
                    {
                        Assert.True(truth == count, $"{label}: {row.Code}/{column ?? "total"} published {count}, true {truth}");
                        Assert.True(count == 0 || count >= k, $"{label}: {row.Code}/{column ?? "total"} published below k");
                    }
                    else
                    {
                        Assert.True(truth > 0, $"{label}: {row.Code}/{column ?? "total"} suppressed a zero");
                        totalSuppressed++;
                    }
                }
            }
        }
        // The attack is only meaningful if there was something to attack.
        Assert.True(totalSuppressed > 20, $"only {totalSuppressed} suppressed cells");
    }
}
