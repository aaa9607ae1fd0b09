using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Functions;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// The real app (Kestrel on a free 127.0.0.1 port) against the shared Azurite. <see cref="SharedAsync"/> serves the
/// many tests that only need an app; tests that change settings start their own.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string PlatformKey = "test-platform-admin-key-0123456789";

    /// <summary>
    /// What every test app runs with unless a test is about joining: today's one-call join (as the local sample) and
    /// limits no test's traffic from 127.0.0.1 reaches.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> OpenJoinSettings = new Dictionary<string, string>
    {
        ["MemberVerification"] = "off",
        ["RateLimitJoinsPerMinute"] = "1000000",
        ["RateLimitVerificationsPerMinute"] = "1000000",
        ["RateLimitNegotiationsPerMinute"] = "1000000",
    };
    private static readonly Lazy<Task<TestApp>> Shared = new(() => StartCoreAsync(null, null, null, isShared: true));

    /// <summary>
    /// The task hub of every app on the shared Azurite. They all pump the same queues, so a replan message reaches any
    /// of them: one hub, like instances of one app, and only the shared app (alive for the whole run) runs its worker,
    /// so no orchestration is left in the hub of an app a test has stopped.
    /// </summary>
    private static readonly string SharedHub = NewHubName();

    private TestApp(WebApplication app, Uri baseAddress, Azurite azurite)
    {
        App = app;
        BaseAddress = baseAddress;
        Azurite = azurite;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public Azurite Azurite { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    public static Task<TestApp> SharedAsync() => Shared.Value;

    /// <summary>A task hub name no other app or test run uses (letters and digits, at most 45).</summary>
    public static string NewHubName() => "t" + Guid.NewGuid().ToString("N")[..20];

    public static Task<TestApp> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, Azurite? storage = null) =>
        StartCoreAsync(settings, services, storage, isShared: false);

    private static async Task<TestApp> StartCoreAsync(IDictionary<string, string?>? settings, Action<IServiceCollection>? services, Azurite? storage, bool isShared)
    {
        var azurite = storage ?? await Azurite.SharedAsync();
        var runsDurableWorker = isShared || !azurite.IsShared;
        if (!runsDurableWorker)
        {
            await SharedAsync(); // the worker of the shared hub
        }

        var port = Azurite.FreePort();
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["PlatformAdminKey"] = PlatformKey,
            ["TokenSigningKey"] = "test-token-signing-key-0123456789abcdef",
            ["QueueMaxPollingIntervalMilliseconds"] = "200",
            // An app with an Azurite of its own gets its own task hub (nobody else's orchestrations to run).
            ["DurableTaskHubName"] = azurite.IsShared ? SharedHub : NewHubName(),
        };
        foreach (var (k, v) in OpenJoinSettings)
        {
            values[k] = v;
        }

        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            values[k] = v;
        }

        var app = ServerlessCommerceApp.Build(["--urls", $"http://127.0.0.1:{port}"], b =>
        {
            b.Configuration.AddInMemoryCollection(values);
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            services?.Invoke(b.Services);
            if (!runsDurableWorker)
            {
                b.Services.AddSingleton(new ServerlessCommerce.Functions.Hosting.Durable.LocalDurableOptions { HubName = SharedHub, RunWorker = false });
            }
        });
        await app.StartAsync();
        return new TestApp(app, new Uri($"http://127.0.0.1:{port}"), azurite);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? secret = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body is string raw
                ? new StringContent(raw, Encoding.UTF8, "application/json")
                : JsonContent.Create(body, options: JsonSerializerOptions.Web);
        }

        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null, string? secret = null) => SendAsync(HttpMethod.Post, path, body, secret);

    public Task<HttpResponseMessage> GetAsync(string path, string? secret = null) => SendAsync(HttpMethod.Get, path, secret: secret);

    /// <summary>Reads a 2xx JSON body, failing with the problem text otherwise.</summary>
    public static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response, int expectedStatus = 200)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"Expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem+json answer with the status and fixed code; returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, int status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal($"/problems/{code}", problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }

    // ----- builders for the people of a chain -----

    public sealed record ChainFixture(string ChainId, string AdminKey, string StoreId, string LeaderId, string LeaderKey, string MemberId, string MemberToken, string Phone);

    private static int _phoneCounter;

    public static string NewPhone() => "139" + (Random.Shared.Next(1000, 9999) * 10000 + (Interlocked.Increment(ref _phoneCounter) % 10000)).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<(string ChainId, string AdminKey)> NewChainAsync(string name = "邻里鲜社区店")
    {
        var chain = await OkJsonAsync(await PostAsync("/api/chains", new { name }, PlatformKey), 201);
        return (chain.GetProperty("chainId").GetString()!, chain.GetProperty("adminKey").GetString()!);
    }

    /// <summary>A product in the chain's catalogue (through the API).</summary>
    public async Task<string> NewProductAsync(ChainFixture f, string name = "阳山水蜜桃")
    {
        var product = await OkJsonAsync(await PostAsync($"/api/chains/{f.ChainId}/products",
            new { name, category = "水果", unit = "盒", origin = "无锡阳山", batch = "2026-11-A", story = "果园直发" }, f.AdminKey), 201);
        return product.GetProperty("productId").GetString()!;
    }

    /// <summary>Live → the members' orders → close (成团 evaluated): the campaign is fulfilling and its orders confirmed.</summary>
    public async Task<(string CampaignId, List<string> OrderIds)> ConfirmedOrdersAsync(ChainFixture f, params (string Token, string Fulfilment)[] buyers)
    {
        var (campaignId, itemId) = await NewLiveCampaignAsync(f);
        var orderIds = new List<string>();
        foreach (var (token, fulfilment) in buyers)
        {
            var order = await OkJsonAsync(await OrderAsync(campaignId, token, itemId, fulfilment: fulfilment, address: fulfilment == "delivery" ? "幸福路 8 号 302" : null), 201);
            orderIds.Add(order.GetProperty("orderId").GetString()!);
        }

        await OkJsonAsync(await PostAsync($"/api/campaigns/{campaignId}/actions/close", secret: f.LeaderKey));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await OkJsonAsync(await GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("phase").GetString() != "fulfilling")
        {
            Assert.True(DateTime.UtcNow < until, "the campaign did not reach fulfilling after close");
            await Task.Delay(200);
        }

        return (campaignId, orderIds);
    }

    /// <summary>The store's leader hands the order over with the code its member sees.</summary>
    public async Task PickUpAsync(ChainFixture f, string orderId, string memberToken)
    {
        var code = (await OkJsonAsync(await GetAsync($"/api/orders/{orderId}", memberToken))).GetProperty("pickupCode").GetString();
        await OkJsonAsync(await PostAsync($"/api/orders/{orderId}/pickup", new { pickupCode = code }, f.LeaderKey));
    }

    /// <summary>A campaign of the fixture's store with one item, taken live by its leader; returns its id and item id.</summary>
    public async Task<(string CampaignId, string ItemId)> NewLiveCampaignAsync(ChainFixture f, int stock = 100, int? perMemberLimit = null, int minGroupSize = 1, long priceFen = 3990, long? livePriceFen = 2990, bool goLive = true, long? memberPriceFen = null)
    {
        var productId = await NewProductAsync(f);
        // Timers are armed at creation: a campaign the test drives by hand is scheduled hours ahead, so they stay out of the way.
        var now = DateTimeOffset.UtcNow;
        var start = goLive ? now.AddMinutes(-1) : now.AddHours(3);
        var campaign = await OkJsonAsync(await PostAsync($"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "周三厨房 · 水蜜桃专场",
            storeId = f.StoreId,
            leaderId = f.LeaderId,
            items = new[] { new { productId, priceFen, livePriceFen, stock, minGroupSize, perMemberLimit, memberPriceFen } },
            preheatAt = goLive ? now.AddMinutes(-5) : now.AddHours(2),
            liveStartAt = start,
            liveEndAt = now.AddHours(5),
            pickupUntil = now.AddDays(2),
        }, f.LeaderKey), 201);
        var campaignId = campaign.GetProperty("campaignId").GetString()!;
        if (goLive)
        {
            await OkJsonAsync(await PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: f.LeaderKey));
        }

        return (campaignId, campaign.GetProperty("items")[0].GetProperty("itemId").GetString()!);
    }

    /// <summary>A new member of the fixture's chain; returns its id and token.</summary>
    public async Task<(string MemberId, string Token)> NewMemberAsync(ChainFixture f, string name = "邻居")
    {
        var member = await OkJsonAsync(await PostAsync($"/api/chains/{f.ChainId}/members", new { name, phone = NewPhone(), storeId = f.StoreId }), 201);
        return (member.GetProperty("memberId").GetString()!, member.GetProperty("memberToken").GetString()!);
    }

    /// <summary>Places an order with an Idempotency-Key (a new one unless given).</summary>
    public Task<HttpResponseMessage> OrderAsync(string campaignId, string token, string itemId, int quantity = 1, string? key = null, string fulfilment = "pickup", string? address = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/orders")
        {
            Content = JsonContent.Create(new { items = new[] { new { itemId, quantity } }, fulfilment, address }, options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return Client.SendAsync(request);
    }

    /// <summary>A chain with one store, its leader and one member.</summary>
    public async Task<ChainFixture> NewChainWithPeopleAsync()
    {
        var (chainId, adminKey) = await NewChainAsync();
        var store = await OkJsonAsync(await PostAsync($"/api/chains/{chainId}/stores", new { name = "幸福里店", address = "幸福路 1 号" }, adminKey), 201);
        var storeId = store.GetProperty("storeId").GetString()!;
        var leader = await OkJsonAsync(await PostAsync($"/api/chains/{chainId}/leaders", new { name = "王团长", storeId }, adminKey), 201);
        var phone = NewPhone();
        var member = await OkJsonAsync(await PostAsync($"/api/chains/{chainId}/members", new { name = "李阿姨", phone, storeId }), 201);
        return new ChainFixture(chainId, adminKey, storeId, leader.GetProperty("leaderId").GetString()!, leader.GetProperty("leaderKey").GetString()!,
            member.GetProperty("memberId").GetString()!, member.GetProperty("memberToken").GetString()!, phone);
    }
}
