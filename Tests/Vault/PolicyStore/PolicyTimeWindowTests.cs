using System.Net;
using DataVault.Identity.Units;
using DataVault.Policy;
using DataVault.Tests.Policy;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.PolicyFiles;
using DataVault.Vault.PolicyStore;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DataVault.Tests.Vault.PolicyStore;

/// <summary>
/// A time-limited policy line from the form to the resident API: it is written as a window annotation,
/// the dry run shows when it opens and closes, and once published it serves the field from the first
/// request at its start until the first request at its end, on the host's clock, not at the next poll.
/// </summary>
public sealed class PolicyTimeWindowTests
{
    private const string Line = "p, community_worker, " + ApiTestHost.CommunityY + ", *, chronic_condition, category, community_service";

    /// <summary>A host whose clock the test moves; starts at the real time (whole seconds), so tokens are issued and checked on one clock.</summary>
    private static async Task<(ApiTestHost Host, FakeTimeProvider Clock)> StartWithClockAsync(int perCommunity)
    {
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
        var host = await ApiTestHost.StartAsync(perCommunity, b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        return (host, clock);
    }

    private static object WindowedLine(DateTimeOffset? from, DateTimeOffset? until) => new
    {
        line = new
        {
            role = UnitRoles.CommunityWorker, jurisdiction = ApiTestHost.CommunityY, field = "chronic_condition", fidelity = "category",
            purpose = "community_service", validFrom = from, validUntil = until,
        },
    };

    [Fact]
    public async Task WindowedFormLine_Published_ServesTheFieldFromItsStartUntilItsEnd()
    {
        var (host, clock) = await StartWithClockAsync(perCommunity: 3);
        await using var _ = host;
        var resident = (await host.StoredResidentsAsync()).First(r => r.CommunityCode == ApiTestHost.CommunityY);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var author = await host.AuthorTokenAsync();
        var reviewer = await host.ReviewerTokenAsync();
        // Inside the access tokens' five minutes.
        var from = clock.GetUtcNow().AddMinutes(1);
        var until = from.AddMinutes(2);

        var draft = await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created, WindowedLine(from, until));

        var annotation = $"# window: {Beijing(from)}/{Beijing(until)}";
        Assert.EndsWith($"\n{annotation}\n{Line}\n", draft.GetProperty("policyText").GetString(), StringComparison.Ordinal);
        var id = draft.GetProperty("id").GetInt32();
        Assert.True((await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/validate", author, HttpStatusCode.OK)).GetProperty("valid").GetBoolean());
        // The dry run is as of now: the window opens later, so nothing changes yet, and the reviewer is told when it will.
        var impact = await host.CallAsync(HttpMethod.Get, $"/api/v1/policy/drafts/{id}/impact", author, HttpStatusCode.OK);
        Assert.Equal(0, impact.GetProperty("changes").GetArrayLength());
        var window = Assert.Single(impact.GetProperty("windows").EnumerateArray());
        Assert.Equal(("pending", Line), (window.GetProperty("state").GetString(), window.GetProperty("rule").GetString()));
        Assert.Equal((from, until), (window.GetProperty("from").GetDateTimeOffset(), window.GetProperty("until").GetDateTimeOffset()));
        Assert.Contains($"opens at {Minutes(from)} and closes at {Minutes(until)} (Beijing time)", window.GetProperty("summary").GetString(), StringComparison.Ordinal);

        Assert.Equal(2, await host.ReviewAndPublishAsync(id, author, reviewer));
        var runtime = host.Get<PolicyRuntime>();
        Assert.Equal(from, runtime.Current.NextBoundary);
        Assert.Null(await FidelityAsync(host, resident.Id, worker));

        clock.SetUtcNow(from);
        Assert.Equal("category", await FidelityAsync(host, resident.Id, worker));
        Assert.Equal(until, runtime.Current.NextBoundary);

        clock.SetUtcNow(until.AddSeconds(-1));
        Assert.Equal("category", await FidelityAsync(host, resident.Id, worker));

        // The first request at the end no longer sees it: same version, composed again.
        clock.SetUtcNow(until);
        Assert.Null(await FidelityAsync(host, resident.Id, worker));
        Assert.Equal(("v2", (DateTimeOffset?)null), (runtime.Current.Version, runtime.Current.NextBoundary));
        Assert.StartsWith(DataVaultPolicyFolder.OutsideWindow, runtime.Current.PolicyText.Split('\n').Single(l => l.EndsWith(Line, StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WindowedFormLine_OpenNow_CountedInTheDryRunAndListedAsOpen()
    {
        var (host, clock) = await StartWithClockAsync(perCommunity: 2);
        await using var _ = host;
        var author = await host.AuthorTokenAsync();
        var until = clock.GetUtcNow().AddDays(7);
        var id = (await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created, WindowedLine(null, until))).GetProperty("id").GetInt32();

        var impact = await host.CallAsync(HttpMethod.Get, $"/api/v1/policy/drafts/{id}/impact", author, HttpStatusCode.OK);

        var change = Assert.Single(impact.GetProperty("changes").EnumerateArray());
        Assert.Equal(("gain", "chronic_condition", 2), (change.GetProperty("direction").GetString(), change.GetProperty("field").GetString(), change.GetProperty("residents").GetInt32()));
        var window = Assert.Single(impact.GetProperty("windows").EnumerateArray());
        Assert.Equal("open", window.GetProperty("state").GetString());
        Assert.Equal(JsonNull, window.GetProperty("from").ValueKind);
        Assert.Contains($"is open now and closes at {Minutes(until)} (Beijing time)", window.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(clock.GetUtcNow(), impact.GetProperty("asOf").GetDateTimeOffset());
    }

    [Fact]
    public async Task FormWindow_BackwardsPastOrLongerThanAYear_IsRefused_TextAnnotationErrorsHaveLineAndColumn()
    {
        var (host, clock) = await StartWithClockAsync(perCommunity: 1);
        await using var _ = host;
        var author = await host.AuthorTokenAsync();
        var now = clock.GetUtcNow();

        foreach (var (from, until, says) in new (DateTimeOffset?, DateTimeOffset?, string)[]
        {
            (now.AddDays(2), now.AddDays(1), "validUntil must be after validFrom"),
            (null, now.AddSeconds(-1), "validUntil is in the past"),
            (now.AddDays(30), now.AddDays(30 + 367), "at most 366 days"),
            (null, now.AddDays(367), "at most 366 days"),
        })
        {
            var (code, body) = await host.ProblemAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.BadRequest, WindowedLine(from, until));
            Assert.Equal("validation_failed", code);
            Assert.Contains(says, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        // A window with only a start, far ahead, has no length to limit.
        await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created, WindowedLine(now.AddDays(400), null));

        var v1 = (await host.CallAsync(HttpMethod.Get, "/api/v1/policy/versions/1", author, HttpStatusCode.OK)).GetProperty("policyText").GetString()!;
        var text = v1.TrimEnd('\n') + "\n# window: 2026-12-01T00:00/\n" + Line + "\n";
        var line = text.Split('\n').Length - 2;
        var id = (await host.CallAsync(HttpMethod.Post, "/api/v1/policy/drafts", author, HttpStatusCode.Created, new { text })).GetProperty("id").GetInt32();
        var validation = await host.CallAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/validate", author, HttpStatusCode.OK);
        var error = Assert.Single(validation.GetProperty("errors").EnumerateArray());
        Assert.Equal(
            $"draft-{id}/policy.csv:{line}:11: '2026-12-01T00:00' is not a timestamp with an offset (ISO 8601, e.g. 2026-12-01T00:00+08:00 or 2026-11-30T16:00:00Z)",
            $"{error.GetProperty("file").GetString()}:{error.GetProperty("line").GetInt32()}:{error.GetProperty("column").GetInt32()}: {error.GetProperty("message").GetString()}");
        Assert.Equal("policy_invalid", (await host.ProblemAsync(HttpMethod.Post, $"/api/v1/policy/drafts/{id}/submit", author, HttpStatusCode.UnprocessableEntity)).Code);
    }

    [Fact]
    public void Runtime_ManyReadersPastTheBoundary_ComposeOnceAndAllGetTheNewSnapshot()
    {
        var (folder, errors) = DataVaultPolicyFolder.Load(DataVaultPolicy.Folder);
        Assert.True(folder is not null, string.Join("; ", errors));
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.FromHours(8)));
        var text = folder.HandWrittenPolicy + "\n# window: /2026-12-01T00:10+08:00\n" + Line + "\n";
        var recomposed = 0;
        PolicyResult<PolicySnapshot> Build(DateTimeOffset at)
        {
            var composed = folder.WithPolicy(text, at: at);
            var windows = composed.NextBoundary is { } next ? new PolicyWindowClock(next, later => { Interlocked.Increment(ref recomposed); return Build(later); }) : null;
            return PolicyRuntime.Build("v9", composed.ModelText, composed.PolicyText, at, 9, windows);
        }
        var first = Build(clock.GetUtcNow()).Value;
        var runtime = new PolicyRuntime(first, clock);
        Assert.Same(first, runtime.Current);

        clock.Advance(TimeSpan.FromMinutes(10));
        var seen = new PolicySnapshot[64];
        Parallel.For(0, seen.Length, i => seen[i] = runtime.Current);

        Assert.Equal(1, recomposed);
        Assert.NotSame(first, seen[0]);
        Assert.All(seen, s => Assert.Same(seen[0], s));
        Assert.Equal(("v9", 9, (DateTimeOffset?)null), (seen[0].Version, seen[0].StoreVersion, seen[0].NextBoundary));
        Assert.Equal(9, runtime.HighestStoreVersion);
    }

    [Fact]
    public void Coverage_WindowedExplicitLine_CountsOnlyWhileOpen()
    {
        var (folder, errors) = DataVaultPolicyFolder.Load(DataVaultPolicy.Folder);
        Assert.True(folder is not null, string.Join("; ", errors));
        var text = folder.HandWrittenPolicy.TrimEnd('\n') + "\n# window: 2026-12-01T00:00+08:00/2026-12-31T00:00+08:00\np, community_worker, *, *, chronic_condition, category, community_service\n";
        var ruleLine = text.Split('\n').Length - 1;
        PolicyCoverageEntry EntryAt(DateTimeOffset at)
        {
            var composed = folder.WithPolicy(text, at: at);
            var coverage = PolicyCoverageCalculator.Compute(composed, composed.LoadEnforcer().Value, null, 1);
            return coverage.Entries.Single(e => e.Role == UnitRoles.CommunityWorker && e.Field == "chronic_condition");
        }

        var inside = EntryAt(new DateTimeOffset(2026, 12, 15, 0, 0, 0, TimeSpan.FromHours(8)));
        var after = EntryAt(new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.FromHours(8)));

        Assert.Equal((PolicyCoverageCalculator.Explicit, ruleLine), (inside.Status, Assert.Single(inside.Lines)));
        Assert.NotEqual(PolicyCoverageCalculator.Explicit, after.Status);
        Assert.DoesNotContain(ruleLine, after.Lines);
    }

    private const System.Text.Json.JsonValueKind JsonNull = System.Text.Json.JsonValueKind.Null;

    private static string Beijing(DateTimeOffset at) => PolicyWindow.Format(at);

    private static string Minutes(DateTimeOffset at) => at.ToOffset(PolicyWindow.Beijing).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The fidelity chronic_condition is served at for community service, or null when the field is left out.</summary>
    private static async Task<string?> FidelityAsync(ApiTestHost host, string residentId, string token)
    {
        using var response = await host.GetAsync($"/api/v1/residents/{residentId}", token, "community_service");
        var body = await ApiTestHost.JsonAsync(response, HttpStatusCode.OK);
        return body.GetProperty("fields").TryGetProperty("chronic_condition", out var value) ? value.GetProperty("fidelity").GetString() : null;
    }
}
