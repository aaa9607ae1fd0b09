using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ServerlessCommerce.Tests.Campaigns;

/// <summary>
/// 候补 across instances: cancellations on three instances give their units to the first in line, never to the members
/// ordering at the same moment without a claim, and the item never sells more than its stock.
/// </summary>
[Collection(ScaleOutTests.Alone)]
public sealed class WaitlistScaleOutTests(ITestOutputHelper output)
{
    private const int Stock = 8;
    private const int Waiters = 12;
    private const int Others = 4;

    private static async Task<(int Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body, string? secret, string? key = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: JsonSerializerOptions.Web);
        }

        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Sends until the answer is not <c>busy</c> (a client retries those with the same request).</summary>
    private static async Task<(int Status, JsonElement Body)> RetryBusyAsync(Func<Task<(int Status, JsonElement Body)>> send)
    {
        for (var attempt = 0; ; attempt++)
        {
            var answer = await send();
            if (!(answer.Status == 409 && answer.Body.TryGetProperty("code", out var code) && code.GetString() == "busy") || attempt > 20)
            {
                return answer;
            }

            await Task.Delay(50);
        }
    }

    private static string Code((int Status, JsonElement Body) answer) =>
        answer.Body.ValueKind == JsonValueKind.Object && answer.Body.TryGetProperty("code", out var code) ? code.GetString() ?? string.Empty : string.Empty;

    [Fact]
    public async Task CancellationsOnThreeInstancesGoToTheWaitlistAndTheItemNeverSellsMoreThanItsStock()
    {
        await using var cluster = await AppCluster.StartAsync(3);
        var f = await cluster.NewChainWithPeopleAsync();
        var buyers = await cluster.NewMembersAsync(f, Stock);
        var waiters = await cluster.NewMembersAsync(f, Waiters);
        var others = await cluster.NewMembersAsync(f, Others);
        var setup = cluster.Client(0);
        var products = new List<string>();
        foreach (var name in new[] { "阳山水蜜桃", "五常大米" })
        {
            var (_, product) = await SendAsync(setup, HttpMethod.Post, $"/api/chains/{f.ChainId}/products", new { name, category = "水果", unit = "盒" }, f.AdminKey);
            products.Add(product.GetProperty("productId").GetString()!);
        }

        var now = DateTimeOffset.UtcNow;
        var (created, campaign) = await SendAsync(setup, HttpMethod.Post, $"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "多实例候补", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new object[]
            {
                new { productId = products[0], priceFen = 3990, stock = Stock, minGroupSize = 1 },
                new { productId = products[1], priceFen = 5990, stock = 1000, minGroupSize = 1 },
            },
            preheatAt = now.AddMinutes(-5), liveStartAt = now.AddMinutes(-1), liveEndAt = now.AddHours(5), pickupUntil = now.AddDays(2),
        }, f.LeaderKey);
        Assert.Equal(201, created);
        var campaignId = campaign.GetProperty("campaignId").GetString()!;
        var itemId = campaign.GetProperty("items")[0].GetProperty("itemId").GetString()!;
        Assert.Equal(200, (await SendAsync(setup, HttpMethod.Post, $"/api/campaigns/{campaignId}/actions/go-live", null, f.LeaderKey)).Status);
        HttpClient On(int i) => cluster.Client(i % cluster.Count);

        // The item sells out through every instance.
        var orderIds = new string[Stock];
        await Task.WhenAll(buyers.Select(async (b, i) =>
        {
            var answer = await RetryBusyAsync(() => SendAsync(On(i), HttpMethod.Post, $"/api/campaigns/{campaignId}/orders", new { items = new[] { new { itemId, quantity = 1 } } }, b.Token, $"buy-{i}"));
            Assert.True(answer.Status == 201, $"buyer {i}: {answer.Status} {answer.Body}");
            orderIds[i] = answer.Body.GetProperty("orderId").GetString()!;
        }));

        // The waitlist forms, in order, through every instance.
        for (var i = 0; i < Waiters; i++)
        {
            var answer = await RetryBusyAsync(() => SendAsync(On(i), HttpMethod.Post, $"/api/campaigns/{campaignId}/items/{itemId}/waitlist", null, waiters[i].Token));
            Assert.True(answer.Status == 201, $"waiter {i}: {answer.Status} {answer.Body}");
            Assert.Equal(i + 1, answer.Body.GetProperty("position").GetInt32());
        }

        // Every buyer cancels (on every instance at once) while members without a place keep trying to order, and
        // waiters order as soon as they hold a claim.
        var othersSold = 0;
        var waitersSold = new ConcurrentDictionary<int, int>();
        var unexpected = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var cancels = Task.WhenAll(orderIds.Select(async (orderId, i) =>
        {
            var answer = await RetryBusyAsync(() => SendAsync(On(i + 1), HttpMethod.Post, $"/api/orders/{orderId}/cancel", null, buyers[i].Token));
            if (answer.Status != 200)
            {
                unexpected.Enqueue($"cancel {i}: {answer.Status} {answer.Body}");
            }
        }));
        var grabbers = Task.WhenAll(others.Select(async (o, i) =>
        {
            for (var attempt = 0; !cancels.IsCompleted || attempt < 3; attempt++)
            {
                var answer = await RetryBusyAsync(() => SendAsync(On(i + attempt), HttpMethod.Post, $"/api/campaigns/{campaignId}/orders", new { items = new[] { new { itemId, quantity = 1 } } }, o.Token, $"other-{i}-{attempt}"));
                if (answer.Status == 201)
                {
                    Interlocked.Increment(ref othersSold);
                }
                else if (Code(answer) != "sold-out")
                {
                    unexpected.Enqueue($"other {i}: {answer.Status} {answer.Body}");
                }

                await Task.Delay(30);
            }
        }));
        await cancels;
        await grabbers;
        var claimed = 0;
        await Task.WhenAll(waiters.Select(async (w, i) =>
        {
            var (_, mine) = await SendAsync(On(i), HttpMethod.Get, $"/api/campaigns/{campaignId}/waitlist/mine", null, w.Token);
            if (mine.EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } place && place.GetProperty("status").GetString() == "claimed")
            {
                Interlocked.Increment(ref claimed);
                var answer = await RetryBusyAsync(() => SendAsync(On(i + 2), HttpMethod.Post, $"/api/campaigns/{campaignId}/orders", new { items = new[] { new { itemId, quantity = 1 } } }, w.Token, $"waiter-{i}"));
                if (answer.Status == 201)
                {
                    waitersSold[i] = 1;
                }
                else
                {
                    unexpected.Enqueue($"waiter {i} with a claim: {answer.Status} {answer.Body}");
                }
            }
        }));

        output.WriteLine($"claims {claimed}, waiters sold {waitersSold.Count}, others sold {othersSold}");
        Assert.True(unexpected.IsEmpty, string.Join("\n", unexpected));
        Assert.Equal(0, othersSold); // the units came back to a line of 12: none was free for anyone else
        Assert.Equal(Stock, claimed);
        Assert.Equal(Stock, waitersSold.Count);
        // The first in line got them, in order.
        Assert.Equal(Enumerable.Range(0, Stock), waitersSold.Keys.Order());

        var (_, view) = await SendAsync(On(1), HttpMethod.Get, $"/api/campaigns/{campaignId}", null, null);
        var item = view.GetProperty("items")[0];
        Assert.Equal(Stock, item.GetProperty("sold").GetInt32());
        Assert.Equal(0, item.GetProperty("remaining").GetInt32());
        var (_, orders) = await SendAsync(On(2), HttpMethod.Get, $"/api/campaigns/{campaignId}/orders", null, f.LeaderKey);
        var placedUnits = orders.EnumerateArray().Where(o => o.GetProperty("status").GetString() == "placed")
            .Sum(o => o.GetProperty("items").EnumerateArray().Where(l => l.GetProperty("itemId").GetString() == itemId).Sum(l => l.GetProperty("quantity").GetInt32()));
        Assert.Equal(Stock, placedUnits);
        var (_, queue) = await SendAsync(On(0), HttpMethod.Get, $"/api/campaigns/{campaignId}/waitlist", null, f.LeaderKey);
        var line = queue.EnumerateArray().First(q => q.GetProperty("itemId").GetString() == itemId);
        Assert.Equal(Waiters - Stock, line.GetProperty("waiting").GetInt32());
        Assert.Equal(0, line.GetProperty("held").GetInt32());
    }
}
