using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

public sealed class CampaignTests : ChainTest
{
    private object Draft(string productId, object? overrideSchedule = null, object[]? items = null)
    {
        var now = DateTimeOffset.UtcNow;
        return new
        {
            title = "周三厨房",
            storeId = Chain.StoreId,
            leaderId = Chain.LeaderId,
            items = items ?? [new { productId, priceFen = 3990, livePriceFen = 2990, stock = 500, minGroupSize = 50, perMemberLimit = 6 }],
            preheatAt = now.AddHours(1),
            liveStartAt = now.AddHours(2),
            liveEndAt = now.AddHours(2.5),
            pickupUntil = now.AddDays(3),
            followUpAfterHours = 0.05,
            followUpWindowHours = 0.1,
        };
    }

    [Fact]
    public async Task ALeaderOpensACampaignForTheirStoreWhichStartsInDraftAndShowsPublicly()
    {
        var productId = await App.NewProductAsync(Chain);
        var created = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", Draft(productId), Chain.LeaderKey), 201);
        var id = created.GetProperty("campaignId").GetString()!;
        Assert.Equal("draft", created.GetProperty("phase").GetString());
        var item = created.GetProperty("items")[0];
        Assert.Equal("阳山水蜜桃", item.GetProperty("name").GetString());
        Assert.Equal(0.05, created.GetProperty("followUpAfterHours").GetDouble());

        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"));
        Assert.Equal(Chain.ChainId, view.GetProperty("chainId").GetString());
        Assert.Equal("幸福里店", view.GetProperty("store").GetProperty("name").GetString());
        Assert.Equal(500, view.GetProperty("items")[0].GetProperty("remaining").GetInt32());
        Assert.Equal(2990, view.GetProperty("items")[0].GetProperty("livePriceFen").GetInt64());

        var list = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.AdminKey));
        Assert.Contains(list.EnumerateArray(), c => c.GetProperty("campaignId").GetString() == id);
    }

    [Fact]
    public async Task AScheduleOutOfOrderIsRefusedFieldByField()
    {
        var productId = await App.NewProductAsync(Chain);
        var now = DateTimeOffset.UtcNow;
        var bad = new
        {
            title = "x", storeId = Chain.StoreId, leaderId = Chain.LeaderId,
            items = new[] { new { productId, priceFen = 100, stock = 10, minGroupSize = 1 } },
            preheatAt = now.AddHours(2), liveStartAt = now.AddHours(1), liveEndAt = now.AddHours(0.5), pickupUntil = now,
        };
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", bad, Chain.LeaderKey), 400, "validation");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("preheatAt", out _));
        Assert.True(errors.TryGetProperty("liveEndAt", out _));
        Assert.True(errors.TryGetProperty("pickupUntil", out _));
    }

    [Fact]
    public async Task BadItemsAreRefusedAndNothingIsCreated()
    {
        var productId = await App.NewProductAsync(Chain);
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", Draft(productId, items:
        [
            new { productId = Chain.ChainId + "-pnothere00000", priceFen = 100, stock = 10, minGroupSize = 1 },
            new { productId, priceFen = -1, stock = 10, minGroupSize = 1 },
            new { productId, priceFen = 100, livePriceFen = 200, stock = 5, minGroupSize = 6 },
        ]), Chain.LeaderKey), 400, "validation");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("items[0].productId", out _));
        Assert.True(errors.TryGetProperty("items[1].priceFen", out _));
        Assert.True(errors.TryGetProperty("items[2].livePriceFen", out _));
        Assert.True(errors.TryGetProperty("items[2].minGroupSize", out _));
        Assert.Equal(0, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.AdminKey))).GetArrayLength());
    }

    [Fact]
    public async Task OnlyTheChainsStaffOpenCampaignsAndALeaderOnlyForTheirOwnStore()
    {
        var productId = await App.NewProductAsync(Chain);
        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", Draft(productId)), 401, "unauthorized");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", Draft(productId), Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", Draft(productId), other.AdminKey), 403, "forbidden");

        var store2 = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "二店", address = "二路" }, Chain.AdminKey), 201);
        var leader2 = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "二店团长", storeId = store2.GetProperty("storeId").GetString() }, Chain.AdminKey), 201);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", Draft(productId), leader2.GetProperty("leaderKey").GetString()), 403, "forbidden");
    }

    [Fact]
    public async Task TheLifecycleFollowsTheGraphAndAnActionThatAlreadyHappenedIsASuccess()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        async Task<string> Act(string action, int status = 200) =>
            (await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/{action}", secret: Chain.LeaderKey), status)).GetProperty("phase").GetString()!;

        Assert.Equal("preheat", await Act("preheat"));
        Assert.Equal("preheat", await Act("preheat"));
        Assert.Equal("live", await Act("go-live"));
        Assert.Equal("live", await Act("preheat")); // timers and people race: both win
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/actions/fulfil", secret: Chain.LeaderKey), 409, "invalid-transition");
        Assert.Equal("closed", await Act("close"));
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/actions/cancel", secret: Chain.LeaderKey), 409, "invalid-transition");
        Assert.Equal("fulfilling", await Act("fulfil"));
        Assert.Equal("followUp", (await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/follow-up", secret: Chain.AdminKey))).GetProperty("phase").GetString());
        Assert.Equal("completed", await Act("complete"));
        Assert.Equal("completed", await Act("close"));

        var history = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/history", Chain.LeaderKey));
        Assert.Equal(["draft>preheat", "preheat>live", "live>closed", "closed>fulfilling", "fulfilling>followUp", "followUp>completed"],
            history.EnumerateArray().Select(h => $"{h.GetProperty("from").GetString()}>{h.GetProperty("to").GetString()}"));
        Assert.Equal($"leader:{Chain.LeaderId}", history[0].GetProperty("cause").GetString());
        Assert.Equal($"admin:{Chain.ChainId}", history[4].GetProperty("cause").GetString());
    }

    [Fact]
    public async Task AnUnknownActionIsA400NamingTheValidOnes()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/actions/explode", secret: Chain.LeaderKey), 400, "validation");
        Assert.Contains("go-live", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MembersAndOtherChainsCannotDriveTheLifecycleOrReadHistory()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/actions/go-live", secret: Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/actions/go-live", secret: other.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/actions/go-live"), 401, "unauthorized");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{id}/history", other.AdminKey), 403, "forbidden");
        Assert.Equal("draft", (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"))).GetProperty("phase").GetString());
    }

    [Fact]
    public async Task AReservationIsIdempotentPerMemberAndCountedOnTheCampaign()
    {
        var (id, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var (_, second) = await App.NewMemberAsync(Chain);
        Assert.Equal(201, (int)(await App.PostAsync($"/api/campaigns/{id}/reservations", secret: Chain.MemberToken)).StatusCode);
        Assert.Equal(200, (int)(await App.PostAsync($"/api/campaigns/{id}/reservations", secret: Chain.MemberToken)).StatusCode);
        Assert.Equal(201, (int)(await App.PostAsync($"/api/campaigns/{id}/reservations", secret: second)).StatusCode);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/reservations", secret: Chain.LeaderKey), 403, "forbidden");

        Assert.Equal(2, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"))).GetProperty("reservationCount").GetInt32());
    }

    [Fact]
    public async Task CancellingALiveCampaignCancelsEveryOrderAndReturnsTheStock()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 20);
        var (_, second) = await App.NewMemberAsync(Chain);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 3), 201);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, second, itemId, 2), 201);

        Assert.Equal("cancelled", (await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/cancel", secret: Chain.LeaderKey))).GetProperty("phase").GetString());

        System.Text.Json.JsonElement orders = default;
        for (var i = 0; i < 100; i++)
        {
            orders = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/orders", Chain.LeaderKey));
            if (orders.EnumerateArray().All(o => o.GetProperty("status").GetString() == "cancelled"))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.All(orders.EnumerateArray(), o => Assert.Equal("campaign-cancelled", o.GetProperty("items")[0].GetProperty("cancelReason").GetString()));
        Assert.Equal(20, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}"))).GetProperty("items")[0].GetProperty("remaining").GetInt32());
    }

    [Fact]
    public async Task ALeaderWhoClosesFulfilsAndStartsFollowUpInOneBreathFindsEveryOrderSettled()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 10);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2), 201);
        var orderId = order.GetProperty("orderId").GetString()!;

        Assert.Equal("closed", (await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/close", secret: Chain.LeaderKey))).GetProperty("phase").GetString());
        Assert.Equal("fulfilling", (await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/fulfil", secret: Chain.LeaderKey))).GetProperty("phase").GetString());
        // fulfil answers once 成团 was evaluated: the order is settled already, before any follow-up.
        var settled = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.MemberToken));
        Assert.Equal("confirmed", settled.GetProperty("status").GetString());
        Assert.Equal("followUp", (await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/follow-up", secret: Chain.LeaderKey))).GetProperty("phase").GetString());
        var after = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.MemberToken));
        Assert.Equal("confirmed", after.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(after.GetProperty("pickupCode").GetString()));
    }
}
