using System.Net;
using DataVault.Identity.Units;
using DataVault.Tests.Vault.Api;
using DataVault.Vault.Me;
using DataVault.Vault.Residents;

namespace DataVault.Tests.Vault.Me;

/// <summary>
/// A resident questions an access; the case reaches the privacy officers of the district of the
/// unit that made it, and nobody else; a resident can neither see nor question another's entries.
/// Correction requests reach the resident's community workers.
/// </summary>
public sealed class QuestioningAnAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Question_GoesToThePrivacyOfficersOfTheActorsDistrict_AndTheAnswerComesBack()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700001101");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var privacy = await host.TokenAsync(UnitRoles.PrivacyOfficer, "510107");
        var otherDistrictPrivacy = await host.TokenAsync(UnitRoles.PrivacyOfficer, "510104");
        var auditor = await host.TokenAsync(UnitRoles.Auditor, "510107");
        var (logId, index) = await host.OfficerReadAsync(worker, alice.ResidentId);

        using var asked = await host.SendAsync(HttpMethod.Post, $"/api/v1/me/access-log/{logId}/{index}/questions", alice.Token, null, new AskQuestion("为什么社区查看了我的信息？"));
        var question = await ResidentSignIn.ReadAsync<QuestionView>(asked, HttpStatusCode.Created);
        Assert.Equal(("open", "510107"), (question.Status, question.AssignedDistrict));
        using var again = await host.SendAsync(HttpMethod.Post, $"/api/v1/me/access-log/{logId}/{index}/questions", alice.Token, null, new AskQuestion("再问一次"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        using var queue = await host.GetAsync("/api/v1/privacy/questions?status=open", privacy, null);
        var open = await ResidentSignIn.ReadAsync<QueuePage<QuestionView>>(queue);
        var seen = Assert.Single(open.Items);
        Assert.Equal(question.Id, seen.Id);
        Assert.Equal("community_worker@" + ApiTestHost.CommunityY, seen.Entry!.Unit);
        Assert.Equal("community_service", seen.Entry.Purpose.Code);
        // Metadata only: the officer's queue holds no value of the resident's record.
        var raw = await (await host.GetAsync("/api/v1/privacy/questions", privacy, null)).Content.ReadAsStringAsync(Ct);
        var stored = (await host.Get<ResidentReader>().FindAsync(alice.ResidentId, Ct))!;
        Assert.All(new[] { "name", "id_number", "phone", "address", "birth_date" }, key => Assert.DoesNotContain(stored.Values[key], raw, StringComparison.Ordinal));

        using var elsewhere = await host.GetAsync("/api/v1/privacy/questions", otherDistrictPrivacy, null);
        Assert.Empty((await ResidentSignIn.ReadAsync<QueuePage<QuestionView>>(elsewhere)).Items);
        using var wrongDistrictAnswer = await host.SendAsync(HttpMethod.Post, $"/api/v1/privacy/questions/{question.Id}/answer", otherDistrictPrivacy, null, new AnswerQuestion("无", "justified"));
        Assert.Equal(HttpStatusCode.NotFound, wrongDistrictAnswer.StatusCode);
        using var asAuditor = await host.GetAsync("/api/v1/privacy/questions", auditor, null);
        Assert.Equal(HttpStatusCode.Forbidden, asAuditor.StatusCode);
        using var badResolution = await host.SendAsync(HttpMethod.Post, $"/api/v1/privacy/questions/{question.Id}/answer", privacy, null, new AnswerQuestion("答复", "whatever"));
        Assert.Equal(HttpStatusCode.BadRequest, badResolution.StatusCode);

        using var answered = await host.SendAsync(HttpMethod.Post, $"/api/v1/privacy/questions/{question.Id}/answer", privacy, null,
            new AnswerQuestion("社区为办理养老服务核对了您的联系方式。", "justified"));
        await ApiTestHost.JsonAsync(answered, HttpStatusCode.OK);
        using var twice = await host.SendAsync(HttpMethod.Post, $"/api/v1/privacy/questions/{question.Id}/answer", privacy, null, new AnswerQuestion("再答", "referred"));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        using var mine = await host.GetAsync("/api/v1/me/questions", alice.Token, null);
        var mineList = await ResidentSignIn.ReadAsync<List<QuestionView>>(mine);
        var done = Assert.Single(mineList);
        Assert.Equal(("answered", "justified", "privacy_officer@510107"), (done.Status, done.Resolution!.Code, done.AnsweredByUnit));
        Assert.Equal("社区为办理养老服务核对了您的联系方式。", done.Answer);
        using var answeredQueue = await host.GetAsync("/api/v1/privacy/questions?status=answered", privacy, null);
        Assert.Single((await ResidentSignIn.ReadAsync<QueuePage<QuestionView>>(answeredQueue)).Items);
    }

    [Fact]
    public async Task Bola_AResidentCannotQuestionAnothersEntry_GuessedIndexesAre404()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700001201");
        var bob = await host.ResidentAsync(ApiTestHost.CommunityY, "13700001202");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var aboutAlice = await host.OfficerReadAsync(worker, alice.ResidentId);
        var aboutBob = await host.OfficerReadAsync(worker, bob.ResidentId);

        async Task<HttpStatusCode> AskAsync(string token, string logId, long index)
        {
            using var response = await host.SendAsync(HttpMethod.Post, $"/api/v1/me/access-log/{logId}/{index}/questions", token, null, new AskQuestion("?"));
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.NotFound, await AskAsync(alice.Token, aboutBob.LogId, aboutBob.Index));
        Assert.Equal(HttpStatusCode.NotFound, await AskAsync(bob.Token, aboutAlice.LogId, aboutAlice.Index));
        for (var guess = aboutBob.Index + 1; guess < aboutBob.Index + 5; guess++)
        {
            Assert.Equal(HttpStatusCode.NotFound, await AskAsync(alice.Token, aboutBob.LogId, guess));
        }
        Assert.Equal(HttpStatusCode.NotFound, await AskAsync(alice.Token, "510104", aboutAlice.Index));
        Assert.Equal(HttpStatusCode.NotFound, await AskAsync(alice.Token, aboutAlice.LogId, -1));
        Assert.Equal(HttpStatusCode.NotFound, await AskAsync(worker, aboutAlice.LogId, aboutAlice.Index));
        // Alice's own log holds nothing about Bob; the officer's queue holds no question from the refused attempts.
        Assert.DoesNotContain(aboutBob, (await host.MyLogAsync(alice.Token)).Select(e => (e.Entry.LogId, e.Entry.Index)));
        using var queue = await host.GetAsync("/api/v1/privacy/questions", await host.TokenAsync(UnitRoles.PrivacyOfficer, "510107"), null);
        Assert.Empty((await ResidentSignIn.ReadAsync<QueuePage<QuestionView>>(queue)).Items);
        // Her own entry she can question.
        Assert.Equal(HttpStatusCode.Created, await AskAsync(alice.Token, aboutAlice.LogId, aboutAlice.Index));
        using var bobsQuestions = await host.GetAsync("/api/v1/me/questions", bob.Token, null);
        Assert.Empty(await ResidentSignIn.ReadAsync<List<QuestionView>>(bobsQuestions));
    }

    [Fact]
    public async Task Correction_GoesToTheResidentsCommunityWorkers_WithoutAValue()
    {
        await using var host = await ApiTestHost.StartAsync(perCommunity: 3);
        var alice = await host.ResidentAsync(ApiTestHost.CommunityY, "13700001301");
        var worker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.CommunityY);
        var otherWorker = await host.TokenAsync(UnitRoles.CommunityWorker, ApiTestHost.OtherCommunity);

        using var unknown = await host.SendAsync(HttpMethod.Post, "/api/v1/me/corrections", alice.Token, null, new RequestCorrection("shoe_size", "wrong"));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (unknown.StatusCode, await ApiTestHost.ProblemCodeAsync(unknown)));
        using var requested = await host.SendAsync(HttpMethod.Post, "/api/v1/me/corrections", alice.Token, null, new RequestCorrection("marital_status", "我已离婚，请更新。"));
        var correction = await ResidentSignIn.ReadAsync<CorrectionView>(requested, HttpStatusCode.Created);
        Assert.Equal(("open", "marital_status", "婚姻状况"), (correction.Status, correction.Field.Code, correction.Field.Zh));

        using var otherQueue = await host.GetAsync("/api/v1/corrections", otherWorker, null);
        Assert.Empty((await ResidentSignIn.ReadAsync<QueuePage<CorrectionView>>(otherQueue)).Items);
        using var otherResolve = await host.SendAsync(HttpMethod.Post, $"/api/v1/corrections/{correction.Id}/resolve", otherWorker, null, new ResolveCorrection("corrected", null));
        Assert.Equal(HttpStatusCode.NotFound, otherResolve.StatusCode);
        using var queue = await host.GetAsync("/api/v1/corrections", worker, null);
        Assert.Equal(correction.Id, Assert.Single((await ResidentSignIn.ReadAsync<QueuePage<CorrectionView>>(queue)).Items).Id);

        using var resolved = await host.SendAsync(HttpMethod.Post, $"/api/v1/corrections/{correction.Id}/resolve", worker, null, new ResolveCorrection("corrected", "已根据离婚证更新。"));
        await ApiTestHost.JsonAsync(resolved, HttpStatusCode.OK);

        using var mine = await host.GetAsync("/api/v1/me/corrections", alice.Token, null);
        var done = Assert.Single(await ResidentSignIn.ReadAsync<List<CorrectionView>>(mine));
        Assert.Equal(("resolved", "corrected", "已根据离婚证更新。"), (done.Status, done.Resolution!.Code, done.Response));
    }
}
