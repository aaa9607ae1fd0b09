using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Events;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

public sealed class OrderCaptureTests : ChainTest
{
    private async Task<int> RemainingAsync(string campaignId) =>
        (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items")[0].GetProperty("remaining").GetInt32();

    [Fact]
    public async Task AnOrderWhileLiveTakesTheLivePriceAndMovesTheStock()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 100, priceFen: 3990, livePriceFen: 2990);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 3), 201);

        Assert.Equal("placed", order.GetProperty("status").GetString());
        Assert.Equal(3 * 2990, order.GetProperty("totalFen").GetInt64());
        var line = order.GetProperty("items")[0];
        Assert.Equal(2990, line.GetProperty("unitPriceFen").GetInt64());
        Assert.Equal("placed", line.GetProperty("status").GetString());
        Assert.Equal("李阿姨", order.GetProperty("memberName").GetString());
        Assert.Equal(97, await RemainingAsync(id));
    }

    [Fact]
    public async Task OrdersAreRefusedUnlessLive()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        await TestApp.ProblemAsync(await App.OrderAsync(id, Chain.MemberToken, itemId), 409, "not-live");
        await App.PostAsync($"/api/campaigns/{id}/actions/go-live", secret: Chain.LeaderKey);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId), 201);
        await App.PostAsync($"/api/campaigns/{id}/actions/close", secret: Chain.LeaderKey);
        await TestApp.ProblemAsync(await App.OrderAsync(id, Chain.MemberToken, itemId), 409, "not-live");
    }

    [Fact]
    public async Task OrdersToUnknownCampaignsAnswerNotFoundAndLeaveNoDeskAndNoErrorLog()
    {
        var logs = new WarningLog();
        await using var app = await TestApp.StartAsync(services: s => s.AddSingleton<ILoggerProvider>(logs));
        var f = await app.NewChainWithPeopleAsync();
        var (id, itemId) = await app.NewLiveCampaignAsync(f);
        await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, itemId), 201);
        var desks = app.Services.GetRequiredService<CampaignDesks>();
        var before = desks.Count;

        // Ids of the member's own chain that name no campaign: each costs a 404, nothing kept, nothing logged.
        for (var batch = 0; batch < 10; batch++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => app.OrderAsync($"{id[..^6]}{Guid.NewGuid():N}"[..id.Length], f.MemberToken, itemId)));
            foreach (var answer in answers)
            {
                await TestApp.ProblemAsync(answer, 404, "not-found");
            }
        }

        Assert.Equal(before, desks.Count);
        Assert.Empty(logs.Lines);
        await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, itemId), 201); // the real campaign still sells
    }

    /// <summary>Log lines at warning and above.</summary>
    private sealed class WarningLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(WarningLog owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name}");
                }
            }
        }
    }

    private Task<HttpResponseMessage> OrderExpectingAsync(string campaignId, string itemId, int quantity, long? expectedUnitPriceFen)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/orders")
        {
            Content = JsonContent.Create(new { items = new[] { new { itemId, quantity, expectedUnitPriceFen } }, fulfilment = "pickup" }, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Chain.MemberToken);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return App.Client.SendAsync(request);
    }

    [Fact]
    public async Task AMemberIsNeverChargedMoreThanTheFlashPriceSheSawAndTheQuotaCoversOnlyTheUnitsItHas()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 100, priceFen: 3990, livePriceFen: 2990);
        var flash = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales",
            new { itemId, quantity = 3, priceFen = 1990, durationSeconds = 120, firstNGift = 1, giftName = "保温袋" }, Chain.LeaderKey), 201);
        Assert.Equal("保温袋", flash.GetProperty("giftName").GetString());

        // The screen said ¥19.90 with 3 left; the neighbour asks for 6 at that price: refused, nothing written, told what holds.
        var problem = await TestApp.ProblemAsync(await OrderExpectingAsync(id, itemId, 6, 1990), 409, "price-changed");
        var prices = problem.GetProperty("prices").EnumerateArray().Select(p => (p.GetProperty("quantity").GetInt32(), p.GetProperty("unitPriceFen").GetInt64())).ToList();
        Assert.Equal([(3, 1990L), (3, 2990L)], prices);
        Assert.Equal(100, await RemainingAsync(id));

        // Without an expectation (or once agreed) the line is split: 3 at the flash price with the named gift, 3 at the live price.
        var order = await TestApp.OkJsonAsync(await OrderExpectingAsync(id, itemId, 6, null), 201);
        var lines = order.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal((3, 1990L, true, "保温袋"), (lines[0].GetProperty("quantity").GetInt32(), lines[0].GetProperty("unitPriceFen").GetInt64(), lines[0].GetProperty("gift").GetBoolean(), lines[0].GetProperty("giftName").GetString()));
        Assert.Equal((3, 2990L, false), (lines[1].GetProperty("quantity").GetInt32(), lines[1].GetProperty("unitPriceFen").GetInt64(), lines[1].GetProperty("gift").GetBoolean()));
        Assert.Equal(3 * 1990 + 3 * 2990, order.GetProperty("totalFen").GetInt64());
        Assert.Equal(94, await RemainingAsync(id));
        await TestApp.ProblemAsync(await OrderExpectingAsync(id, itemId, 1, 1990), 409, "price-changed"); // the quota is gone
    }

    [Fact]
    public async Task TheLeaderEndsAFlashSaleEarlyAndLaterOrdersAtItsPriceAreRefused()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 100, priceFen: 3990, livePriceFen: 2990);
        var flashSaleId = (await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales",
            new { itemId, quantity = 10, priceFen = 1990, durationSeconds = 600 }, Chain.LeaderKey), 201)).GetProperty("flashSaleId").GetString();
        Assert.Equal(1990, (await TestApp.OkJsonAsync(await OrderExpectingAsync(id, itemId, 1, 1990), 201)).GetProperty("items")[0].GetProperty("unitPriceFen").GetInt64());

        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales/{flashSaleId}/end", secret: Chain.MemberToken), 403, "forbidden");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales/{flashSaleId}/end", secret: Chain.LeaderKey));
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales/{flashSaleId}/end", secret: Chain.LeaderKey)); // again → 200
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/flash-sales/{id}-fnothere/end", secret: Chain.LeaderKey), 404, "not-found");

        await TestApp.ProblemAsync(await OrderExpectingAsync(id, itemId, 1, 1990), 409, "price-changed");
        Assert.Equal(2990, (await TestApp.OkJsonAsync(await OrderExpectingAsync(id, itemId, 1, 2990), 201)).GetProperty("items")[0].GetProperty("unitPriceFen").GetInt64());
    }

    [Fact]
    public async Task AnOrderWithoutAnIdempotencyKeyIsRefused()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{id}/orders", new { items = new[] { new { itemId, quantity = 1 } } }, Chain.MemberToken), 400, "validation");
        Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(100, await RemainingAsync(id));
    }

    [Fact]
    public async Task TheSameKeyAndBodyReturnTheSameOrderOnceAndAnotherBodyIsAConflict()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        var key = Guid.NewGuid().ToString();
        var first = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2, key), 201);
        var again = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2, key), 200);

        Assert.Equal(first.GetProperty("orderId").GetString(), again.GetProperty("orderId").GetString());
        Assert.Equal(98, await RemainingAsync(id));
        await TestApp.ProblemAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 5, key), 409, "idempotency-conflict");
        Assert.Equal(98, await RemainingAsync(id));
    }

    [Fact]
    public async Task IdempotencyKeysAreScopedToTheMember()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        var (_, other) = await App.NewMemberAsync(Chain);
        const string key = "same-key-for-two-neighbours";
        var a = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1, key), 201);
        var b = await TestApp.OkJsonAsync(await App.OrderAsync(id, other, itemId, 1, key), 201);
        Assert.NotEqual(a.GetProperty("orderId").GetString(), b.GetProperty("orderId").GetString());
        Assert.Equal(98, await RemainingAsync(id));
    }

    [Fact]
    public async Task ARetryAfterALostAnswerFindsTheOrderEvenOnAnotherInstance()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        await using var second = await TestApp.StartAsync(storage: App.Azurite);
        var key = Guid.NewGuid().ToString();
        var first = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1, key), 201);
        var retried = await TestApp.OkJsonAsync(await second.OrderAsync(id, Chain.MemberToken, itemId, 1, key), 200);
        Assert.Equal(first.GetProperty("orderId").GetString(), retried.GetProperty("orderId").GetString());
        Assert.Equal(99, await RemainingAsync(id));
    }

    [Fact]
    public async Task SoldOutIsAnImmediate409AndNothingIsOversold()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 3);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2), 201);
        var problem = await TestApp.ProblemAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2), 409, "sold-out");
        Assert.Contains("1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1), 201);
        await TestApp.ProblemAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1), 409, "sold-out");
        Assert.Equal(0, await RemainingAsync(id));
    }

    [Fact]
    public async Task ThePerMemberLimitCountsEveryOrderOfTheMember()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, perMemberLimit: 3);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2), 201);
        await TestApp.ProblemAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2), 409, "member-limit");
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1), 201);
        await TestApp.ProblemAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1), 409, "member-limit");
        var (_, other) = await App.NewMemberAsync(Chain);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, other, itemId, 3), 201);
    }

    [Fact]
    public async Task CancellingBeforeCloseReturnsStockExactlyOnceAndFreesTheLimit()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: 10, perMemberLimit: 4);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 4), 201);
        var orderId = order.GetProperty("orderId").GetString();
        Assert.Equal(6, await RemainingAsync(id));

        var cancelled = await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderId}/cancel", secret: Chain.MemberToken));
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(0, cancelled.GetProperty("totalFen").GetInt64());
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/orders/{orderId}/cancel", secret: Chain.MemberToken));
        Assert.Equal(10, await RemainingAsync(id));
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 4), 201);

        var (_, other) = await App.NewMemberAsync(Chain);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/orders/{orderId}/cancel", secret: other), 404, "not-found");
    }

    [Fact]
    public async Task AfterCloseAnOrderCanNoLongerBeCancelled()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId), 201);
        await App.PostAsync($"/api/campaigns/{id}/actions/close", secret: Chain.LeaderKey);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/orders/{order.GetProperty("orderId").GetString()}/cancel", secret: Chain.MemberToken), 409, "invalid-transition");
        Assert.Equal(99, await RemainingAsync(id));
    }

    [Fact]
    public async Task BadOrdersAreRefusedWithTheFieldsNamed()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        async Task<JsonElement> Bad(object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{id}/orders") { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
            request.Headers.Authorization = new("Bearer", Chain.MemberToken);
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            return await TestApp.ProblemAsync(await App.Client.SendAsync(request), 400, "validation");
        }

        Assert.True((await Bad(new { items = new[] { new { itemId, quantity = 0 } } })).GetProperty("errors").TryGetProperty("items[0].quantity", out _));
        Assert.True((await Bad(new { items = new[] { new { itemId, quantity = 1 }, new { itemId, quantity = 1 } } })).GetProperty("errors").TryGetProperty("items[1].itemId", out _));
        Assert.True((await Bad(new { items = Array.Empty<object>() })).GetProperty("errors").TryGetProperty("items", out _));
        Assert.True((await Bad(new { items = new[] { new { itemId, quantity = 1 } }, fulfilment = "delivery" })).GetProperty("errors").TryGetProperty("address", out _));
        Assert.True((await Bad(new { items = new[] { new { itemId, quantity = 1 } }, fulfilment = "teleport" })).GetProperty("errors").TryGetProperty("fulfilment", out _));
        await Bad(new { items = new[] { new { itemId = "i99", quantity = 1 } } });
        Assert.Equal(100, await RemainingAsync(id));
    }

    [Fact]
    public async Task OnlyMembersOfTheChainOrder()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.OrderAsync(id, other.MemberToken, itemId), 403, "forbidden");
        await TestApp.ProblemAsync(await App.OrderAsync(id, Chain.LeaderKey, itemId), 403, "forbidden");
        Assert.Equal(100, await RemainingAsync(id));
    }

    [Fact]
    public async Task ABurstOfConcurrentOrdersWithRetriesNeverOversellsOrDuplicates()
    {
        const int stock = 60;
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: stock);
        var members = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => App.NewMemberAsync(Chain, $"买家{i}")));
        var accepted = new ConcurrentDictionary<string, string>();
        var statuses = new ConcurrentBag<int>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 120), new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (n, _) =>
        {
            var (memberId, token) = members[n % members.Length];
            var key = $"k{n}";
            for (var attempt = 0; attempt < (n % 4 == 0 ? 2 : 1); attempt++)
            {
                // Every fourth buyer sends the same request twice, as a phone on a bad connection would.
                using var response = await App.OrderAsync(id, token, itemId, 1, key);
                statuses.Add((int)response.StatusCode);
                if (response.IsSuccessStatusCode)
                {
                    var order = await response.Content.ReadFromJsonAsync<JsonElement>();
                    var orderId = order.GetProperty("orderId").GetString()!;
                    Assert.Equal(orderId, accepted.GetOrAdd(memberId + "/" + key, orderId));
                }
            }
        });

        Assert.DoesNotContain(statuses, s => s is not (201 or 200 or 409));
        Assert.Equal(stock, accepted.Count);
        Assert.Equal(0, await RemainingAsync(id));
        var orders = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/orders", Chain.LeaderKey));
        Assert.Equal(stock, orders.GetArrayLength());
        Assert.Equal(accepted.Values.Order(StringComparer.Ordinal), orders.EnumerateArray().Select(o => o.GetProperty("orderId").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TwoInstancesOrderingOnOneCampaignNeverOversell()
    {
        const int stock = 40;
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, stock: stock);
        await using var second = await TestApp.StartAsync(storage: App.Azurite);
        var members = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => App.NewMemberAsync(Chain, $"两地{i}")));
        var created = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 90), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (n, _) =>
        {
            var app = n % 2 == 0 ? App : second;
            using var response = await app.OrderAsync(id, members[n % members.Length].Token, itemId, 1);
            Assert.True((int)response.StatusCode is 201 or 409, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            if ((int)response.StatusCode == 201)
            {
                Interlocked.Increment(ref created);
            }
        });

        Assert.Equal(stock, created);
        Assert.Equal(0, await RemainingAsync(id));
        Assert.Equal(stock, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/orders", Chain.AdminKey))).GetArrayLength());
    }

    [Fact]
    public async Task LeadersGetTheOrderListAsJsonAndAsCsvThatSpreadsheetsOpenSafely()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain, priceFen: 3990, livePriceFen: 2990);
        var evil = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name = "=HYPERLINK(\"x\")", phone = TestApp.NewPhone(), storeId = Chain.StoreId }), 201);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 2), 201);
        await TestApp.OkJsonAsync(await App.OrderAsync(id, evil.GetProperty("memberToken").GetString()!, itemId, 1), 201);

        var json = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/orders", Chain.LeaderKey));
        Assert.Equal(2, json.GetArrayLength());
        Assert.All(json.EnumerateArray(), o => Assert.Matches(@"^1\d\d\*\*\*\*\d{4}$", o.GetProperty("maskedPhone").GetString()));
        Assert.All(json.EnumerateArray(), o => Assert.Equal(JsonValueKind.Null, o.GetProperty("pickupCode").ValueKind)); // never pickup codes

        using var csvResponse = await App.GetAsync($"/api/campaigns/{id}/orders?format=csv", Chain.LeaderKey);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        var bytes = await csvResponse.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("订单号,下单时间,会员,手机", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.Contains(",59.80,", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\")\"", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain(Chain.Phone, lines[1], StringComparison.Ordinal);
        var createdAt = json[0].GetProperty("createdAt").GetDateTimeOffset();
        Assert.Contains(createdAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), lines[1], StringComparison.Ordinal);

        using var viaAccept = new HttpRequestMessage(HttpMethod.Get, $"/api/campaigns/{id}/orders");
        viaAccept.Headers.Authorization = new("Bearer", Chain.AdminKey);
        viaAccept.Headers.Accept.ParseAdd("text/csv");
        Assert.Equal("text/csv", (await App.Client.SendAsync(viaAccept)).Content.Headers.ContentType?.MediaType);
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{id}/orders", Chain.MemberToken), 403, "forbidden");
    }

    [Fact]
    public async Task AMemberSeesOnlyTheirOwnOrders()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        var (_, other) = await App.NewMemberAsync(Chain);
        var mine = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1), 201);
        var theirs = await TestApp.OkJsonAsync(await App.OrderAsync(id, other, itemId, 2), 201);

        var list = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/orders", Chain.MemberToken));
        Assert.Equal(mine.GetProperty("orderId").GetString(), Assert.Single(list.EnumerateArray()).GetProperty("orderId").GetString());
        await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{mine.GetProperty("orderId").GetString()}", Chain.MemberToken));
        await TestApp.ProblemAsync(await App.GetAsync($"/api/orders/{theirs.GetProperty("orderId").GetString()}", Chain.MemberToken), 404, "not-found");
        await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{theirs.GetProperty("orderId").GetString()}", Chain.LeaderKey));
        var otherChain = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.GetAsync($"/api/orders/{theirs.GetProperty("orderId").GetString()}", otherChain.AdminKey), 403, "forbidden");
    }

    [Fact]
    public async Task OrderEventsLeaveThroughTheOutboxOnce()
    {
        var (id, itemId) = await App.NewLiveCampaignAsync(Chain);
        var order = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, itemId, 1), 201);
        var orderId = order.GetProperty("orderId").GetString()!;
        await App.PostAsync($"/api/orders/{orderId}/cancel", secret: Chain.MemberToken);

        var log = App.Services.GetRequiredService<EventLog>();
        IReadOnlyList<DomainEvent> events = [];
        for (var i = 0; i < 100 && !events.Any(e => e.Type == "order.cancelled"); i++)
        {
            await Task.Delay(100);
            events = await log.ListAsync(Chain.ChainId);
        }

        var placed = Assert.Single(events, e => e.Type == "order.placed");
        Assert.Equal(orderId, placed.Data.GetProperty("orderId").GetString());
        Assert.Single(events, e => e.Type == "order.cancelled");
        Assert.Contains(events, e => e.Type == "campaign.phaseChanged" && e.Data.GetProperty("to").GetString() == "live");
        Assert.Contains(events, e => e.Type == "campaign.created");
        Assert.DoesNotContain(Chain.Phone, string.Join(" ", events.Select(e => e.Data.GetRawText())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlacedOrdersReachEventGridAsCloudEvents()
    {
        await using var listener = await EventGridListener.StartAsync();
        await using var azurite = await Azurite.StartAsync();
        await using var app = await StartPublishingToAsync(listener, azurite);
        var f = await app.NewChainWithPeopleAsync();
        var (id, itemId) = await app.NewLiveCampaignAsync(f);
        var order = await TestApp.OkJsonAsync(await app.OrderAsync(id, f.MemberToken, itemId, 2), 201);

        JsonElement? placed = null;
        for (var i = 0; i < 100 && placed is null; i++)
        {
            await Task.Delay(100);
            placed = listener.Accepted.Cast<JsonElement?>().FirstOrDefault(e => e!.Value.GetProperty("type").GetString() == "ServerlessCommerce.order.placed");
        }

        Assert.NotNull(placed);
        Assert.Equal("1.0", placed.Value.GetProperty("specversion").GetString());
        Assert.Equal($"/chains/{f.ChainId}", placed.Value.GetProperty("source").GetString());
        Assert.Equal(order.GetProperty("orderId").GetString(), placed.Value.GetProperty("data").GetProperty("orderId").GetString());
        Assert.All(listener.Requests, r => Assert.Equal("topic-key", r.Headers["aeg-sas-key"]));
    }

    [Fact]
    public async Task ABurstOfRoundsWakesTheOutboxAFewTimesAndStillPublishesEveryOrder()
    {
        await using var listener = await EventGridListener.StartAsync();
        await using var azurite = await Azurite.StartAsync();
        await using var app = await StartPublishingToAsync(listener, azurite);
        var f = await app.NewChainWithPeopleAsync();
        var (id, itemId) = await app.NewLiveCampaignAsync(f, stock: 1000);
        var members = new List<string>();
        for (var m = 0; m < 8; m++)
        {
            members.Add((await app.NewMemberAsync(f, $"邻居{m}")).Token);
        }

        var before = await HealthAsync(app);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var orderIds = new ConcurrentBag<string>();
        // 8 buyers, 10 orders each, one after another: many small rounds, each with events for the outbox.
        await Task.WhenAll(members.Select(async token =>
        {
            for (var n = 0; n < 10; n++)
            {
                orderIds.Add((await TestApp.OkJsonAsync(await app.OrderAsync(id, token, itemId), 201)).GetProperty("orderId").GetString()!);
            }
        }));
        var elapsed = started.Elapsed;
        var after = await HealthAsync(app);

        var rounds = after.GetProperty("desk").GetProperty("committedRounds").GetInt64() - before.GetProperty("desk").GetProperty("committedRounds").GetInt64();
        static long Wakes(JsonElement health) =>
            health.GetProperty("storageCalls").TryGetProperty("Storage Queue POST campaign-outbox", out var n) ? n.GetInt64() : 0;
        var wakes = Wakes(after) - Wakes(before);
        // At most two wake-ups per interval (one at once, one at its end), however many rounds committed.
        var allowed = 2 * (long)Math.Ceiling(elapsed / ServerlessCommerce.Campaigns.CampaignCommitEffects.OutboxWakeInterval) + 2;
        Assert.True(wakes <= allowed, $"{wakes} outbox wake-ups for {rounds} rounds in {elapsed.TotalMilliseconds:F0} ms; at most {allowed} expected");

        // Every order still reaches Event Grid, the last ones by the wake-up at the end of the interval.
        var published = new HashSet<string>();
        for (var i = 0; i < 100 && published.Count < orderIds.Count; i++)
        {
            await Task.Delay(100);
            published = listener.Accepted.Where(e => e.GetProperty("type").GetString() == "ServerlessCommerce.order.placed")
                .Select(e => e.GetProperty("data").GetProperty("orderId").GetString()!).ToHashSet();
        }

        Assert.Equal(orderIds.Order(), published.Order());
    }

    private static async Task<JsonElement> HealthAsync(TestApp app) => await TestApp.OkJsonAsync(await app.GetAsync("/api/health"));

    /// <summary>An app of its own that publishes its events to <paramref name="listener"/> as its Event Grid topic.</summary>
    private static Task<TestApp> StartPublishingToAsync(EventGridListener listener, Azurite azurite) =>
        TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["EventGridTopicEndpoint"] = listener.Endpoint.ToString(),
            ["EventGridTopicKey"] = "topic-key",
        }, storage: azurite);
}
