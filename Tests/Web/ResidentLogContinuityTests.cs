using System.Net;
using DataVault.Identity.Units;
using DataVault.Vault.Storage;
using Microsoft.EntityFrameworkCore;

namespace DataVault.Tests.Web;

/// <summary>
/// The portal remembers on the resident's phone the log head it showed, and on the next visit says
/// whether the log only grew since; after an insider cuts the log back it says so, and keeps saying so.
/// </summary>
public sealed class ResidentLogContinuityTests
{
    [Fact]
    public async Task Portal_RemembersTheHeadItShowed_AndWarnsAfterARollback()
    {
        await using var host = await BrowserHost.StartAsync(nameof(Portal_RemembersTheHeadItShowed_AndWarnsAfterARollback));
        var stored = await host.StoredResidentsAsync();
        var me = stored.First(r => r.CommunityCode == BrowserHost.OtherCommunity && r.Values.TryGetValue("phone", out var p)
            && stored.Count(o => o.Values.GetValueOrDefault("phone") == p) == 1);
        await host.AddResidentUserAsync("resident.continuity", me.CommunityCode, me.Values["phone"]);
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, BrowserHost.OtherCommunity);
        async Task OfficerReadAsync()
        {
            using var read = await host.ApiGetAsync($"/api/v1/residents/{me.Id}", worker, "community_service");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        await OfficerReadAsync();
        // Heads are signed within a second of a read.
        await Task.Delay(1500, TestContext.Current.CancellationToken);

        var phone = await host.NewPageAsync(phone: true);
        await host.SignInResidentAsync(phone, me.Values["phone"]);
        await phone.GotoAsync("/portal/log");
        Assert.Equal("first-visit", await phone.GetAttributeAsync("#log-continuity", "data-verdict"));

        await OfficerReadAsync();
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        await phone.GotoAsync("/portal/log");
        Assert.Equal("consistent", await phone.GetAttributeAsync("#log-continuity", "data-verdict"));
        await host.ScreenshotAsync(phone, "log-consistent");

        await using (var db = await host.Get<IDbContextFactory<VaultDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken))
        {
            const string Cut = "DELETE FROM AccessLog WHERE \"Index\" >= 2; DELETE FROM AccessLogNodes WHERE ((\"Index\" + 1) << Level) > 2; DELETE FROM AccessLogTreeHeads WHERE TreeSize > 2";
            await db.Database.ExecuteSqlRawAsync(Cut, TestContext.Current.CancellationToken);
        }
        await phone.GotoAsync("/portal/log");
        Assert.Equal("not-consistent", await phone.GetAttributeAsync("#log-continuity", "data-verdict"));
        Assert.Contains("不一致", await phone.InnerTextAsync("#log-continuity"), StringComparison.Ordinal);
        await host.ScreenshotAsync(phone, "log-rolled-back");
        // The old anchor is kept: the warning does not go away on the next visit.
        await phone.GotoAsync("/portal/log");
        Assert.Equal("not-consistent", await phone.GetAttributeAsync("#log-continuity", "data-verdict"));
    }
}
