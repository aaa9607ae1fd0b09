using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>Referrals (老带新), purchase points and levels, against the real app: rewards come from the campaign outbox.</summary>
public sealed class GrowthTests : ChainTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private async Task<JsonElement> PointsAsync(string token) => await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", token));

    private async Task<JsonElement> ReferralAsync(string token) => await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/referral", token));

    private async Task<(string MemberId, string Token)> JoinAsync(string? referralCode, string name = "张阿姨", string? phone = null, TestApp.ChainFixture? chain = null)
    {
        var f = chain ?? Chain;
        var joined = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{f.ChainId}/members", new { name, phone = phone ?? TestApp.NewPhone(), storeId = f.StoreId, referralCode }), 201);
        return (joined.GetProperty("memberId").GetString()!, joined.GetProperty("memberToken").GetString()!);
    }

    private async Task<int> BalanceWhenAsync(string token, Func<int, bool> reached)
    {
        var until = DateTime.UtcNow + Patience;
        var balance = 0;
        while (DateTime.UtcNow < until)
        {
            balance = (await PointsAsync(token)).GetProperty("balance").GetInt32();
            if (reached(balance))
            {
                return balance;
            }

            await Task.Delay(200);
        }

        return balance;
    }

    private Task<(string CampaignId, List<string> OrderIds)> ConfirmedOrdersAsync(params (string Token, string Fulfilment)[] buyers) => App.ConfirmedOrdersAsync(Chain, buyers);

    private Task PickUpAsync(string orderId, string token) => App.PickUpAsync(Chain, orderId, token);

    /// <summary>What a crash before the outbox's watermark write leaves: every event of the campaign is published again.</summary>
    private async Task RedeliverOutboxAsync(string campaignId)
    {
        var tables = App.Services.GetRequiredService<ITableStore>();
        var outbox = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow);
        Assert.NotNull(outbox);
        await tables.UpdateAsync(CampaignTables.Campaigns, CampaignTables.ToOutboxEntity(campaignId, new Dictionary<string, long>(), outbox.ETag), TableUpdateMode.Replace, outbox.ETag!);
        Assert.True(await App.Services.GetRequiredService<CampaignOutbox>().DispatchAsync(campaignId, CancellationToken.None) > 0, "the reset outbox should publish again");
    }

    private static List<string> Reasons(JsonElement points) =>
        points.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("reason").GetString()!).OrderBy(r => r, StringComparer.Ordinal).ToList();

    [Fact]
    public async Task AReferredMembersFirstPickupRewardsBothSidesExactlyOnceThroughRedeliveryAndLaterOrders()
    {
        var code = (await ReferralAsync(Chain.MemberToken)).GetProperty("referralCode").GetString()!;
        var (newId, newToken) = await JoinAsync(code);
        Assert.Equal(1, (await ReferralAsync(Chain.MemberToken)).GetProperty("referred").GetInt32());

        // Two orders of the new member in one campaign, both handed over: two order.pickedUp events, one referral.
        var (campaignId, orders) = await ConfirmedOrdersAsync((newToken, "pickup"), (newToken, "pickup"));
        Assert.Equal(0, (await PointsAsync(newToken)).GetProperty("balance").GetInt32());
        await PickUpAsync(orders[0], newToken);
        await PickUpAsync(orders[1], newToken);

        // Defaults: 100 to the referrer, 50 to the new member, 1 point per whole yuan (29.90 → 29) for each order.
        Assert.Equal(50 + 29 + 29, await BalanceWhenAsync(newToken, b => b >= 108));
        Assert.Equal(100, await BalanceWhenAsync(Chain.MemberToken, b => b >= 100));

        await RedeliverOutboxAsync(campaignId);
        await RedeliverOutboxAsync(campaignId);

        var newcomer = await PointsAsync(newToken);
        Assert.Equal(108, newcomer.GetProperty("balance").GetInt32());
        Assert.Equal(["purchase", "purchase", "referred"], Reasons(newcomer));
        var referrer = await PointsAsync(Chain.MemberToken);
        Assert.Equal(100, referrer.GetProperty("balance").GetInt32());
        var reward = Assert.Single(referrer.GetProperty("entries").EnumerateArray());
        Assert.Equal("referral", reward.GetProperty("reason").GetString());
        Assert.Contains(reward.GetProperty("orderId").GetString(), orders);
        Assert.Equal(1, (await ReferralAsync(Chain.MemberToken)).GetProperty("rewarded").GetInt32());

        // A later campaign's pickup earns purchase points only: the referral was the first order's.
        var (second, secondOrders) = await ConfirmedOrdersAsync((newToken, "pickup"));
        await PickUpAsync(secondOrders[0], newToken);
        Assert.Equal(108 + 29, await BalanceWhenAsync(newToken, b => b >= 137));
        await RedeliverOutboxAsync(second);
        Assert.Equal(137, (await PointsAsync(newToken)).GetProperty("balance").GetInt32());
        Assert.Equal(100, (await PointsAsync(Chain.MemberToken)).GetProperty("balance").GetInt32());
        _ = newId;
    }

    /// <summary>A subscriber that fails like a crash between publishing a page and moving the watermark.</summary>
    private sealed class CrashingSubscriber : ServerlessCommerce.Events.ICampaignEventSubscriber
    {
        public int Pages { get; private set; }

        public Task HandleAsync(IReadOnlyList<ServerlessCommerce.Events.DomainEvent> events, CancellationToken cancellationToken)
        {
            Pages++;
            throw new InvalidOperationException("crash before the watermark");
        }
    }

    [Fact]
    public async Task AFailingSubscriberKeepsTheOutboxWatermarkSoThePageComesAgainAndTheLedgerStillCreditsOnce()
    {
        var code = (await ReferralAsync(Chain.MemberToken)).GetProperty("referralCode").GetString()!;
        var (_, newToken) = await JoinAsync(code);
        var (campaignId, orders) = await ConfirmedOrdersAsync((newToken, "pickup"));
        await PickUpAsync(orders[0], newToken);
        Assert.Equal(79, await BalanceWhenAsync(newToken, b => b >= 79));

        var sp = App.Services;
        var tables = sp.GetRequiredService<ITableStore>();
        var crashing = new CrashingSubscriber();
        var outbox = new CampaignOutbox(tables, sp.GetRequiredService<IQueueStore>(), sp.GetRequiredService<ServerlessCommerce.Events.IEventPublisher>(),
            sp.GetRequiredService<ServerlessCommerce.Events.EventLog>(), sp.GetRequiredService<ServerlessCommerce.LiveRoom.ILiveRoomTransport>(),
            sp.GetRequiredService<INotificationTexts>(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<CampaignOutbox>.Instance, [crashing]);
        var row = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow);
        await tables.UpdateAsync(CampaignTables.Campaigns, CampaignTables.ToOutboxEntity(campaignId, new Dictionary<string, long>(), row!.ETag), TableUpdateMode.Replace, row.ETag!);

        await Assert.ThrowsAsync<InvalidOperationException>(() => outbox.DispatchAsync(campaignId, CancellationToken.None));
        Assert.Equal(1, crashing.Pages);
        var after = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.OutboxRow);
        Assert.All(CampaignTables.ToWatermarks(after).Values, w => Assert.Equal(0, w)); // nothing counted as published

        Assert.True(await sp.GetRequiredService<CampaignOutbox>().DispatchAsync(campaignId, CancellationToken.None) > 0);
        Assert.Equal(79, (await PointsAsync(newToken)).GetProperty("balance").GetInt32());
        Assert.Equal(100, (await PointsAsync(Chain.MemberToken)).GetProperty("balance").GetInt32());
    }

    [Fact]
    public async Task ADeliveredOrderEarnsPurchasePointsAtTheChainsRateAndAnUnreferredMemberNoReferralReward()
    {
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/growth-settings", new
        {
            referrerRewardPoints = 30, refereeRewardPoints = 0, purchasePointsPerYuan = 3,
            levels = new[] { new { name = "邻居", minPoints = 0, privileges = Array.Empty<string>() }, new { name = "铁粉邻居", minPoints = 80, privileges = new[] { "生日礼券" } } },
        }, Chain.AdminKey));
        var (_, orders) = await ConfirmedOrdersAsync((Chain.MemberToken, "delivery"));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orders[0]}/delivery", new { status = "delivered" }, Chain.LeaderKey));

        Assert.Equal(29 * 3, await BalanceWhenAsync(Chain.MemberToken, b => b >= 87));
        var points = await PointsAsync(Chain.MemberToken);
        Assert.Equal(["purchase"], Reasons(points));
        Assert.Equal("铁粉邻居", points.GetProperty("level").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, points.GetProperty("nextLevel").ValueKind);
    }

    [Fact]
    public async Task ReferralGuardsRefuseUnknownCodesSamePhoneAndLoopsWithProblems()
    {
        var code = (await ReferralAsync(Chain.MemberToken)).GetProperty("referralCode").GetString()!;

        var unknown = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name = "王叔", phone = TestApp.NewPhone(), storeId = Chain.StoreId, referralCode = "zzzz9999" }), 400, "validation");
        Assert.True(unknown.GetProperty("errors").TryGetProperty("referralCode", out _));

        // Self-referral with the same phone: the phone has joined already.
        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name = "李阿姨", phone = Chain.Phone, storeId = Chain.StoreId, referralCode = code }), 409, "member-exists");

        // A refers B; B's code cannot link A (A is a member already): no loop.
        var (_, bToken) = await JoinAsync(code, "赵大哥");
        var bCode = (await ReferralAsync(bToken)).GetProperty("referralCode").GetString()!;
        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name = "李阿姨", phone = Chain.Phone, storeId = Chain.StoreId, referralCode = bCode }), 409, "member-exists");
        Assert.Equal(0, (await ReferralAsync(bToken)).GetProperty("referred").GetInt32());

        // A code of another chain means nothing here.
        var other = await App.NewChainWithPeopleAsync();
        var foreign = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{other.ChainId}/members", new { name = "孙姐", phone = TestApp.NewPhone(), storeId = other.StoreId, referralCode = code }), 400, "validation");
        Assert.True(foreign.GetProperty("errors").TryGetProperty("referralCode", out _));
        Assert.Equal(1, (await ReferralAsync(Chain.MemberToken)).GetProperty("referred").GetInt32());
    }

    [Fact]
    public async Task AnAdminAdjustmentCountsOncePerIdempotencyKeyAndMovesTheLevel()
    {
        Task<HttpResponseMessage> Adjust(object body, string? key, string? secret = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/members/{Chain.MemberId}/points/adjustments") { Content = JsonContent.Create(body) };
            request.Headers.Authorization = new("Bearer", secret ?? Chain.AdminKey);
            if (key is not null)
            {
                request.Headers.Add("Idempotency-Key", key);
            }

            return App.Client.SendAsync(request);
        }

        var key = Guid.NewGuid().ToString();
        var first = await TestApp.OkJsonAsync(await Adjust(new { amount = 600, reason = "线下活动奖励" }, key), 201);
        Assert.Equal(600, first.GetProperty("balance").GetInt32());
        var again = await TestApp.OkJsonAsync(await Adjust(new { amount = 600, reason = "线下活动奖励" }, key), 200);
        Assert.Equal(first.GetProperty("adjustmentId").GetString(), again.GetProperty("adjustmentId").GetString());
        await TestApp.ProblemAsync(await Adjust(new { amount = 700, reason = "线下活动奖励" }, key), 409, "idempotency-conflict");

        await TestApp.ProblemAsync(await Adjust(new { amount = 10, reason = "无键" }, null), 400, "validation");
        await TestApp.ProblemAsync(await Adjust(new { amount = 0, reason = "零" }, Guid.NewGuid().ToString()), 400, "validation");
        await TestApp.ProblemAsync(await Adjust(new { amount = 100_001, reason = "太多" }, Guid.NewGuid().ToString()), 400, "validation");
        await TestApp.ProblemAsync(await Adjust(new { amount = 5 }, Guid.NewGuid().ToString()), 400, "validation");
        await TestApp.ProblemAsync(await Adjust(new { amount = -601, reason = "扣多了" }, Guid.NewGuid().ToString()), 409, "insufficient-points");
        await TestApp.ProblemAsync(await Adjust(new { amount = 5, reason = "团长" }, Guid.NewGuid().ToString(), Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await Adjust(new { amount = 5, reason = "自己" }, Guid.NewGuid().ToString(), Chain.MemberToken), 403, "forbidden");
        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await Adjust(new { amount = 5, reason = "别的连锁" }, Guid.NewGuid().ToString(), other.AdminKey), 403, "forbidden");

        var points = await PointsAsync(Chain.MemberToken);
        Assert.Equal(600, points.GetProperty("balance").GetInt32());
        var entry = Assert.Single(points.GetProperty("entries").EnumerateArray());
        Assert.Equal("adjustment", entry.GetProperty("reason").GetString());
        Assert.Equal("线下活动奖励", entry.GetProperty("note").GetString());
        Assert.Equal("银牌邻居", points.GetProperty("level").GetProperty("name").GetString());
        Assert.Equal("金牌邻居", points.GetProperty("nextLevel").GetProperty("name").GetString());
        Assert.Equal(1400, points.GetProperty("pointsToNextLevel").GetInt32());

        await TestApp.OkJsonAsync(await Adjust(new { amount = -101, reason = "误发更正" }, Guid.NewGuid().ToString()), 201);
        Assert.Equal("普通邻居", (await PointsAsync(Chain.MemberToken)).GetProperty("level").GetProperty("name").GetString());
    }

    [Fact]
    public async Task GrowthSettingsHaveChineseDefaultsAreAdminOnlyAndRefuseBadLevels()
    {
        var defaults = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/growth-settings", Chain.AdminKey));
        Assert.Equal(["普通邻居", "银牌邻居", "金牌邻居"], defaults.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("name").GetString()!).ToList());
        Assert.Equal(100, defaults.GetProperty("referrerRewardPoints").GetInt32());

        object Body(object levels, int rate = 1) => new { referrerRewardPoints = 10, refereeRewardPoints = 5, purchasePointsPerYuan = rate, levels };
        var path = $"/api/chains/{Chain.ChainId}/growth-settings";
        foreach (var (body, field) in new (object, string)[]
        {
            (Body(new[] { new { name = "铜牌", minPoints = 10 } }), "levels[0].minPoints"),
            (Body(new[] { new { name = "铜牌", minPoints = 0 }, new { name = "银牌", minPoints = 0 } }), "levels[1].minPoints"),
            (Body(new[] { new { name = "铜牌", minPoints = 0 }, new { name = "铜牌", minPoints = 5 } }), "levels"),
            (Body(Enumerable.Range(0, 11).Select(i => new { name = "级" + i, minPoints = i * 10 }).ToArray()), "levels"),
            (Body(Array.Empty<object>()), "levels"),
            (Body(new[] { new { name = "铜牌", minPoints = 0 } }, rate: 101), "purchasePointsPerYuan"),
            (Body(new[] { new { name = new string('金', 21), minPoints = 0 } }), "levels[0].name"),
            (new { levels = new[] { new { name = "铜牌", minPoints = 0 } } }, "referrerRewardPoints"),
        })
        {
            var problem = await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, path, body, Chain.AdminKey), 400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} should be named: {problem}");
        }

        var good = Body(new[] { new { name = "邻居", minPoints = 0 }, new { name = "好邻居", minPoints = 300 } }, rate: 2);
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, path, good, Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, path, good, Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync(path, Chain.MemberToken), 403, "forbidden");
        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, path, good, other.AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync(path, other.LeaderKey), 403, "forbidden");

        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, path, good, Chain.AdminKey));
        var saved = await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.LeaderKey));
        Assert.Equal(2, saved.GetProperty("purchasePointsPerYuan").GetInt32());
        Assert.Equal("好邻居", saved.GetProperty("levels")[1].GetProperty("name").GetString());
        Assert.Equal("邻居", (await PointsAsync(Chain.MemberToken)).GetProperty("level").GetProperty("name").GetString());
    }

    [Fact]
    public async Task AMemberWhoseLevelGrantsMemberPricesIsChargedTheMemberPriceAndOthersThePriceTheySee()
    {
        var path = $"/api/chains/{Chain.ChainId}/growth-settings";
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, path, new
        {
            referrerRewardPoints = 10, refereeRewardPoints = 5, purchasePointsPerYuan = 1,
            levels = new object[] { new { name = "邻居", minPoints = 0 }, new { name = "会员", minPoints = 100, privileges = new[] { "会员价" }, memberPrice = true } },
        }, Chain.AdminKey));
        var saved = await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.AdminKey));
        Assert.Equal([false, true], saved.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("memberPrice").GetBoolean()).ToList());

        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, priceFen: 3990, livePriceFen: 2990, memberPriceFen: 2590);
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        Assert.Equal(2590, view.GetProperty("items")[0].GetProperty("memberPriceFen").GetInt64());

        Task<HttpResponseMessage> Order(string token, long? expected, string? key = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/orders")
            {
                Content = JsonContent.Create(new { items = new[] { new { itemId, quantity = 2, expectedUnitPriceFen = expected } }, fulfilment = "pickup" }),
            };
            request.Headers.Authorization = new("Bearer", token);
            request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
            return App.Client.SendAsync(request);
        }

        // Below the level: the points view says no member price, and an order expecting it charges nothing.
        Assert.False((await PointsAsync(Chain.MemberToken)).GetProperty("memberPrice").GetBoolean());
        var refused = await TestApp.ProblemAsync(await Order(Chain.MemberToken, 2590), 409, "price-changed");
        Assert.Equal(2990, refused.GetProperty("prices")[0].GetProperty("unitPriceFen").GetInt64());
        var usual = await TestApp.OkJsonAsync(await Order(Chain.MemberToken, 2990), 201);
        Assert.Equal((2990L, false), (usual.GetProperty("items")[0].GetProperty("unitPriceFen").GetInt64(), usual.GetProperty("items")[0].GetProperty("memberPrice").GetBoolean()));

        // The admin's adjustment lifts her to 会员: from now on she sees and pays the member price.
        var adjust = new HttpRequestMessage(HttpMethod.Post, $"/api/members/{Chain.MemberId}/points/adjustments") { Content = JsonContent.Create(new { amount = 100, reason = "老顾客回馈" }) };
        adjust.Headers.Authorization = new("Bearer", Chain.AdminKey);
        adjust.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        await TestApp.OkJsonAsync(await App.Client.SendAsync(adjust), 201);
        var points = await PointsAsync(Chain.MemberToken);
        Assert.Equal(("会员", true), (points.GetProperty("level").GetProperty("name").GetString(), points.GetProperty("memberPrice").GetBoolean()));
        var key = Guid.NewGuid().ToString();
        var member = await TestApp.OkJsonAsync(await Order(Chain.MemberToken, 2590, key), 201);
        Assert.Equal((2590L, true, 5180L), (member.GetProperty("items")[0].GetProperty("unitPriceFen").GetInt64(), member.GetProperty("items")[0].GetProperty("memberPrice").GetBoolean(), member.GetProperty("totalFen").GetInt64()));
        var replay = await TestApp.OkJsonAsync(await Order(Chain.MemberToken, 2590, key), 200);
        Assert.Equal(member.GetProperty("orderId").GetString(), replay.GetProperty("orderId").GetString());

        // Another neighbour, still at 0 points, pays the live price.
        var (_, otherToken) = await JoinAsync(null, "周师傅");
        var other = await TestApp.OkJsonAsync(await Order(otherToken, null), 201);
        Assert.Equal(2990, other.GetProperty("items")[0].GetProperty("unitPriceFen").GetInt64());

        // A member price must be below the group price.
        var productId = await App.NewProductAsync(Chain);
        var now = DateTimeOffset.UtcNow;
        var bad = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new
        {
            title = "会员价", storeId = Chain.StoreId, leaderId = Chain.LeaderId,
            items = new[] { new { productId, priceFen = 1000, memberPriceFen = 1000, stock = 10 } },
            liveStartAt = now.AddHours(3), liveEndAt = now.AddHours(5),
        }, Chain.LeaderKey), 400, "validation");
        Assert.True(bad.GetProperty("errors").TryGetProperty("items[0].memberPriceFen", out _), bad.ToString());
    }

    [Fact]
    public async Task TheReferralLeaderboardRanksTheStoresReferrersWithMaskedNamesForItsLeaderOnly()
    {
        var topCode = (await ReferralAsync(Chain.MemberToken)).GetProperty("referralCode").GetString()!;
        var (_, secondToken) = await JoinAsync(null, "周师傅");
        var secondCode = (await ReferralAsync(secondToken)).GetProperty("referralCode").GetString()!;
        await JoinAsync(topCode, "钱阿姨");
        await JoinAsync(topCode, "吴大姐");
        await JoinAsync(secondCode, "郑老师");

        var path = $"/api/stores/{Chain.StoreId}/referral-leaderboard";
        var board = await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.LeaderKey));
        var lines = board.GetProperty("referrers").EnumerateArray().ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(("李**", 2), (lines[0].GetProperty("maskedName").GetString(), lines[0].GetProperty("referred").GetInt32()));
        Assert.Equal(("周**", 1), (lines[1].GetProperty("maskedName").GetString(), lines[1].GetProperty("referred").GetInt32()));
        Assert.Equal(1, lines[0].GetProperty("rank").GetInt32());
        Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync(path + "?top=1", Chain.AdminKey))).GetProperty("referrers").EnumerateArray());

        await TestApp.ProblemAsync(await App.GetAsync(path + "?top=0", Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.GetAsync(path + "?top=51", Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.GetAsync(path + "?top=many", Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.GetAsync(path, Chain.MemberToken), 403, "forbidden");
        var otherStore = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "和平里店", address = "和平路 2 号" }, Chain.AdminKey), 201);
        var otherLeader = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "刘团长", storeId = otherStore.GetProperty("storeId").GetString() }, Chain.AdminKey), 201);
        await TestApp.ProblemAsync(await App.GetAsync(path, otherLeader.GetProperty("leaderKey").GetString()), 403, "forbidden");
        var otherChain = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.GetAsync(path, otherChain.AdminKey), 403, "forbidden");
        Assert.Empty((await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{otherStore.GetProperty("storeId").GetString()}/referral-leaderboard", Chain.AdminKey))).GetProperty("referrers").EnumerateArray());
    }

    [Fact]
    public async Task ThePointsLookupFindsTheStoresMembersByNameOrPhoneTailWithBalanceAndLevelForItsStaffOnly()
    {
        await JoinAsync(null, "周师傅");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/members/{Chain.MemberId}/points/adjustments") { Content = JsonContent.Create(new { amount = 520, reason = "老顾客回馈" }) };
        request.Headers.Authorization = new("Bearer", Chain.AdminKey);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        await TestApp.OkJsonAsync(await App.Client.SendAsync(request), 201);

        var path = $"/api/stores/{Chain.StoreId}/member-points";
        var byName = (await TestApp.OkJsonAsync(await App.GetAsync(path + "?q=" + Uri.EscapeDataString("李阿"), Chain.LeaderKey))).EnumerateArray().ToList();
        var found = Assert.Single(byName);
        Assert.Equal((Chain.MemberId, 520, "银牌邻居"), (found.GetProperty("memberId").GetString(), found.GetProperty("balance").GetInt32(), found.GetProperty("level").GetString()));
        Assert.Equal(Chain.Phone[..3] + "****" + Chain.Phone[7..], found.GetProperty("maskedPhone").GetString());
        Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync(path + "?q=" + Chain.Phone[7..], Chain.AdminKey))).EnumerateArray());
        Assert.Equal(2, (await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.AdminKey))).GetArrayLength());

        await TestApp.ProblemAsync(await App.GetAsync(path + "?q=" + new string('1', 21), Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.GetAsync(path, Chain.MemberToken), 403, "forbidden");
        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.GetAsync(path, other.LeaderKey), 403, "forbidden");
    }

    [Fact]
    public async Task TheShareLinkOpensTheStoresNextCampaignWithTheReferralCode()
    {
        var none = await ReferralAsync(Chain.MemberToken);
        Assert.Equal(JsonValueKind.Null, none.GetProperty("shareUrl").ValueKind);
        Assert.Equal(0, none.GetProperty("referred").GetInt32());

        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var card = await ReferralAsync(Chain.MemberToken);
        var code = card.GetProperty("referralCode").GetString()!;
        Assert.Equal(campaignId, card.GetProperty("campaignId").GetString());
        Assert.EndsWith($"/live/{campaignId}?ref={code}", card.GetProperty("shareUrl").GetString());

        var (live, _) = await App.NewLiveCampaignAsync(Chain);
        Assert.Equal(live, (await ReferralAsync(Chain.MemberToken)).GetProperty("campaignId").GetString());
        await TestApp.ProblemAsync(await App.GetAsync("/api/members/me/referral", Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync("/api/members/me/referral"), 401, "unauthorized");
    }
}
