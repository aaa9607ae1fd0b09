using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// N instances of the app, as the platform scales it out: N real app processes (<see cref="AppProcess"/>), each on its
/// own free port, on one storage account (an Azurite of their own unless one is given) and one task hub, with the same
/// secrets, so a token issued by one instance works on every other. <see cref="KillAsync"/> kills one hard.
/// </summary>
public sealed class AppCluster : IAsyncDisposable
{
    private readonly AppProcess?[] _instances;
    private readonly Uri[] _addresses;
    private readonly Azurite? _ownAzurite;
    private readonly Dictionary<string, string>[] _environments;

    private AppCluster(AppProcess[] instances, Dictionary<string, string>[] environments, Azurite azurite, bool ownsAzurite)
    {
        _instances = instances;
        _environments = environments;
        _addresses = [.. instances.Select(i => i.BaseAddress)];
        Azurite = azurite;
        _ownAzurite = ownsAzurite ? azurite : null;
    }

    public Azurite Azurite { get; }

    public int Count => _instances.Length;

    /// <summary>Indexes of the instances not killed, in order.</summary>
    public IReadOnlyList<int> Alive => [.. Enumerable.Range(0, _instances.Length).Where(i => Volatile.Read(ref _instances[i]) is not null)];

    public Uri BaseAddress(int index) => _addresses[index];

    /// <summary>The environment instance <paramref name="index"/> was started with (its task hub, its storage, …).</summary>
    public IReadOnlyDictionary<string, string> Settings(int index) => _environments[index];

    /// <summary>The instance's own client (30 s timeout); tests that need other timeouts build theirs on <see cref="BaseAddress"/>.</summary>
    public HttpClient Client(int index) => (Volatile.Read(ref _instances[index]) ?? throw new InvalidOperationException($"Instance {index} was killed.")).Client;

    /// <summary>What the instance wrote to stdout and stderr (for failure messages).</summary>
    public string Output(int index) => Volatile.Read(ref _instances[index])?.Output ?? "(killed)";

    /// <summary>
    /// Starts <paramref name="count"/> instances on <paramref name="storage"/>, or on an Azurite of their own (stopped
    /// with the cluster) when none is given; they share a task hub nobody else uses. <paramref name="connectionString"/>
    /// routes the apps' storage elsewhere (e.g. through a fault proxy in front of <paramref name="storage"/>).
    /// </summary>
    public static async Task<AppCluster> StartAsync(int count, Azurite? storage = null, IDictionary<string, string>? settings = null, string? connectionString = null)
    {
        var azurite = storage ?? await Azurite.StartAsync();
        var hub = TestApp.NewHubName();
        var environments = new Dictionary<string, string>[count];
        var starting = Enumerable.Range(0, count).Select(i =>
        {
            var port = Azurite.FreePort();
            var env = environments[i] = new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = connectionString ?? azurite.ConnectionString,
                ["PlatformAdminKey"] = TestApp.PlatformKey,
                ["TokenSigningKey"] = "cluster-token-signing-key-0123456789abcdef",
                ["QueueMaxPollingIntervalMilliseconds"] = "200",
                ["QueueVisibilityTimeoutSeconds"] = "5",
                ["DurableTaskHubName"] = hub,
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            };
            foreach (var (k, v) in settings ?? new Dictionary<string, string>())
            {
                env[k] = v;
            }

            return AppProcess.StartAsync(port, env);
        }).ToList();
        try
        {
            return new AppCluster(await Task.WhenAll(starting), environments, azurite, ownsAzurite: storage is null);
        }
        catch
        {
            foreach (var task in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await task.Result.DisposeAsync();
            }

            if (storage is null)
            {
                await azurite.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// kill -9: SIGKILL by PID to the instance's process tree (its guard shell and the app), no graceful shutdown —
    /// nothing in flight is finished, nothing is flushed, no lease is released. Returns once the process is gone.
    /// </summary>
    public async Task KillAsync(int index)
    {
        var instance = Interlocked.Exchange(ref _instances[index], null) ?? throw new InvalidOperationException($"Instance {index} was already killed.");
        await instance.DisposeAsync(); // AppProcess stops by Process.Kill(entireProcessTree), i.e. SIGKILL, and waits for the exit
    }

    /// <summary>Starts a killed instance again, on its port (so with its durable worker id) and with its settings.</summary>
    public async Task RestartAsync(int index)
    {
        if (Volatile.Read(ref _instances[index]) is not null)
        {
            throw new InvalidOperationException($"Instance {index} is running.");
        }

        var started = await AppProcess.StartAsync(_addresses[index].Port, _environments[index]);
        if (Interlocked.CompareExchange(ref _instances[index], started, null) is not null)
        {
            await started.DisposeAsync();
            throw new InvalidOperationException($"Instance {index} was restarted twice.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _instances.Length; i++)
        {
            if (Interlocked.Exchange(ref _instances[i], null) is { } instance)
            {
                await instance.DisposeAsync();
            }
        }

        if (_ownAzurite is not null)
        {
            await _ownAzurite.DisposeAsync();
        }
    }

    // ----- setting up a chain through the API of the first live instance -----

    public sealed record Member(string MemberId, string Token);

    private HttpClient SetupClient => Client(Alive[0]);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, string? secret, int expected)
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

        using var response = await SetupClient.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"{method} {path}: expected {expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> GetAsync(string path, string? secret = null) => SendAsync(HttpMethod.Get, path, null, secret, 200);

    /// <summary>A chain with one store, its leader and one member (the member's phone is not kept).</summary>
    public async Task<TestApp.ChainFixture> NewChainWithPeopleAsync()
    {
        var chain = await SendAsync(HttpMethod.Post, "/api/chains", new { name = "多实例连锁" }, TestApp.PlatformKey, 201);
        var (chainId, adminKey) = (chain.GetProperty("chainId").GetString()!, chain.GetProperty("adminKey").GetString()!);
        var storeId = (await SendAsync(HttpMethod.Post, $"/api/chains/{chainId}/stores", new { name = "幸福里店", address = "幸福路 1 号" }, adminKey, 201)).GetProperty("storeId").GetString()!;
        var leader = await SendAsync(HttpMethod.Post, $"/api/chains/{chainId}/leaders", new { name = "王团长", storeId }, adminKey, 201);
        var phone = TestApp.NewPhone();
        var member = await SendAsync(HttpMethod.Post, $"/api/chains/{chainId}/members", new { name = "李阿姨", phone, storeId }, null, 201);
        return new TestApp.ChainFixture(chainId, adminKey, storeId, leader.GetProperty("leaderId").GetString()!, leader.GetProperty("leaderKey").GetString()!,
            member.GetProperty("memberId").GetString()!, member.GetProperty("memberToken").GetString()!, phone);
    }

    /// <summary><paramref name="count"/> new members of the fixture's store, joined 16 at a time.</summary>
    public async Task<Member[]> NewMembersAsync(TestApp.ChainFixture f, int count)
    {
        var members = new Member[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var member = await SendAsync(HttpMethod.Post, $"/api/chains/{f.ChainId}/members", new { name = $"邻居{i}", phone = TestApp.NewPhone(), storeId = f.StoreId }, null, 201);
            members[i] = new Member(member.GetProperty("memberId").GetString()!, member.GetProperty("memberToken").GetString()!);
        });
        return members;
    }

    /// <summary>A campaign of the fixture's store with one item, taken live by its leader; returns its id and item id.</summary>
    public async Task<(string CampaignId, string ItemId)> NewLiveCampaignAsync(TestApp.ChainFixture f, int stock, int? perMemberLimit = null)
    {
        var productId = (await SendAsync(HttpMethod.Post, $"/api/chains/{f.ChainId}/products", new { name = "阳山水蜜桃", category = "水果", unit = "盒" }, f.AdminKey, 201))
            .GetProperty("productId").GetString()!;
        var now = DateTimeOffset.UtcNow;
        var campaign = await SendAsync(HttpMethod.Post, $"/api/chains/{f.ChainId}/campaigns", new
        {
            title = "多实例爆款专场", storeId = f.StoreId, leaderId = f.LeaderId,
            items = new[] { new { productId, priceFen = 3990, livePriceFen = 2990, stock, minGroupSize = 1, perMemberLimit } },
            preheatAt = now.AddMinutes(-5), liveStartAt = now.AddMinutes(-1), liveEndAt = now.AddHours(5), pickupUntil = now.AddDays(2),
        }, f.LeaderKey, 201);
        var campaignId = campaign.GetProperty("campaignId").GetString()!;
        await SendAsync(HttpMethod.Post, $"/api/campaigns/{campaignId}/actions/go-live", null, f.LeaderKey, 200);
        return (campaignId, campaign.GetProperty("items")[0].GetProperty("itemId").GetString()!);
    }
}
