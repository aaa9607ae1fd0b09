using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Crm;

/// <summary>Builders for CRM tests: members with referral codes, products of a category, campaigns with target tags.</summary>
internal static class CrmTestData
{
    public sealed record Joined(string MemberId, string Token, string ReferralCode, string Phone);

    public static async Task<Joined> JoinAsync(TestApp app, TestApp.ChainFixture f, string name, string? referralCode = null, string? storeId = null)
    {
        var phone = TestApp.NewPhone();
        var m = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/members", new { name, phone, storeId = storeId ?? f.StoreId, referralCode }), 201);
        return new Joined(m.GetProperty("memberId").GetString()!, m.GetProperty("memberToken").GetString()!, m.GetProperty("referralCode").GetString()!, phone);
    }

    public static async Task<string> ProductAsync(TestApp app, TestApp.ChainFixture f, string name, string category)
    {
        var p = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/products", new { name, category, unit = "份" }, f.AdminKey), 201);
        return p.GetProperty("productId").GetString()!;
    }

    /// <summary>A draft campaign (timers hours ahead, so the test drives it) of the fixture's store.</summary>
    public static async Task<(string CampaignId, string ItemId)> DraftCampaignAsync(TestApp app, TestApp.ChainFixture f, string productId, object? targetTags = null, long priceFen = 3000)
    {
        var now = DateTimeOffset.UtcNow;
        var c = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "周五烘焙专场",
            storeId = f.StoreId,
            leaderId = f.LeaderId,
            items = new[] { new { productId, priceFen, stock = 100, minGroupSize = 1 } },
            preheatAt = now.AddHours(2),
            liveStartAt = now.AddHours(3),
            liveEndAt = now.AddHours(5),
            pickupUntil = now.AddDays(2),
            targetTags,
        }, f.LeaderKey), 201);
        return (c.GetProperty("campaignId").GetString()!, c.GetProperty("items")[0].GetProperty("itemId").GetString()!);
    }

    public static async Task<JsonElement> RecomputeAsync(TestApp app, TestApp.ChainFixture f) =>
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{f.ChainId}/tags/recompute", secret: f.AdminKey));

    public static async Task<Dictionary<string, int>> StoreTagsAsync(TestApp app, string storeId, string secret) =>
        (await TestApp.OkJsonAsync(await app.GetAsync($"/api/stores/{storeId}/tags", secret))).EnumerateArray()
            .ToDictionary(t => t.GetProperty("tag").GetString()!, t => t.GetProperty("count").GetInt32());

    public static async Task<string[]> TagsOfAsync(TestApp app, TestApp.ChainFixture f, string memberId)
    {
        var members = await TestApp.OkJsonAsync(await app.GetAsync($"/api/stores/{f.StoreId}/members", f.LeaderKey));
        return members.EnumerateArray().Single(m => m.GetProperty("memberId").GetString() == memberId).GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray();
    }
}
