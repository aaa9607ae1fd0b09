using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Crm;

/// <summary>KOC trials (体验官): invitation before the live, the invited member's one feedback with photos, approval, public quotes.</summary>
public sealed class TrialTests : ChainTest
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==");
    private readonly HttpClient _blobs = new();

    private async Task<HttpResponseMessage> PutPhotoAsync(string url, byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("image/png");
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        return await _blobs.SendAsync(request);
    }

    [Fact]
    public async Task TheInvitedMemberGivesFeedbackWithPhotosOnceAndTheApprovedQuoteShowsWithAMaskedNameOnly()
    {
        var product = await CrmTestData.ProductAsync(App, Chain, "全麦吐司", "烘焙");
        var (campaignId, itemId) = await CrmTestData.DraftCampaignAsync(App, Chain, product);
        var invited = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials", new { memberId = Chain.MemberId, itemId }, Chain.LeaderKey), 201);
        var trialId = invited.GetProperty("trialId").GetString()!;
        Assert.Equal("invited", invited.GetProperty("status").GetString());
        Assert.Equal(trialId, (await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials", new { memberId = Chain.MemberId, itemId }, Chain.LeaderKey))).GetProperty("trialId").GetString());

        var mine = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/trials/mine", Chain.MemberToken));
        Assert.Equal(trialId, Assert.Single(mine.EnumerateArray()).GetProperty("trialId").GetString());
        var stranger = await CrmTestData.JoinAsync(App, Chain, "路人甲");
        Assert.Empty((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/trials/mine", stranger.Token))).EnumerateArray());
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/feedback", new { text = "冒名", photoCount = 0 }, stranger.Token), 403, "forbidden");

        var feedback = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/feedback", new { text = "吐司很松软，孩子很爱吃，早餐配牛奶刚好。", photoCount = 2 }, Chain.MemberToken), 201);
        var urls = feedback.GetProperty("photoUploadUrls").EnumerateArray().Select(u => u.GetString()!).ToArray();
        Assert.Equal(2, urls.Length);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/feedback", new { text = "再来一次" }, Chain.MemberToken), 409, "already-submitted");

        using (var ok = await PutPhotoAsync(urls[0], Png)) { Assert.Equal(HttpStatusCode.Created, ok.StatusCode); }
        using (var bad = await PutPhotoAsync(urls[1], "<html>not an image</html>"u8.ToArray())) { Assert.Equal(HttpStatusCode.Created, bad.StatusCode); }
        var refused = await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/feedback/photos/confirm", secret: Chain.MemberToken), 400, "validation");
        Assert.True(refused.GetProperty("errors").TryGetProperty("photos[2]", out _));
        using (var again = await PutPhotoAsync(urls[1], Png)) { Assert.Equal(HttpStatusCode.Created, again.StatusCode); }
        var confirmed = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/feedback/photos/confirm", secret: Chain.MemberToken));
        Assert.Equal(2, confirmed.GetProperty("photosUploaded").GetInt32());

        Assert.Empty((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/trial-quotes"))).EnumerateArray());
        var otherChain = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/approve", new { }, otherChain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/approve", new { }, Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/approve", new { quote = new string('好', 141) }, Chain.LeaderKey), 400, "validation");
        var approved = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/trials/{trialId}/approve", new { quote = "吐司很松软，孩子很爱吃！" }, Chain.LeaderKey));
        Assert.Equal("approved", approved.GetProperty("status").GetString());

        using var quotesResponse = await App.GetAsync($"/api/campaigns/{campaignId}/trial-quotes");
        var raw = await quotesResponse.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Chain.Phone, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Chain.Phone[^4..], raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Chain.MemberId, raw, StringComparison.Ordinal);
        var quote = Assert.Single(JsonDocument.Parse(raw).RootElement.EnumerateArray());
        Assert.Equal("李**", quote.GetProperty("maskedName").GetString());
        Assert.Equal("吐司很松软，孩子很爱吃！", quote.GetProperty("text").GetString());
        Assert.Equal(2, quote.GetProperty("photoUrls").GetArrayLength());
        using var photo = await _blobs.GetAsync(quote.GetProperty("photoUrls")[0].GetString());
        Assert.Equal("image/png", photo.Content.Headers.ContentType?.MediaType);

        var staffView = Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/trials", Chain.LeaderKey))).EnumerateArray());
        Assert.Equal("吐司很松软，孩子很爱吃，早餐配牛奶刚好。", staffView.GetProperty("text").GetString());
    }

    [Fact]
    public async Task TrialsAreForTheStoresMembersAndItemsBeforeTheLiveAndBadInputIsA4xx()
    {
        var product = await CrmTestData.ProductAsync(App, Chain, "肉松小贝", "烘焙");
        var (campaignId, itemId) = await CrmTestData.DraftCampaignAsync(App, Chain, product);
        var otherChain = await App.NewChainWithPeopleAsync();
        var otherStore = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "阳光店", address = "阳光路 2 号" }, Chain.AdminKey), 201);
        var elsewhere = await CrmTestData.JoinAsync(App, Chain, "别店邻居", storeId: otherStore.GetProperty("storeId").GetString());

        var path = $"/api/campaigns/{campaignId}/trials";
        var problem = await TestApp.ProblemAsync(await App.PostAsync(path, new { memberId = Chain.MemberId, itemId = "i9" }, Chain.LeaderKey), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("itemId", out _));
        await TestApp.ProblemAsync(await App.PostAsync(path, new { memberId = otherChain.MemberId, itemId }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync(path, new { memberId = elsewhere.MemberId, itemId }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync(path, new { itemId }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync(path, "{\"memberId\":", Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync(path, new { memberId = Chain.MemberId, itemId }, Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync(path, new { memberId = Chain.MemberId, itemId }, otherChain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync(path, otherChain.AdminKey), 403, "forbidden");
        var otherLeader = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "陈团长", storeId = otherStore.GetProperty("storeId").GetString() }, Chain.AdminKey), 201);
        await TestApp.ProblemAsync(await App.PostAsync(path, new { memberId = Chain.MemberId, itemId }, otherLeader.GetProperty("leaderKey").GetString()), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/target-tags", otherLeader.GetProperty("leaderKey").GetString()), 403, "forbidden");

        var trial = await TestApp.OkJsonAsync(await App.PostAsync(path, new { memberId = Chain.MemberId, itemId }, Chain.AdminKey), 201);
        var trialId = trial.GetProperty("trialId").GetString()!;
        await TestApp.ProblemAsync(await App.PostAsync($"{path}/{trialId}/approve", new { }, Chain.LeaderKey), 409, "invalid-transition");
        await TestApp.ProblemAsync(await App.PostAsync($"{path}/{trialId}/feedback", new { text = "   " }, Chain.MemberToken), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"{path}/{trialId}/feedback", new { text = "好", photoCount = 10 }, Chain.MemberToken), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"{path}/{trialId}/feedback", new { text = new string('好', 501) }, Chain.MemberToken), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"{path}/{Chain.ChainId}-tzzzzzzzzzzzz/feedback", new { text = "好" }, Chain.MemberToken), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync($"{path}/{trialId}/feedback", new { text = "好" }, otherChain.MemberToken), 403, "forbidden");

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));
        var late = await CrmTestData.JoinAsync(App, Chain, "晚来的邻居");
        await TestApp.ProblemAsync(await App.PostAsync(path, new { memberId = late.MemberId, itemId }, Chain.LeaderKey), 409, "invalid-transition");
    }

    [Fact]
    public async Task InvitationsSentAllAtOnceNeverMakeMoreThanThirtyTrialsAndARepeatStaysOne()
    {
        var product = await CrmTestData.ProductAsync(App, Chain, "全麦欧包", "烘焙");
        var (campaignId, itemId) = await CrmTestData.DraftCampaignAsync(App, Chain, product);
        var members = new List<string>();
        for (var i = 0; i < 36; i++)
        {
            members.Add((await CrmTestData.JoinAsync(App, Chain, $"邻居{i}")).MemberId);
        }

        var path = $"/api/campaigns/{campaignId}/trials";
        // Two leaders' worth of clicks at once: every member once, and the first six twice.
        var answers = await Task.WhenAll(members.Concat(members.Take(6)).Select(async memberId =>
        {
            using var response = await App.PostAsync(path, new { memberId, itemId }, Chain.LeaderKey);
            return (memberId, (int)response.StatusCode);
        }));

        var trials = (await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.LeaderKey))).EnumerateArray().ToList();
        Assert.Equal(30, trials.Count);
        Assert.Equal(30, trials.Select(t => t.GetProperty("memberId").GetString()).Distinct().Count());
        Assert.All(answers, a => Assert.Contains(a.Item2, new[] { 200, 201, 400 }));
        Assert.Equal(30, answers.Where(a => a.Item2 == 201).Select(a => a.memberId).Distinct().Count());
        var invited = trials.Select(t => t.GetProperty("memberId").GetString()).ToHashSet();
        Assert.All(answers.Where(a => a.Item2 == 400), a => Assert.DoesNotContain(a.memberId, invited));

        // Full: a 31st is refused with the limit named; an invited member asked again is still her one trial.
        var problem = await TestApp.ProblemAsync(await App.PostAsync(path, new { memberId = members.First(m => !invited.Contains(m)), itemId }, Chain.LeaderKey), 400, "validation");
        Assert.Contains("30", problem.GetProperty("errors").GetProperty("memberId")[0].GetString());
        await TestApp.OkJsonAsync(await App.PostAsync(path, new { memberId = invited.First(), itemId }, Chain.LeaderKey), 200);
    }
}
