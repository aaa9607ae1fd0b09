using System.Text.Json;
using ServerlessCommerce.Functions.Api;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>The pickup counter: the member's own 提货码 as a QR code, and the staff's printable sorting sheet.</summary>
public sealed class PickupCounterTests : ChainTest
{
    private async Task<string> CodeOfAsync(string campaignId, string token) =>
        (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/orders", token))).EnumerateArray()
        .Where(o => o.GetProperty("campaignId").GetString() == campaignId && o.GetProperty("pickupCode").ValueKind == JsonValueKind.String)
        .Select(o => o.GetProperty("pickupCode").GetString()!).Distinct().Single();

    [Fact]
    public async Task TheQrCodeCarriesOnlyTheCallersOwnCodeNeverReachesStaffAndIsNeverCached()
    {
        var (otherId, otherToken) = await App.NewMemberAsync(Chain, "周师傅");
        var (_, idleToken) = await App.NewMemberAsync(Chain, "赵奶奶");
        var (campaignId, _) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (otherToken, "pickup"), (otherToken, "pickup"));
        var path = $"/api/campaigns/{campaignId}/pickup-qr";
        var code = await CodeOfAsync(campaignId, Chain.MemberToken);
        var hisCode = await CodeOfAsync(campaignId, otherToken);

        var mine = await App.GetAsync(path, Chain.MemberToken);
        Assert.Equal(200, (int)mine.StatusCode);
        Assert.Equal("image/svg+xml", mine.Content.Headers.ContentType!.MediaType);
        Assert.True(mine.Headers.CacheControl?.NoStore, "the QR code must carry no-store");
        Assert.True(mine.Headers.CacheControl?.Private, "the QR code must be private");
        var svg = await mine.Content.ReadAsStringAsync();
        Assert.StartsWith("<svg", svg.TrimStart(), StringComparison.Ordinal);
        Assert.Equal(PickupCounterViews.QrSvg(code), svg);
        Assert.Equal(PickupCounterViews.QrSvg(hisCode), await (await App.GetAsync(path, otherToken)).Content.ReadAsStringAsync());
        Assert.NotEqual(svg, PickupCounterViews.QrSvg(hisCode));

        // Nobody else learns a code: a member without one, staff, strangers, another chain.
        await TestApp.ProblemAsync(await App.GetAsync(path, idleToken), 404, "not-found");
        await TestApp.ProblemAsync(await App.GetAsync(path, Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync(path, Chain.AdminKey), 403, "forbidden");
        Assert.Equal(401, (int)(await App.GetAsync(path)).StatusCode);
        var other = await App.NewChainWithPeopleAsync();
        Assert.Equal(403, (int)(await App.GetAsync(path, other.MemberToken)).StatusCode);

        // Handed over: no code waits any more.
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = code }, Chain.LeaderKey));
        await TestApp.ProblemAsync(await App.GetAsync(path, Chain.MemberToken), 404, "not-found");
        Assert.Equal(200, (int)(await App.GetAsync(path, otherToken)).StatusCode);
        Assert.NotNull(otherId);
    }

    [Fact]
    public async Task BeforeCloseAndForDeliveryOrdersThereIsNoQrCode()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId), 201);
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/pickup-qr", Chain.MemberToken), 404, "not-found");

        var (_, deliveryToken) = await App.NewMemberAsync(Chain, "钱叔叔");
        var (closed, _) = await App.ConfirmedOrdersAsync(Chain, (deliveryToken, "delivery"));
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{closed}/pickup-qr", deliveryToken), 404, "not-found");
    }

    [Fact]
    public async Task TheSortingSheetSumsEachNeighboursWaitingPickupItemsEscapesNamesAndIsForTheStoresStaffOnly()
    {
        var (_, markupToken) = await App.NewMemberAsync(Chain, "<b>王</b>");
        var (_, doneToken) = await App.NewMemberAsync(Chain, "孙阿姨");
        var (_, deliveryToken) = await App.NewMemberAsync(Chain, "钱叔叔");
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        foreach (var (token, quantity, fulfilment) in new[] { (markupToken, 2, "pickup"), (markupToken, 3, "pickup"), (Chain.MemberToken, 1, "pickup"), (doneToken, 4, "pickup"), (deliveryToken, 6, "delivery") })
        {
            await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, token, itemId, quantity, fulfilment: fulfilment, address: fulfilment == "delivery" ? "幸福路 8 号" : null), 201);
        }

        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/fulfil", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = await CodeOfAsync(campaignId, doneToken) }, Chain.LeaderKey));

        var path = $"/api/campaigns/{campaignId}/sorting-sheet";
        var response = await App.GetAsync(path, Chain.LeaderKey);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Contains("default-src 'none'", string.Join(" ", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("分拣/配货单", html, StringComparison.Ordinal);
        Assert.Contains("@page", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;王&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>王</b>", html, StringComparison.Ordinal);
        Assert.Contains("阳山水蜜桃 ×5", html, StringComparison.Ordinal); // her two orders in one bag
        Assert.Contains("李阿姨", html, StringComparison.Ordinal);
        Assert.DoesNotContain("孙阿姨", html, StringComparison.Ordinal); // already handed over
        Assert.DoesNotContain("钱叔叔", html, StringComparison.Ordinal); // delivery
        Assert.Contains("<td class=\"num\">6</td>", html, StringComparison.Ordinal); // the item total: 5 + 1
        Assert.Contains("id=\"bag-count\">2<", html, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "class=\"shelf\""));
        Assert.Contains(Chain.Phone[..3] + "****" + Chain.Phone[7..], html, StringComparison.Ordinal);
        Assert.DoesNotContain(Chain.Phone, html, StringComparison.Ordinal);

        Assert.Equal(200, (int)(await App.GetAsync(path, Chain.AdminKey)).StatusCode);
        await TestApp.ProblemAsync(await App.GetAsync(path, Chain.MemberToken), 403, "forbidden");
        var store = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "桂花园店", address = "桂花路 8 号" }, Chain.AdminKey), 201);
        var otherLeader = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "赵团长", storeId = store.GetProperty("storeId").GetString() }, Chain.AdminKey), 201);
        await TestApp.ProblemAsync(await App.GetAsync(path, otherLeader.GetProperty("leaderKey").GetString()), 403, "forbidden");
        var other = await App.NewChainWithPeopleAsync();
        Assert.Equal(403, (int)(await App.GetAsync(path, other.AdminKey)).StatusCode);
        Assert.Equal(401, (int)(await App.GetAsync(path)).StatusCode);
    }
}
