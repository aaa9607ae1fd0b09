using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>候补: the waitlist of sold-out items, its claims (units held for the first in line) and their expiry.</summary>
public sealed class WaitlistTests : ChainTest
{
    /// <summary>A live campaign with a scarce item (sold out after <paramref name="scarce"/> units) and a plentiful one (so selling out the first does not close the campaign).</summary>
    internal static async Task<(string CampaignId, string Scarce, string Plenty)> NewTwoItemCampaignAsync(TestApp app, TestApp.ChainFixture f, int scarce, int? perMemberLimit = null)
    {
        var p1 = await app.NewProductAsync(f, "阳山水蜜桃");
        var p2 = await app.NewProductAsync(f, "五常大米");
        var now = DateTimeOffset.UtcNow;
        var campaign = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "候补测试专场", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new object[]
            {
                new { productId = p1, priceFen = 3990, livePriceFen = 2990, stock = scarce, minGroupSize = 1, perMemberLimit },
                new { productId = p2, priceFen = 5990, livePriceFen = 4990, stock = 1000, minGroupSize = 1 },
            },
            preheatAt = now.AddMinutes(-5), liveStartAt = now.AddMinutes(-1), liveEndAt = now.AddHours(5), pickupUntil = now.AddDays(2),
        }, f.LeaderKey), 201);
        var campaignId = campaign.GetProperty("campaignId").GetString()!;
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: f.LeaderKey));
        var items = campaign.GetProperty("items");
        return (campaignId, items[0].GetProperty("itemId").GetString()!, items[1].GetProperty("itemId").GetString()!);
    }

    internal static Task<HttpResponseMessage> JoinAsync(TestApp app, string campaignId, string itemId, string token, int? quantity = null) =>
        app.PostAsync($"/api/campaigns/{campaignId}/items/{itemId}/waitlist", quantity is null ? null : new { quantity }, token);

    internal static async Task<JsonElement[]> MineAsync(TestApp app, string campaignId, string token) =>
        [.. (await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{campaignId}/waitlist/mine", token))).EnumerateArray()];

    private static async Task<JsonElement> ItemAsync(TestApp app, string campaignId, string itemId) =>
        (await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items").EnumerateArray().First(i => i.GetProperty("itemId").GetString() == itemId);

    private async Task<string> OrderIdAsync(string campaignId, string token, string itemId, int quantity = 1) =>
        (await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, token, itemId, quantity), 201)).GetProperty("orderId").GetString()!;

    [Fact]
    public async Task MembersJoinASoldOutItemsWaitlistOncePerItemInOrderAndCanLeave()
    {
        var (id, scarce, plenty) = await NewTwoItemCampaignAsync(App, Chain, scarce: 1);
        var (_, second) = await App.NewMemberAsync(Chain, "张小红");
        var (_, third) = await App.NewMemberAsync(Chain, "王大伟");

        // Not sold out: order it instead.
        await TestApp.ProblemAsync(await JoinAsync(App, id, scarce, second), 409, "not-sold-out");
        await OrderIdAsync(id, Chain.MemberToken, scarce);
        await TestApp.ProblemAsync(await JoinAsync(App, id, plenty, second), 409, "not-sold-out");

        var joined = await TestApp.OkJsonAsync(await JoinAsync(App, id, scarce, second), 201);
        Assert.Equal("waiting", joined.GetProperty("status").GetString());
        Assert.Equal(1, joined.GetProperty("position").GetInt32());
        var again = await TestApp.OkJsonAsync(await JoinAsync(App, id, scarce, second), 200);
        Assert.Equal(1, again.GetProperty("position").GetInt32());
        Assert.False(again.GetProperty("created").GetBoolean());
        Assert.Equal(2, (await TestApp.OkJsonAsync(await JoinAsync(App, id, scarce, third), 201)).GetProperty("position").GetInt32());

        var mine = Assert.Single(await MineAsync(App, id, third));
        Assert.Equal(scarce, mine.GetProperty("itemId").GetString());
        Assert.Equal(2, mine.GetProperty("position").GetInt32());

        // Staff see the line with masked names only; members may not.
        var queue = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/waitlist", Chain.LeaderKey))).EnumerateArray().First(i => i.GetProperty("itemId").GetString() == scarce);
        Assert.Equal(2, queue.GetProperty("waiting").GetInt32());
        Assert.Equal(new[] { "张**", "王**" }, queue.GetProperty("queue").EnumerateArray().Select(q => q.GetProperty("maskedName").GetString()!).ToArray());
        Assert.DoesNotContain("张小红", queue.GetRawText());
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{id}/waitlist", second), 403, "forbidden");

        // Leaving moves the next up; leaving twice changes nothing.
        Assert.Equal(204, (int)(await App.SendAsync(HttpMethod.Delete, $"/api/campaigns/{id}/items/{scarce}/waitlist", secret: second)).StatusCode);
        Assert.Equal(204, (int)(await App.SendAsync(HttpMethod.Delete, $"/api/campaigns/{id}/items/{scarce}/waitlist", secret: second)).StatusCode);
        Assert.Empty(await MineAsync(App, id, second));
        Assert.Equal(1, Assert.Single(await MineAsync(App, id, third)).GetProperty("position").GetInt32());

        // Limits and bad input: a 4xx, never a 500.
        await TestApp.ProblemAsync(await JoinAsync(App, id, scarce, second, quantity: 11), 400, "validation");
        await TestApp.ProblemAsync(await JoinAsync(App, id, "no-such-item", second), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/items/{scarce}/waitlist", null, Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/items/{scarce}/waitlist"), 401, "unauthorized");
    }

    [Fact]
    public async Task ACancellationGivesTheFirstInLineAClaimThatOthersCannotTakeAndHerOrderUses()
    {
        var (id, scarce, _) = await NewTwoItemCampaignAsync(App, Chain, scarce: 2);
        var (_, second) = await App.NewMemberAsync(Chain, "张小红");
        var (_, third) = await App.NewMemberAsync(Chain, "王大伟");
        var (_, other) = await App.NewMemberAsync(Chain, "赵六");
        var first = await OrderIdAsync(id, Chain.MemberToken, scarce, 2);
        await TestApp.OkJsonAsync(await JoinAsync(App, id, scarce, second), 201);
        await TestApp.OkJsonAsync(await JoinAsync(App, id, scarce, third), 201);

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{first}/cancel", null, Chain.MemberToken));

        // Two units came back: one claim each for the first two in line, in order.
        var claim = Assert.Single(await MineAsync(App, id, second));
        Assert.Equal("claimed", claim.GetProperty("status").GetString());
        var until = claim.GetProperty("claimUntil").GetDateTimeOffset();
        Assert.InRange(until, DateTimeOffset.UtcNow.AddMinutes(8), DateTimeOffset.UtcNow.AddMinutes(11));
        Assert.Equal("claimed", Assert.Single(await MineAsync(App, id, third)).GetProperty("status").GetString());

        // The held units are nobody else's: the item shows none left and others are refused.
        var item = await ItemAsync(App, id, scarce);
        Assert.Equal(0, item.GetProperty("remaining").GetInt32());
        await TestApp.ProblemAsync(await App.OrderAsync(id, other, scarce), 409, "sold-out");
        Assert.Equal(1, (await TestApp.OkJsonAsync(await JoinAsync(App, id, scarce, other), 201)).GetProperty("position").GetInt32()); // next after the open claims

        // Each claimant's order takes her held unit; nothing more can be sold.
        await OrderIdAsync(id, second, scarce);
        await OrderIdAsync(id, third, scarce);
        Assert.Empty(await MineAsync(App, id, second));
        item = await ItemAsync(App, id, scarce);
        Assert.Equal(2, item.GetProperty("sold").GetInt32());
        Assert.Equal(0, item.GetProperty("remaining").GetInt32());
        await TestApp.ProblemAsync(await App.OrderAsync(id, other, scarce), 409, "sold-out");
    }

    [Fact]
    public async Task WhatAnOrderLeavesOfHerClaimGoesToTheNextInLineAtOnce()
    {
        var (id, scarce, _) = await NewTwoItemCampaignAsync(App, Chain, scarce: 2);
        var (_, second) = await App.NewMemberAsync(Chain, "张小红");
        var (_, third) = await App.NewMemberAsync(Chain, "王大伟");
        var first = await OrderIdAsync(id, Chain.MemberToken, scarce, 2);
        Assert.Equal(2, (await TestApp.OkJsonAsync(await JoinAsync(App, id, scarce, second, quantity: 2), 201)).GetProperty("quantity").GetInt32());
        await TestApp.OkJsonAsync(await JoinAsync(App, id, scarce, third), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{first}/cancel", null, Chain.MemberToken));

        // Both units are held for the first in line (she asked for two); the next waits.
        Assert.Equal(2, Assert.Single(await MineAsync(App, id, second)).GetProperty("quantity").GetInt32());
        Assert.Equal("waiting", Assert.Single(await MineAsync(App, id, third)).GetProperty("status").GetString());

        // She orders one: the other unit of her claim is held for the next in line in the same step.
        await OrderIdAsync(id, second, scarce, 1);
        Assert.Empty(await MineAsync(App, id, second));
        Assert.Equal("claimed", Assert.Single(await MineAsync(App, id, third)).GetProperty("status").GetString());
        await OrderIdAsync(id, third, scarce, 1);
        Assert.Equal(2, (await ItemAsync(App, id, scarce)).GetProperty("sold").GetInt32());
    }

    [Fact]
    public async Task AClaimThatRunsOutPassesToTheNextInLine()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["WaitlistClaimSeconds"] = "5" });
        var f = await app.NewChainWithPeopleAsync();
        var (id, scarce, _) = await NewTwoItemCampaignAsync(app, f, scarce: 1);
        var (_, second) = await app.NewMemberAsync(f, "张小红");
        var (_, third) = await app.NewMemberAsync(f, "王大伟");
        var first = (await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, scarce), 201)).GetProperty("orderId").GetString()!;
        await TestApp.OkJsonAsync(await JoinAsync(app, id, scarce, second), 201);
        await TestApp.OkJsonAsync(await JoinAsync(app, id, scarce, third), 201);
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/orders/{first}/cancel", null, f.MemberToken));
        Assert.Equal("claimed", Assert.Single(await MineAsync(app, id, second)).GetProperty("status").GetString());
        Assert.Equal(1, Assert.Single(await MineAsync(app, id, third)).GetProperty("position").GetInt32());

        // She does not order in time: the claim passes to the next in line (its timer message, or any look at the waitlist).
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        JsonElement[] thirds;
        do
        {
            await Task.Delay(500);
            thirds = await MineAsync(app, id, third);
        }
        while (thirds.Single().GetProperty("status").GetString() != "claimed" && DateTimeOffset.UtcNow < deadline);

        Assert.Equal("claimed", thirds.Single().GetProperty("status").GetString());
        Assert.Empty(await MineAsync(app, id, second));
        await TestApp.ProblemAsync(await app.OrderAsync(id, second, scarce), 409, "sold-out");
        await TestApp.OkJsonAsync(await app.OrderAsync(id, third, scarce), 201);
    }

    [Fact]
    public async Task AClaimNobodyWaitsForGoesBackToGeneralStock()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["WaitlistClaimSeconds"] = "5" });
        var f = await app.NewChainWithPeopleAsync();
        var (id, scarce, _) = await NewTwoItemCampaignAsync(app, f, scarce: 1);
        var (_, second) = await app.NewMemberAsync(f, "张小红");
        var (_, other) = await app.NewMemberAsync(f, "赵六");
        var first = (await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, scarce), 201)).GetProperty("orderId").GetString()!;
        await TestApp.OkJsonAsync(await JoinAsync(app, id, scarce, second), 201);
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/orders/{first}/cancel", null, f.MemberToken));
        await TestApp.ProblemAsync(await app.OrderAsync(id, other, scarce), 409, "sold-out");

        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while ((await MineAsync(app, id, second)).Length > 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        Assert.Empty(await MineAsync(app, id, second));
        Assert.Equal(1, (await ItemAsync(app, id, scarce)).GetProperty("remaining").GetInt32());
        await TestApp.OkJsonAsync(await app.OrderAsync(id, other, scarce), 201);
    }
}
