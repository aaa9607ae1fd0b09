using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using MiniExcelLibs;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// The supplier purchase sheet (GET /api/chains/{id}/sheets/purchase) and the store pickup sheet
/// (GET /api/stores/{id}/sheets/pickup), as JSON, CSV and .xlsx, against the real app on Azurite.
/// </summary>
public sealed class SheetsTests : ChainTest
{
    private sealed record World(string Store2, string Leader2Key, string PeachId, string PearId, string CampaignA, string CampaignB, string From, string To,
        string Order1, string Member1Token, string Member2Token);

    private async Task<string> CampaignAsync(string storeId, string leaderId, string leaderKey, DateTimeOffset liveStart, bool goLive, params (string ProductId, int Stock)[] items)
    {
        var now = DateTimeOffset.UtcNow;
        var campaign = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new
        {
            title = $"水果团 {Guid.NewGuid():N}"[..10],
            storeId,
            leaderId,
            items = items.Select(i => new { productId = i.ProductId, priceFen = 2990, stock = i.Stock, minGroupSize = 1 }).ToArray(),
            preheatAt = goLive ? now.AddMinutes(-5) : liveStart.AddHours(-1),
            liveStartAt = liveStart,
            liveEndAt = liveStart.AddHours(5),
            pickupUntil = liveStart.AddDays(2),
        }, leaderKey), 201);
        var id = campaign.GetProperty("campaignId").GetString()!;
        if (goLive)
        {
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/go-live", secret: leaderKey));
        }

        return id;
    }

    private async Task<string> ItemOfAsync(string campaignId, string productId) =>
        (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items").EnumerateArray()
        .First(i => i.GetProperty("productId").GetString() == productId).GetProperty("itemId").GetString()!;

    private async Task<string> OrderAsync(string campaignId, string token, string productId, int quantity) =>
        (await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, token, await ItemOfAsync(campaignId, productId), quantity), 201)).GetProperty("orderId").GetString()!;

    private async Task CloseAsync(string campaignId)
    {
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("phase").GetString() != "fulfilling")
        {
            Assert.True(DateTime.UtcNow < until, "the campaign did not reach fulfilling after close");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Store 1: campaign A (peaches and pears), closed: 李阿姨 2 peaches, 周师傅 1 pear, a cancelled order of 3 peaches.
    /// Store 2: campaign B (peaches), live: 4 peaches placed. Campaign C (store 1) goes live in 30 days: outside the range.
    /// </summary>
    private async Task<World> WorldAsync()
    {
        var store2 = (await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "阳光苑店", address = "阳光路 9 号" }, Chain.AdminKey), 201))
            .GetProperty("storeId").GetString()!;
        var leader2 = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "赵团长", storeId = store2 }, Chain.AdminKey), 201);
        var leader2Id = leader2.GetProperty("leaderId").GetString()!;
        var leader2Key = leader2.GetProperty("leaderKey").GetString()!;
        var peach = await App.NewProductAsync(Chain, "阳山水蜜桃");
        var pear = await App.NewProductAsync(Chain, "砀山酥梨");
        var now = DateTimeOffset.UtcNow;

        var campaignA = await CampaignAsync(Chain.StoreId, Chain.LeaderId, Chain.LeaderKey, now.AddMinutes(-1), goLive: true, (peach, 50), (pear, 50));
        var order1 = await OrderAsync(campaignA, Chain.MemberToken, peach, 2);
        var (_, member2) = await App.NewMemberAsync(Chain, "周师傅");
        await OrderAsync(campaignA, member2, pear, 1);
        var (_, member3) = await App.NewMemberAsync(Chain, "钱阿姨");
        var cancelled = await OrderAsync(campaignA, member3, peach, 3);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{cancelled}/cancel", secret: member3));
        await CloseAsync(campaignA);

        var campaignB = await CampaignAsync(store2, leader2Id, leader2Key, now.AddMinutes(-1), goLive: true, (peach, 50));
        var member4 = (await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name = "吴大姐", phone = TestApp.NewPhone(), storeId = store2 }), 201))
            .GetProperty("memberToken").GetString()!;
        await OrderAsync(campaignB, member4, peach, 4);

        await CampaignAsync(Chain.StoreId, Chain.LeaderId, Chain.LeaderKey, now.AddDays(30), goLive: false, (peach, 50));
        var from = Uri.EscapeDataString(now.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(now.AddDays(2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        return new World(store2, leader2Key, peach, pear, campaignA, campaignB, from, to, order1, Chain.MemberToken, member2);
    }

    private static (int Confirmed, int Placed, int Campaigns) Units(JsonElement e) =>
        (e.GetProperty("confirmedUnits").GetInt32(), e.GetProperty("placedUnits").GetInt32(), e.GetProperty("campaigns").GetInt32());

    [Fact]
    public async Task ThePurchaseSheetSumsUnitsPerProductAcrossStoresAndCampaignsInTheRangeAndMatchesItsCsvAndXlsx()
    {
        var w = await WorldAsync();
        var path = $"/api/chains/{Chain.ChainId}/sheets/purchase?from={w.From}&to={w.To}";
        var sheet = await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.AdminKey));
        Assert.Equal(2, sheet.GetProperty("campaignCount").GetInt32()); // campaign C is outside the dates
        var products = sheet.GetProperty("products").EnumerateArray().ToDictionary(p => p.GetProperty("productId").GetString()!);
        Assert.Equal(2, products.Count);

        // Peaches: 2 confirmed in store 1 (the cancelled 3 never count), 4 placed and not yet decided in store 2.
        var peach = products[w.PeachId];
        Assert.Equal("阳山水蜜桃", peach.GetProperty("name").GetString());
        Assert.Equal((2, 4, 2), Units(peach));
        var stores = peach.GetProperty("stores").EnumerateArray().ToDictionary(s => s.GetProperty("storeId").GetString()!);
        Assert.Equal((2, 0, 1), Units(stores[Chain.StoreId]));
        Assert.Equal("幸福里店", stores[Chain.StoreId].GetProperty("storeName").GetString());
        Assert.Equal((0, 4, 1), Units(stores[w.Store2]));
        Assert.Equal((1, 0, 1), Units(products[w.PearId]));

        // The CSV: a 合计 row per product, then its stores; UTF-8 with a BOM for Excel and WPS.
        var csvResponse = await App.GetAsync(path + "&format=csv", Chain.AdminKey);
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType!.MediaType);
        var csvBytes = await csvResponse.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetPreamble(), csvBytes[..3]);
        var csv = Encoding.UTF8.GetString(csvBytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToList();
        Assert.Equal(["商品编号", "商品", "门店", "已成团(件)", "待成团(件)", "合计(件)", "团数"], csv[0]);
        Assert.Contains(csv, r => r.SequenceEqual([w.PeachId, "阳山水蜜桃", "全部门店", "2", "4", "6", "2"]));
        Assert.Contains(csv, r => r.SequenceEqual([w.PeachId, "阳山水蜜桃", "阳光苑店", "0", "4", "4", "1"]));
        Assert.Contains(csv, r => r.SequenceEqual([w.PearId, "砀山酥梨", "全部门店", "1", "0", "1", "1"]));

        // The .xlsx holds the same cells, numbers as numbers.
        var xlsxResponse = await App.GetAsync(path + "&format=xlsx", Chain.AdminKey);
        Assert.Equal(HttpStatusCode.OK, xlsxResponse.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsxResponse.Content.Headers.ContentType!.MediaType);
        Assert.Contains(".xlsx", xlsxResponse.Content.Headers.ContentDisposition!.FileNameStar ?? xlsxResponse.Content.Headers.ContentDisposition.FileName, StringComparison.Ordinal);
        using var xlsx = new MemoryStream(await xlsxResponse.Content.ReadAsByteArrayAsync());
        Assert.Equal(["采购汇总"], MiniExcel.GetSheetNames(xlsx));
        var rows = xlsx.Query(useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(csv.Count - 1, rows.Count);
        var peachTotal = rows.Single(r => (string)r["商品编号"] == w.PeachId && (string)r["门店"] == "全部门店");
        Assert.Equal((2d, 4d, 6d), (Convert.ToDouble(peachTotal["已成团(件)"], CultureInfo.InvariantCulture), Convert.ToDouble(peachTotal["待成团(件)"], CultureInfo.InvariantCulture),
            Convert.ToDouble(peachTotal["合计(件)"], CultureInfo.InvariantCulture)));

        // English headings on request.
        var english = Encoding.UTF8.GetString(await (await App.GetAsync(path + "&format=csv&lang=en", Chain.AdminKey)).Content.ReadAsByteArrayAsync());
        Assert.Contains("Product ID,Product,Store,Confirmed units", english, StringComparison.Ordinal);
        Assert.Contains("All stores", english, StringComparison.Ordinal);

        // One store only: the admin asks for it; its own leader gets it without asking, and nothing else.
        var store2Only = await TestApp.OkJsonAsync(await App.GetAsync(path + $"&storeId={w.Store2}", Chain.AdminKey));
        Assert.Equal((0, 4, 1), Units(Assert.Single(store2Only.GetProperty("products").EnumerateArray())));
        var leader2 = await TestApp.OkJsonAsync(await App.GetAsync(path, w.Leader2Key));
        Assert.Equal(w.Store2, leader2.GetProperty("storeId").GetString());
        Assert.Equal((0, 4, 1), Units(Assert.Single(leader2.GetProperty("products").EnumerateArray())));
        await TestApp.ProblemAsync(await App.GetAsync(path + $"&storeId={Chain.StoreId}", w.Leader2Key), 403, "forbidden");
    }

    [Fact]
    public async Task ThePickupSheetListsEachNeighboursConfirmedBagWaitingFirstAndNeverAPickupCode()
    {
        var w = await WorldAsync();
        var path = $"/api/stores/{Chain.StoreId}/sheets/pickup?from={w.From}&to={w.To}";
        var sheet = await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.LeaderKey));
        Assert.Equal("幸福里店", sheet.GetProperty("storeName").GetString());
        Assert.Equal((2, 0), (sheet.GetProperty("waiting").GetInt32(), sheet.GetProperty("pickedUp").GetInt32()));
        var rows = sheet.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count); // 钱阿姨 cancelled: no bag
        Assert.All(rows, r => Assert.Equal("waiting", r.GetProperty("status").GetString()));
        var li = rows.Single(r => r.GetProperty("memberName").GetString() == "李阿姨");
        Assert.Equal(Chain.Phone[^4..], li.GetProperty("phoneTail").GetString());
        Assert.Equal(("阳山水蜜桃", 2), (li.GetProperty("items")[0].GetProperty("name").GetString(), li.GetProperty("items")[0].GetProperty("quantity").GetInt32()));
        Assert.Equal(5980, li.GetProperty("amountFen").GetInt64());

        // The code a neighbour shows at the counter is hers alone: it is on no sheet, in no format.
        var code = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{w.Order1}", w.Member1Token))).GetProperty("pickupCode").GetString()!;
        var raw = await (await App.GetAsync(path, Chain.LeaderKey)).Content.ReadAsStringAsync();
        var csvResponse = await App.GetAsync(path + "&format=csv", Chain.LeaderKey);
        Assert.Contains("no-store", csvResponse.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var csv = Encoding.UTF8.GetString(await csvResponse.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain(code, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(code, csv, StringComparison.Ordinal);
        Assert.DoesNotContain(Chain.Phone, raw, StringComparison.Ordinal);
        Assert.Contains("尾号,会员,手机,团购,商品,件数,金额(元),状态,提货时间", csv, StringComparison.Ordinal);
        Assert.Contains("阳山水蜜桃×2,2,59.80,待提货", csv, StringComparison.Ordinal);

        // Handed over: 李阿姨 moves to the end as 已提货, and the waiting totals keep only 周师傅's pear.
        await App.PickUpAsync(Chain, w.Order1, w.Member1Token);
        var after = await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.AdminKey));
        Assert.Equal((1, 1), (after.GetProperty("waiting").GetInt32(), after.GetProperty("pickedUp").GetInt32()));
        var last = after.GetProperty("rows").EnumerateArray().Last();
        Assert.Equal(("李阿姨", "pickedUp"), (last.GetProperty("memberName").GetString(), last.GetProperty("status").GetString()));
        Assert.True(last.GetProperty("pickedUpAt").ValueKind == JsonValueKind.String);
        var totals = Assert.Single(after.GetProperty("waitingTotals").EnumerateArray());
        Assert.Equal(("砀山酥梨", 1), (totals.GetProperty("name").GetString(), totals.GetProperty("quantity").GetInt32()));

        using var xlsx = new MemoryStream(await (await App.GetAsync(path + "&format=xlsx", Chain.LeaderKey)).Content.ReadAsByteArrayAsync());
        var xrows = xlsx.Query(useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(["待提货", "已提货"], xrows.Select(r => (string)r["状态"]));

        // Store 2 has no confirmed pickups yet (its campaign is live); its leader may not read store 1's sheet, nor may a member.
        var store2 = await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{w.Store2}/sheets/pickup?from={w.From}&to={w.To}", w.Leader2Key));
        Assert.Empty(store2.GetProperty("rows").EnumerateArray());
        await TestApp.ProblemAsync(await App.GetAsync(path, w.Leader2Key), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync(path, w.Member2Token), 403, "forbidden");
    }

    [Fact]
    public async Task BadSheetRequestsGetAProblemThatNamesTheField()
    {
        var purchase = $"/api/chains/{Chain.ChainId}/sheets/purchase";
        (await TestApp.ProblemAsync(await App.GetAsync(purchase + "?format=pdf", Chain.AdminKey), 400, "validation")).GetProperty("errors").GetProperty("format");
        (await TestApp.ProblemAsync(await App.GetAsync(purchase + "?lang=fr&format=csv", Chain.AdminKey), 400, "validation")).GetProperty("errors").GetProperty("lang");
        (await TestApp.ProblemAsync(await App.GetAsync(purchase + "?from=2026-12-10&to=2026-12-01", Chain.AdminKey), 400, "validation")).GetProperty("errors").GetProperty("from");
        (await TestApp.ProblemAsync(await App.GetAsync(purchase + "?from=2026-01-01&to=2026-12-01", Chain.AdminKey), 400, "validation")).GetProperty("errors").GetProperty("to");
        (await TestApp.ProblemAsync(await App.GetAsync(purchase + "?from=yesterday", Chain.AdminKey), 400, "validation")).GetProperty("errors").GetProperty("from");
        await TestApp.ProblemAsync(await App.GetAsync(purchase + "?storeId=" + Chain.StoreId + "x", Chain.AdminKey), 404, "not-found");
        await TestApp.ProblemAsync(await App.GetAsync(purchase), 401, "unauthorized");
        await TestApp.ProblemAsync(await App.GetAsync(purchase, Chain.MemberToken), 403, "forbidden");

        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.GetAsync(purchase, other.AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/sheets/pickup", other.AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/sheets/pickup?format=docx", Chain.LeaderKey), 400, "validation");

        // An empty period is an empty sheet, not an error.
        var empty = await TestApp.OkJsonAsync(await App.GetAsync(purchase + "?from=2026-01-01&to=2026-01-08", Chain.AdminKey));
        Assert.Empty(empty.GetProperty("products").EnumerateArray());
    }
}
