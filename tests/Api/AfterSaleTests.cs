using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>After-sale (售后) against the real app on Azurite: the window, decisions once, exact refunds, points and reports.</summary>
public sealed class AfterSaleTests : ChainTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==");

    /// <summary>A campaign whose one item needs <paramref name="minGroupSize"/> units; the member orders <paramref name="quantity"/> at 29.90.</summary>
    private async Task<(string CampaignId, string ItemId, string OrderId)> OrderAsync(int quantity = 3, int minGroupSize = 1, string? token = null)
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain, minGroupSize: minGroupSize);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, token ?? Chain.MemberToken, itemId, quantity), 201);
        return (campaignId, itemId, order.GetProperty("orderId").GetString()!);
    }

    private async Task CloseAsync(string campaignId)
    {
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: Chain.LeaderKey));
        var until = DateTime.UtcNow + Patience;
        while ((await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("phase").GetString() != "fulfilling")
        {
            Assert.True(DateTime.UtcNow < until, "the campaign did not reach fulfilling after close");
            await Task.Delay(200);
        }
    }

    /// <summary>Ordered, closed (成团) and picked up: ready for after-sale.</summary>
    private async Task<(string CampaignId, string ItemId, string OrderId)> PickedUpAsync(int quantity = 3, int minGroupSize = 1, string? token = null)
    {
        var (campaignId, itemId, orderId) = await OrderAsync(quantity, minGroupSize, token);
        await CloseAsync(campaignId);
        await App.PickUpAsync(Chain, orderId, token ?? Chain.MemberToken);
        return (campaignId, itemId, orderId);
    }

    private Task<HttpResponseMessage> AskAsync(string orderId, object body, string? token = null, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/after-sales") { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Chain.MemberToken);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return App.Client.SendAsync(request);
    }

    private async Task<string> AskOkAsync(string orderId, string itemId, int quantity, string? token = null, int photoCount = 0)
    {
        var created = await TestApp.OkJsonAsync(await AskAsync(orderId, new { itemId, quantity, kind = "refund", reason = "桃子有磕碰", photoCount }, token), 201);
        Assert.Equal("pending", created.GetProperty("request").GetProperty("status").GetString());
        return created.GetProperty("request").GetProperty("requestId").GetString()!;
    }

    private async Task<JsonElement> OrderViewAsync(string orderId) => await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}", Chain.MemberToken));

    private async Task<int> BalanceAsync(string token) =>
        (await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", token))).GetProperty("balance").GetInt32();

    private async Task<int> BalanceWhenAsync(string token, Func<int, bool> reached)
    {
        var until = DateTime.UtcNow + Patience;
        var balance = 0;
        while (DateTime.UtcNow < until)
        {
            balance = await BalanceAsync(token);
            if (reached(balance))
            {
                return balance;
            }

            await Task.Delay(250);
        }

        return balance;
    }

    [Fact]
    public async Task BeforeCloseTheMemberIsToldToCancelAndBeforeHandoverToWait()
    {
        var (campaignId, itemId, orderId) = await OrderAsync();
        await TestApp.ProblemAsync(await AskAsync(orderId, new { itemId, quantity = 1, kind = "refund", reason = "不想要了" }), 409, "use-cancel");
        await CloseAsync(campaignId);
        await TestApp.ProblemAsync(await AskAsync(orderId, new { itemId, quantity = 1, kind = "refund", reason = "不想要了" }), 409, "not-handed-over");
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}/after-sales", Chain.MemberToken));
        Assert.Equal(0, view.GetProperty("requests").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("deadline").ValueKind);
    }

    [Fact]
    public async Task TheChainsWindowDecidesAndOutsideItTheAnswerIsWindowClosed()
    {
        var policy = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/after-sale-policy", Chain.MemberToken));
        Assert.Equal(7, policy.GetProperty("windowDays").GetInt32());
        Assert.Equal("7天无理由，未拆封", policy.GetProperty("text").GetString());

        // Limits of the policy, and only the admin sets it.
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/after-sale-policy", new { windowDays = 31, text = "x" }, Chain.AdminKey), 400, "validation");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/after-sale-policy", new { windowDays = -1, text = "x" }, Chain.AdminKey), 400, "validation");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/after-sale-policy", new { windowDays = 3, text = new string('字', 201) }, Chain.AdminKey), 400, "validation");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/after-sale-policy", new { windowDays = 3, text = "x" }, Chain.LeaderKey), 403, "forbidden");

        var (_, itemId, orderId) = await PickedUpAsync();
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}/after-sales", Chain.MemberToken));
        var fulfilledAt = (await OrderViewAsync(orderId)).GetProperty("fulfilledAt").GetDateTimeOffset();
        Assert.Equal(fulfilledAt.AddDays(7), view.GetProperty("deadline").GetDateTimeOffset());

        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/after-sale-policy", new { windowDays = 0, text = "生鲜售出不退" }, Chain.AdminKey));
        var closed = await TestApp.ProblemAsync(await AskAsync(orderId, new { itemId, quantity = 1, kind = "refund", reason = "不新鲜" }), 409, "after-sale-window-closed");
        Assert.Contains("no after-sale", closed.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/after-sale-policy", new { windowDays = 30, text = "30天内可售后" }, Chain.AdminKey));
        await AskOkAsync(orderId, itemId, 1);
    }

    [Fact]
    public async Task BadInputsAreRefusedFieldByFieldAndNothingIsWritten()
    {
        var (_, itemId, orderId) = await PickedUpAsync(quantity: 3);
        async Task FieldAsync(object body, string field)
        {
            var problem = await TestApp.ProblemAsync(await AskAsync(orderId, body), 400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on {field}: {problem}");
        }

        await FieldAsync(new { itemId, quantity = 0, kind = "refund", reason = "r" }, "quantity");
        await FieldAsync(new { itemId, quantity = 4, kind = "refund", reason = "r" }, "quantity");
        await FieldAsync(new { itemId, quantity = 1, kind = "swap", reason = "r" }, "kind");
        await FieldAsync(new { itemId, quantity = 1, kind = "refund", reason = "  " }, "reason");
        await FieldAsync(new { itemId, quantity = 1, kind = "refund", reason = new string('坏', 201) }, "reason");
        await FieldAsync(new { itemId, quantity = 1, kind = "refund", reason = "r", photoCount = 10 }, "photoCount");
        await FieldAsync(new { itemId = "nope", quantity = 1, kind = "refund", reason = "r" }, "itemId");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/orders/{orderId}/after-sales", "{\"quantity\": \"x\"", Chain.MemberToken), 400, "validation");

        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{orderId}/after-sales", Chain.MemberToken));
        Assert.Equal(0, view.GetProperty("requests").GetArrayLength());

        // A refusal needs its reason; an unknown request id is a 404.
        var requestId = await AskOkAsync(orderId, itemId, 1);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/after-sales/{requestId}/refuse", new { reason = "" }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/after-sales/{requestId}/refuse", new { reason = new string('不', 201) }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/after-sales/{requestId[..^3]}zzz/approve", secret: Chain.LeaderKey), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync("/api/after-sales/nonsense/approve", secret: Chain.LeaderKey), 404, "not-found");
    }

    [Fact]
    public async Task ARetryAnswersTheSameRequestAndALineHoldsOneOpenRequest()
    {
        var (_, itemId, orderId) = await PickedUpAsync(quantity: 3);
        var body = new { itemId, quantity = 1, kind = "return", reason = "包装破损" };
        var first = await TestApp.OkJsonAsync(await AskAsync(orderId, body, key: "k-1"), 201);
        var again = await TestApp.OkJsonAsync(await AskAsync(orderId, body, key: "k-1"), 200);
        Assert.Equal(first.GetProperty("request").GetProperty("requestId").GetString(), again.GetProperty("request").GetProperty("requestId").GetString());
        Assert.Equal("return", again.GetProperty("request").GetProperty("kind").GetString());
        await TestApp.ProblemAsync(await AskAsync(orderId, body with { quantity = 2 }, key: "k-1"), 409, "idempotency-conflict");
        await TestApp.ProblemAsync(await AskAsync(orderId, body with { quantity = 2 }, key: "k-2"), 409, "after-sale-open");
        await TestApp.ProblemAsync(await AskAsync(orderId, body with { quantity = 2 }), 409, "after-sale-open");

        // Without a key: the same body again (a double tap) answers the open request.
        var (_, item2, order2) = await PickedUpAsync(quantity: 2);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => AskAsync(order2, new { itemId = item2, quantity = 1, kind = "refund", reason = "重复点击" })));
        var ids = new HashSet<string>();
        foreach (var r in results)
        {
            Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
            ids.Add((await TestApp.OkJsonAsync(r, (int)r.StatusCode)).GetProperty("request").GetProperty("requestId").GetString()!);
        }

        Assert.Single(ids);
        Assert.Equal(1, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{order2}/after-sales", Chain.MemberToken))).GetProperty("requests").GetArrayLength());
    }

    [Fact]
    public async Task ApproveAndRefuseDecideOnceUnderParallelCallsAndRetries()
    {
        var (campaignId, itemId, orderId) = await PickedUpAsync(quantity: 3);
        var requestId = await AskOkAsync(orderId, itemId, 1);

        var approvals = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            App.PostAsync($"/api/after-sales/{requestId}/approve", secret: i % 2 == 0 ? Chain.LeaderKey : Chain.AdminKey)));
        foreach (var a in approvals)
        {
            Assert.Equal("approved", (await TestApp.OkJsonAsync(a)).GetProperty("status").GetString());
        }

        await TestApp.ProblemAsync(await App.PostAsync($"/api/after-sales/{requestId}/refuse", new { reason = "晚了" }, Chain.LeaderKey), 409, "after-sale-decided");
        Assert.Equal("approved", (await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{requestId}/approve", secret: Chain.LeaderKey))).GetProperty("status").GetString());
        var line = (await OrderViewAsync(orderId)).GetProperty("items")[0];
        Assert.Equal(1, line.GetProperty("refundedQuantity").GetInt32());
        Assert.Equal(2990, line.GetProperty("refundedFen").GetInt64());

        // The line's next request, decided by approvals and refusals racing: one decision, every answer agrees with it.
        var second = await AskOkAsync(orderId, itemId, 2);
        var mixed = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => i % 2 == 0
            ? App.PostAsync($"/api/after-sales/{second}/approve", secret: Chain.LeaderKey)
            : App.PostAsync($"/api/after-sales/{second}/refuse", new { reason = "已拆封" }, Chain.AdminKey)));
        var list = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/after-sales", Chain.LeaderKey));
        var status = list.EnumerateArray().Single(r => r.GetProperty("requestId").GetString() == second).GetProperty("status").GetString();
        for (var i = 0; i < mixed.Length; i++)
        {
            var asked = i % 2 == 0 ? "approved" : "refused";
            if (asked == status)
            {
                Assert.Equal(status, (await TestApp.OkJsonAsync(mixed[i])).GetProperty("status").GetString());
            }
            else
            {
                await TestApp.ProblemAsync(mixed[i], 409, "after-sale-decided");
            }
        }

        line = (await OrderViewAsync(orderId)).GetProperty("items")[0];
        Assert.Equal(status == "approved" ? 3 : 1, line.GetProperty("refundedQuantity").GetInt32());
        Assert.Equal(status == "approved" ? 8970 : 2990, (await OrderViewAsync(orderId)).GetProperty("refundedFen").GetInt64());
        if (status == "refused")
        {
            Assert.Equal("已拆封", list.EnumerateArray().Single(r => r.GetProperty("requestId").GetString() == second).GetProperty("decisionReason").GetString());
        }
    }

    [Fact]
    public async Task APartialRefundLowersSoldGmvAndTheReportExactlyWhileTheGroupStaysFormed()
    {
        // 成团 needs 3 units; the member's 3 units form it at close.
        var (campaignId, itemId, orderId) = await PickedUpAsync(quantity: 3, minGroupSize: 3);
        var before = (await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/report", secret: Chain.LeaderKey))).GetProperty("metrics");
        Assert.Equal(8970, before.GetProperty("gmvFen").GetInt64());
        Assert.Equal(3, before.GetProperty("items")[0].GetProperty("sold").GetInt32());
        Assert.True(before.GetProperty("items")[0].GetProperty("groupMet").GetBoolean());

        var remainingBefore = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items")[0].GetProperty("remaining").GetInt32();
        var requestId = await AskOkAsync(orderId, itemId, 1);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{requestId}/approve", new { reason = "同意退一盒" }, Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{requestId}/approve", secret: Chain.AdminKey)); // a retry changes nothing

        var report = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/report", secret: Chain.LeaderKey));
        var m = report.GetProperty("metrics");
        Assert.Equal(8970 - 2990, m.GetProperty("gmvFen").GetInt64());
        Assert.Equal(8970 - 2990, m.GetProperty("averageOrderValueFen").GetInt64()); // one order
        Assert.Equal(1, m.GetProperty("afterSales").GetInt32());
        Assert.Equal(2990, m.GetProperty("refundedFen").GetInt64());
        var item = m.GetProperty("items")[0];
        Assert.Equal(2, item.GetProperty("sold").GetInt32());
        Assert.Equal(1, item.GetProperty("refunded").GetInt32());
        Assert.Equal(3, item.GetProperty("ordered").GetInt32());
        Assert.True(item.GetProperty("groupMet").GetBoolean(), "a refund after close never undoes 成团");
        Assert.Equal(before.GetProperty("itemsGroupMet").GetInt32(), m.GetProperty("itemsGroupMet").GetInt32());

        using var plain = new HttpClient();
        var csv = Encoding.UTF8.GetString(await plain.GetByteArrayAsync(new Uri(report.GetProperty("csvUrl").GetString()!)));
        Assert.Contains("售后退款笔数,1\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("售后退款金额(元),29.90\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("成交额(元),59.80\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("成团按截单时计算，售后退款不改变成团结果", csv, StringComparison.Ordinal);

        var dashboard = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard", Chain.AdminKey));
        Assert.Equal(5980, dashboard.GetProperty("gmvFen").GetInt64());
        Assert.Equal(5980, dashboard.GetProperty("averageOrderValueFen").GetInt64());
        Assert.Equal(2990, dashboard.GetProperty("refundedFen").GetInt64());
        Assert.Equal(1, dashboard.GetProperty("afterSales").GetInt32());

        // Stock is not returned by a refund after pickup: the goods are gone.
        Assert.Equal(remainingBefore, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items")[0].GetProperty("remaining").GetInt32());
    }

    [Fact]
    public async Task PurchasePointsOfTheRefundedPartAreReversedExactlyOnce()
    {
        var (_, itemId, orderId) = await PickedUpAsync(quantity: 3);
        // 3 × 29.90 = 89.70 yuan → 89 points at the default rate.
        Assert.Equal(89, await BalanceWhenAsync(Chain.MemberToken, b => b >= 89));

        var first = await AskOkAsync(orderId, itemId, 1);
        var approved = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => App.PostAsync($"/api/after-sales/{first}/approve", secret: Chain.LeaderKey)));
        foreach (var a in approved)
        {
            await TestApp.OkJsonAsync(a);
        }

        // floor(89 × 29.90 / 89.70) = 29 reversed.
        Assert.Equal(89 - 29, await BalanceAsync(Chain.MemberToken));
        var second = await AskOkAsync(orderId, itemId, 2);
        var view = await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{second}/approve", secret: Chain.AdminKey));
        Assert.Equal(60, view.GetProperty("pointsReversed").GetInt32());
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{second}/approve", secret: Chain.AdminKey));
        Assert.Equal(0, await BalanceAsync(Chain.MemberToken));

        var points = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/points", Chain.MemberToken));
        var refunds = points.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("reason").GetString() == "refund").Select(e => e.GetProperty("amount").GetInt32()).Order().ToList();
        Assert.Equal([-60, -29], refunds);

        // Every unit refunded: nothing more to ask for.
        var problem = await TestApp.ProblemAsync(await AskAsync(orderId, new { itemId, quantity = 1, kind = "refund", reason = "再退" }), 400, "validation");
        Assert.Contains("already refunded", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMemberCannotSeeOrActOnAnothersOrderAndOnlyTheStoresStaffDecide()
    {
        var (campaignId, itemId, orderId) = await PickedUpAsync(quantity: 2);
        var requestId = await AskOkAsync(orderId, itemId, 1, photoCount: 1);
        var (_, otherToken) = await App.NewMemberAsync(Chain, "赵大姐");

        await TestApp.ProblemAsync(await App.GetAsync($"/api/orders/{orderId}/after-sales", otherToken), 404, "not-found");
        await TestApp.ProblemAsync(await AskAsync(orderId, new { itemId, quantity = 1, kind = "refund", reason = "冒领" }, otherToken), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/after-sales/{requestId}/photos/confirm", secret: otherToken), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/after-sales/{requestId}/approve", secret: otherToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/after-sales/{requestId}/approve", secret: Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/after-sales", Chain.MemberToken), 403, "forbidden");

        // The leader of another store of the chain, and anyone of another chain, are refused too.
        var store = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "东门店", address = "东门路 2 号" }, Chain.AdminKey), 201);
        var leader = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "陈团长", storeId = store.GetProperty("storeId").GetString() }, Chain.AdminKey), 201);
        var otherLeader = leader.GetProperty("leaderKey").GetString()!;
        await TestApp.ProblemAsync(await App.PostAsync($"/api/after-sales/{requestId}/approve", secret: otherLeader), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/after-sales", otherLeader), 403, "forbidden");
        var otherChain = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.PostAsync($"/api/after-sales/{requestId}/refuse", new { reason = "x" }, otherChain.AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/orders/{orderId}/after-sales", otherChain.MemberToken), 403, "forbidden");

        // The owner uploads a photo and confirms; the leader sees it with the masked name.
        var replay = await TestApp.OkJsonAsync(await AskAsync(orderId, new { itemId, quantity = 1, kind = "refund", reason = "桃子有磕碰", photoCount = 1 }), 200);
        var url = replay.GetProperty("photoUploadUrls")[0].GetString()!;
        using (var put = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(Png) })
        {
            put.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("image/png");
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            using var plain = new HttpClient();
            Assert.Equal(HttpStatusCode.Created, (await plain.SendAsync(put)).StatusCode);
        }

        Assert.Equal(1, (await TestApp.OkJsonAsync(await App.PostAsync($"/api/after-sales/{requestId}/photos/confirm", secret: Chain.MemberToken))).GetProperty("photosUploaded").GetInt32());
        var list = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/after-sales", Chain.LeaderKey));
        var seen = Assert.Single(list.EnumerateArray());
        Assert.Equal(1, seen.GetProperty("photoUrls").GetArrayLength());
        Assert.Equal("李**", seen.GetProperty("maskedName").GetString());
        Assert.DoesNotContain(Chain.Phone, list.GetRawText(), StringComparison.Ordinal);
    }
}
