using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCommerce.Functions.Triggers;
using ServerlessCommerce.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// Evening clearance (晚市特惠 / 日清) against the real app and Azurite: settings and flagged items with their limits, the
/// timer that opens one clearance campaign per store and day (on two instances, run twice), and the campaign's own
/// lifecycle taking it live at the evening hour and closing it at closing time.
/// </summary>
public sealed class ClearanceTests(ITestOutputHelper output) : ChainTest
{
    /// <summary>A zone whose wall clock stays on one day for the next <paramref name="span"/> (tests run at any hour).</summary>
    internal static (string Zone, DateTime Local) ZoneForToday(TimeSpan span)
    {
        foreach (var id in new[] { "Asia/Shanghai", "Europe/London", "America/New_York" })
        {
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(id)).DateTime;
            if (local.Date == (local + span).Date && local.TimeOfDay > TimeSpan.FromMinutes(2))
            {
                return (id, local);
            }
        }

        throw new InvalidOperationException("No candidate zone stays on one day.");
    }

    internal static string HhMm(DateTime local) => local.ToString("HH:mm", CultureInfo.InvariantCulture);

    internal static ClearanceTimer Timer(TestApp app) => ActivatorUtilities.CreateInstance<ClearanceTimer>(app.Services);

    [Fact]
    public void TheClearanceTimerIsWiredForTheFunctionsHostEveryFiveMinutes()
    {
        var function = ServerlessCommerce.Tests.Hosting.FunctionsMetadataTests.Metadata().Single(f => f!["name"]!.GetValue<string>() == ClearanceTimer.FunctionName)!;
        var trigger = function["bindings"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "timerTrigger")!;
        Assert.Equal("0 */5 * * * *", trigger["schedule"]!.GetValue<string>());
        Assert.NotNull(NCrontab.CrontabSchedule.TryParse("0 */5 * * * *", new NCrontab.CrontabSchedule.ParseOptions { IncludingSeconds = true }));
    }

    [Fact]
    public async Task SettingsAndFlaggedItemsAreValidatedAndScopedToTheStoresLeaderAndAdmin()
    {
        var path = $"/api/stores/{Chain.StoreId}/clearance";
        var defaults = await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.LeaderKey));
        Assert.False(defaults.GetProperty("settings").GetProperty("enabled").GetBoolean());
        Assert.Equal(("19:30", "21:30", "Asia/Shanghai"), (defaults.GetProperty("settings").GetProperty("eveningAt").GetString(),
            defaults.GetProperty("settings").GetProperty("closingAt").GetString(), defaults.GetProperty("settings").GetProperty("timeZone").GetString()));

        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { eveningAt = "7:30pm" }, "eveningAt"),
            (new { eveningAt = "24:00" }, "eveningAt"),
            (new { closingAt = "19:00" }, "closingAt"),            // before the default evening hour 19:30
            (new { eveningAt = "08:00", closingAt = "20:00" }, "closingAt"), // longer than 8 hours
            (new { timeZone = "Mars/Olympus" }, "timeZone"),
            (new { pickupHours = 0 }, "pickupHours"),
        })
        {
            var problem = await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, path, body, Chain.LeaderKey), 400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{JsonSerializer.Serialize(body)} → {problem}");
        }

        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, path, "[1,", Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, path, new { enabled = true }, Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, path, new { enabled = true }), 401, "unauthorized");
        var other = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await App.GetAsync(path, other.AdminKey), 403, "forbidden");
        var store2 = (await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "二店", address = "幸福路 2 号" }, Chain.AdminKey), 201)).GetProperty("storeId").GetString();
        await TestApp.ProblemAsync(await App.GetAsync($"/api/stores/{store2}/clearance", Chain.LeaderKey), 403, "forbidden"); // another store's leader

        var saved = await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, path, new { enabled = true, eveningAt = "19:30", closingAt = "21:30", pickupHours = 12 }, Chain.LeaderKey));
        Assert.True(saved.GetProperty("settings").GetProperty("enabled").GetBoolean());
        Assert.Equal(12, saved.GetProperty("settings").GetProperty("pickupHours").GetInt32());
        var byAdmin = await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.AdminKey));
        Assert.Equal("21:30", byAdmin.GetProperty("settings").GetProperty("closingAt").GetString());
        var today = byAdmin.GetProperty("today");
        Assert.Equal(0, today.GetProperty("flaggedItems").GetInt32());
        Assert.Equal(TimeSpan.FromHours(2), today.GetProperty("closesAt").GetDateTimeOffset() - today.GetProperty("opensAt").GetDateTimeOffset());
        // Far ahead (a week), so neither the app's own timer nor another test opens this store's campaign while we flag.
        var date = DateTime.UtcNow.AddHours(8).AddDays(7).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var productId = await App.NewProductAsync(Chain, "临期酸奶");
        var items = $"{path}/items";
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { productId, priceFen = 1000, clearancePriceFen = 1000, quantity = 5, date }, "clearancePriceFen"),   // not below the usual price
            (new { productId, priceFen = 1000, clearancePriceFen = 0, quantity = 5, date }, "clearancePriceFen"),
            (new { productId, priceFen = 1000, quantity = 5, date }, "clearancePriceFen"),                            // neither price nor discount
            (new { productId, priceFen = 1000, clearancePriceFen = 500, discountPercent = 50, quantity = 5, date }, "clearancePriceFen"),
            (new { productId, priceFen = 1000, discountPercent = 100, quantity = 5, date }, "discountPercent"),
            (new { productId, priceFen = 1000, clearancePriceFen = 500, quantity = 0, date }, "quantity"),
            (new { productId, priceFen = 1000, clearancePriceFen = 500, quantity = 1001, date }, "quantity"),
            (new { productId, priceFen = 1000, clearancePriceFen = 500, quantity = 5, perMemberLimit = 6, date }, "perMemberLimit"),
            (new { productId = "nope", priceFen = 1000, clearancePriceFen = 500, quantity = 5, date }, "productId"),
            (new { productId, priceFen = 1000, clearancePriceFen = 500, quantity = 5, date = "2020-01-01" }, "date"),
            (new { productId, priceFen = 1000, clearancePriceFen = 500, quantity = 5, date = "12/01" }, "date"),
            (new { productId, priceFen = long.MaxValue, discountPercent = 50, quantity = 5, date }, "priceFen"),
        })
        {
            var problem = await TestApp.ProblemAsync(await App.PostAsync(items, body, Chain.LeaderKey), 400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{JsonSerializer.Serialize(body)} → {problem}");
        }

        await TestApp.ProblemAsync(await App.PostAsync(items, new { productId, priceFen = 1000, clearancePriceFen = 500, quantity = 5, date }, Chain.MemberToken), 403, "forbidden");

        var flagged = await TestApp.OkJsonAsync(await App.PostAsync(items, new { productId, priceFen = 1000, discountPercent = 50, quantity = 5, perMemberLimit = 2, date }, Chain.LeaderKey), 201);
        Assert.Equal(500, flagged.GetProperty("clearancePriceFen").GetInt64()); // 五折
        Assert.Equal("临期酸奶", flagged.GetProperty("name").GetString());
        var replaced = await TestApp.OkJsonAsync(await App.PostAsync(items, new { productId, priceFen = 1000, clearancePriceFen = 390, quantity = 8, date }, Chain.AdminKey), 200);
        Assert.Equal(390, replaced.GetProperty("clearancePriceFen").GetInt64());
        var list = await TestApp.OkJsonAsync(await App.GetAsync($"{items}?date={date}", Chain.LeaderKey));
        Assert.Equal(8, Assert.Single(list.EnumerateArray()).GetProperty("quantity").GetInt32());
        Assert.Empty((await TestApp.OkJsonAsync(await App.GetAsync(items, Chain.LeaderKey))).EnumerateArray()); // today: nothing
        await TestApp.ProblemAsync(await App.GetAsync($"{items}?date=tomorrow", Chain.LeaderKey), 400, "validation");

        // At most 20 items a day.
        for (var i = 0; i < 19; i++)
        {
            var p = await App.NewProductAsync(Chain, $"临期面包{i}");
            await TestApp.OkJsonAsync(await App.PostAsync(items, new { productId = p, priceFen = 800, clearancePriceFen = 400, quantity = 3, date }, Chain.LeaderKey), 201);
        }

        var extra = await App.NewProductAsync(Chain, "第21件");
        await TestApp.ProblemAsync(await App.PostAsync(items, new { productId = extra, priceFen = 800, clearancePriceFen = 400, quantity = 3, date }, Chain.LeaderKey), 400, "validation");

        var delete = await App.SendAsync(HttpMethod.Delete, $"{items}/{productId}?date={date}", secret: Chain.LeaderKey);
        Assert.Equal(204, (int)delete.StatusCode);
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Delete, $"{items}/{productId}?date={date}", secret: Chain.LeaderKey), 404, "not-found");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Delete, $"{items}/x%23y?date={date}", secret: Chain.LeaderKey), 404, "not-found");
        Assert.Equal(19, (await TestApp.OkJsonAsync(await App.GetAsync($"{items}?date={date}", Chain.AdminKey))).GetArrayLength());
    }

    [Fact]
    public async Task NoFlaggedItemsMeansNoCampaignAndAFailingStoreDoesNotStallTheOthers()
    {
        var (zone, local) = ZoneForToday(TimeSpan.FromMinutes(40));
        var evening = local.AddMinutes(20);
        var settings = new { enabled = true, eveningAt = HhMm(evening), closingAt = HhMm(evening.AddMinutes(15)), timeZone = zone };
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/stores/{Chain.StoreId}/clearance", settings, Chain.LeaderKey));

        // Nothing flagged: the timer opens nothing for this store.
        var first = await Timer(App).RunAtAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.DoesNotContain(first.Opened, id => id.StartsWith(Chain.ChainId, StringComparison.Ordinal));
        Assert.Null((await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/clearance", Chain.LeaderKey))).GetProperty("today").GetProperty("campaignId").GetString());

        // A second store with flagged items but no leader cannot open (it fails); this store still opens.
        var broken = (await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "无人店", address = "幸福路 3 号" }, Chain.AdminKey), 201)).GetProperty("storeId").GetString();
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/stores/{broken}/clearance", settings, Chain.AdminKey));
        var p1 = await App.NewProductAsync(Chain, "临期鲜奶");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/stores/{broken}/clearance/items", new { productId = p1, priceFen = 1200, clearancePriceFen = 600, quantity = 4 }, Chain.AdminKey), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/clearance/items", new { productId = p1, priceFen = 1200, clearancePriceFen = 600, quantity = 4 }, Chain.LeaderKey), 201);

        var run = await Timer(App).RunAtAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        output.WriteLine($"stores {run.Stores}, opened {run.Opened.Count}, failed {run.Failed}");
        Assert.True(run.Failed >= 1);
        var today = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/clearance", Chain.LeaderKey))).GetProperty("today");
        var campaignId = today.GetProperty("campaignId").GetString();
        Assert.NotNull(campaignId);
        Assert.Equal($"/live/{campaignId}", today.GetProperty("campaignUrl").GetString());
        Assert.Null((await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{broken}/clearance", Chain.AdminKey))).GetProperty("today").GetProperty("campaignId").GetString());

        // Once opened, the day's items are frozen.
        var p2 = await App.NewProductAsync(Chain, "临期豆腐");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/clearance/items", new { productId = p2, priceFen = 500, clearancePriceFen = 200, quantity = 4 }, Chain.LeaderKey), 409, "invalid-transition");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Delete, $"/api/stores/{Chain.StoreId}/clearance/items/{p1}", secret: Chain.LeaderKey), 409, "invalid-transition");
        var campaign = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        Assert.Equal("clearance", campaign.GetProperty("kind").GetString());
        Assert.Contains(campaign.GetProperty("phase").GetString(), new[] { "draft", "preheat" }); // opened ahead: live at the evening hour
    }

    [Fact]
    public async Task QianDaMaEveningClearanceRunsEndToEnd()
    {
        // 钱大妈 日清: the store flags today's near-expiry items at 19:30-style clearance prices; the evening hour is two
        // minutes away, closing two minutes after (the store's wall clock, minute precision).
        var (zone, local) = ZoneForToday(TimeSpan.FromMinutes(8));
        var evening = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0).AddMinutes(2);
        var closing = evening.AddMinutes(2);
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/stores/{Chain.StoreId}/clearance",
            new { enabled = true, eveningAt = HhMm(evening), closingAt = HhMm(closing), timeZone = zone, pickupHours = 12 }, Chain.LeaderKey));
        var greens = await App.NewProductAsync(Chain, "本地菜心");
        var pork = await App.NewProductAsync(Chain, "当日鲜猪肉");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/clearance/items",
            new { productId = greens, priceFen = 598, discountPercent = 50, quantity = 10, perMemberLimit = 3 }, Chain.LeaderKey), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/clearance/items",
            new { productId = pork, priceFen = 2680, clearancePriceFen = 1880, quantity = 5 }, Chain.LeaderKey), 201);

        // The timer, on two instances at once and then again: exactly one campaign for the store and day.
        await using var second = await TestApp.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await Task.WhenAll(Timer(App).RunAtAsync(now, CancellationToken.None), Timer(second).RunAtAsync(now, CancellationToken.None));
        await Timer(second).RunAtAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        var campaigns = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.AdminKey))).EnumerateArray().ToList();
        var summary = Assert.Single(campaigns);
        var campaignId = summary.GetProperty("campaignId").GetString()!;
        Assert.Equal($"晚市特惠 {evening.Month}月{evening.Day}日", summary.GetProperty("title").GetString());

        var campaign = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        Assert.Equal("clearance", campaign.GetProperty("kind").GetString());
        var items = campaign.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("productId").GetString()!);
        Assert.Equal((598L, 299L, 10, 1, 3), (items[greens].GetProperty("priceFen").GetInt64(), items[greens].GetProperty("livePriceFen").GetInt64(),
            items[greens].GetProperty("stock").GetInt32(), items[greens].GetProperty("minGroupSize").GetInt32(), items[greens].GetProperty("perMemberLimit").GetInt32()));
        Assert.Equal((2680L, 1880L, 5, 1), (items[pork].GetProperty("priceFen").GetInt64(), items[pork].GetProperty("livePriceFen").GetInt64(),
            items[pork].GetProperty("stock").GetInt32(), items[pork].GetProperty("minGroupSize").GetInt32()));
        var opensAt = campaign.GetProperty("liveStartAt").GetDateTimeOffset();
        var closesAt = campaign.GetProperty("liveEndAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromMinutes(2), closesAt - opensAt);
        Assert.Equal(HhMm(evening), HhMm(TimeZoneInfo.ConvertTime(opensAt, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime));

        // Nobody presses go-live: the lifecycle takes it live at the evening hour.
        await WaitForPhaseAsync(campaignId, "live", opensAt + TimeSpan.FromSeconds(90));
        var (_, neighbour) = await App.NewMemberAsync(Chain, "张阿姨");
        var o1 = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, items[greens].GetProperty("itemId").GetString()!, quantity: 3), 201);
        var o2 = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, neighbour, items[pork].GetProperty("itemId").GetString()!, quantity: 2), 201);
        var o3 = await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, neighbour, items[greens].GetProperty("itemId").GetString()!, quantity: 1), 201);
        Assert.Equal(3 * 299, o1.GetProperty("totalFen").GetInt64());
        Assert.Equal(2 * 1880, o2.GetProperty("totalFen").GetInt64());
        await TestApp.ProblemAsync(await App.OrderAsync(campaignId, Chain.MemberToken, items[greens].GetProperty("itemId").GetString()!, quantity: 1), 409, "member-limit");

        // …and closes it by itself at closing time; 成团 minimum 1: every order confirmed.
        await WaitForPhaseAsync(campaignId, "fulfilling", closesAt + TimeSpan.FromSeconds(120));
        var history = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/history", Chain.LeaderKey));
        foreach (var phase in new[] { "live", "closed" })
        {
            var entry = history.EnumerateArray().First(h => h.GetProperty("to").GetString() == phase);
            Assert.Equal("timer", entry.GetProperty("cause").GetString());
            output.WriteLine($"{phase} at {entry.GetProperty("at").GetDateTimeOffset():O}");
        }

        Assert.True(history.EnumerateArray().First(h => h.GetProperty("to").GetString() == "closed").GetProperty("at").GetDateTimeOffset() >= closesAt);
        var herOrder = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{o1.GetProperty("orderId").GetString()}", Chain.MemberToken));
        Assert.Equal("confirmed", herOrder.GetProperty("status").GetString());
        var herCode = herOrder.GetProperty("pickupCode").GetString();
        Assert.Matches("^[0-9]{8}$", herCode);
        var hisCode = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{o2.GetProperty("orderId").GetString()}", neighbour))).GetProperty("pickupCode").GetString();
        Assert.Equal(hisCode, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{o3.GetProperty("orderId").GetString()}", neighbour))).GetProperty("pickupCode").GetString());

        // Pickup at the counter: one code hands over all of a member's orders.
        var handed = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = hisCode }, Chain.LeaderKey));
        Assert.Equal(2, handed.GetProperty("orders").GetArrayLength());
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = herCode }, Chain.LeaderKey));
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/pickups", new { pickupCode = herCode }, Chain.LeaderKey), 409, "already-picked-up");

        // The report: units sold and GMV at the clearance prices.
        var report = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/report", secret: Chain.LeaderKey));
        var metrics = report.GetProperty("metrics");
        Assert.Equal(4 * 299 + 2 * 1880, metrics.GetProperty("gmvFen").GetInt64());
        var sold = metrics.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("itemId").GetString()!, i => i.GetProperty("sold").GetInt32());
        Assert.Equal(4, sold[items[greens].GetProperty("itemId").GetString()!]);
        Assert.Equal(2, sold[items[pork].GetProperty("itemId").GetString()!]);

        // The timer running again after closing opens nothing new.
        await Timer(App).RunAtAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.AdminKey))).EnumerateArray());
    }

    private async Task WaitForPhaseAsync(string campaignId, string phase, DateTimeOffset until)
    {
        string? now;
        do
        {
            now = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("phase").GetString();
            if (now == phase)
            {
                return;
            }

            await Task.Delay(500);
        }
        while (DateTimeOffset.UtcNow < until);

        Assert.Fail($"Campaign {campaignId} still {now} at {until:O}; expected {phase}.");
    }
}
