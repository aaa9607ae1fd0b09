using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>One pickup code (提货码) per member per campaign, covering all her orders; verifying it hands them all over.</summary>
public sealed class PickupCodeTests : ChainTest
{
    private async Task<JsonElement> OrderAsync(string campaignId, string token, string itemId, string fulfilment = "pickup") =>
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, token, itemId, 1, fulfilment: fulfilment, address: fulfilment == "delivery" ? "幸福里 3 栋 501" : null), 201);

    [Fact]
    public async Task AllOfAMembersPickupOrdersShareOneCodeAcrossEvaluationChunksAndOneScanHandsThemAllOver()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 100);
        var (_, otherToken) = await App.NewMemberAsync(Chain, "周师傅");
        // 30 of hers (more than one evaluation chunk of 24), interleaved with his, and one delivery order of hers.
        var mine = new List<string>();
        var his = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            mine.Add((await OrderAsync(campaignId, Chain.MemberToken, itemId)).GetProperty("orderId").GetString()!);
            if (i % 3 == 0)
            {
                his.Add((await OrderAsync(campaignId, otherToken, itemId)).GetProperty("orderId").GetString()!);
            }
        }

        var delivery = (await OrderAsync(campaignId, Chain.MemberToken, itemId, "delivery")).GetProperty("orderId").GetString()!;

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/fulfil", secret: Chain.LeaderKey));

        async Task<List<JsonElement>> OrdersOf(string token) =>
            (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/orders", token))).EnumerateArray().Where(o => o.GetProperty("campaignId").GetString() == campaignId).ToList();
        var hers = await OrdersOf(Chain.MemberToken);
        var codes = hers.Where(o => o.GetProperty("fulfilment").GetString() == "pickup").Select(o => o.GetProperty("pickupCode").GetString()).Distinct().ToList();
        var code = Assert.Single(codes);
        Assert.Matches("^[0-9]{8}$", code);
        Assert.Equal(JsonValueKind.Null, hers.Single(o => o.GetProperty("orderId").GetString() == delivery).GetProperty("pickupCode").ValueKind);
        var hisCode = Assert.Single((await OrdersOf(otherToken)).Select(o => o.GetProperty("pickupCode").GetString()).Distinct());
        Assert.NotEqual(code, hisCode);

        // One scan at the counter: every pickup order of hers, none of his, not her delivery.
        var picked = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = code }, Chain.LeaderKey));
        Assert.Equal("李阿姨", picked.GetProperty("memberName").GetString());
        var handed = picked.GetProperty("orders").EnumerateArray().ToList();
        Assert.Equal(mine.Order(StringComparer.Ordinal), handed.Select(o => o.GetProperty("orderId").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(handed, o => Assert.Equal("pickedUp", o.GetProperty("status").GetString()));
        Assert.All(handed, o => Assert.Equal(JsonValueKind.Null, o.GetProperty("pickupCode").ValueKind)); // staff never read codes
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = code }, Chain.LeaderKey), 409, "already-picked-up");
        Assert.All(await OrdersOf(otherToken), o => Assert.Equal("confirmed", o.GetProperty("status").GetString()));

        var hisPickup = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = hisCode }, Chain.LeaderKey));
        Assert.Equal(his.Count, hisPickup.GetProperty("orders").GetArrayLength());
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = "12345678" }, Chain.LeaderKey), 400, "wrong-pickup-code");
    }
}
