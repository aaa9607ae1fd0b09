using Microsoft.Extensions.DependencyInjection;
using ServerlessCommerce.Events;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

public sealed class ChainsAndPeopleTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.SharedAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task HealthSaysOkOnceStorageIsReachable()
    {
        var health = await TestApp.OkJsonAsync(await _app.GetAsync("/api/health"));
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("local", health.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task OpenApiDocumentDescribesThePublicRoutes()
    {
        var doc = await TestApp.OkJsonAsync(await _app.GetAsync("/api/openapi.json"));
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var route in new[] { "/api/chains", "/api/chains/{chainId}/stores", "/api/chains/{chainId}/leaders", "/api/chains/{chainId}/members", "/api/chains/{chainId}/members/verification", "/api/me", "/api/members/{memberId}/token", "/api/members/me/token", "/api/leaders/{leaderId}/key/rotate", "/api/chains/{chainId}/admin-key/rotate", "/api/health" })
        {
            Assert.Contains(route, paths);
        }
    }

    [Fact]
    public async Task EveryAnswerCarriesACorrelationIdAndEchoesTheCallersOne()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/nothing-here");
        request.Headers.Add("x-correlation-id", "abc-123");
        using var response = await _app.Client.SendAsync(request);
        Assert.Equal("abc-123", response.Headers.GetValues("x-correlation-id").Single());
        var problem = await TestApp.ProblemAsync(response, 404, "not-found");
        Assert.Equal("abc-123", problem.GetProperty("traceId").GetString());

        using var plain = await _app.GetAsync("/api/health");
        Assert.False(string.IsNullOrEmpty(plain.Headers.GetValues("x-correlation-id").Single()));
    }

    [Fact]
    public async Task OpenApiDocumentsProblemAnswers()
    {
        var doc = await TestApp.OkJsonAsync(await _app.GetAsync("/api/openapi.json"));
        var responses = doc.GetProperty("paths").GetProperty("/api/chains").GetProperty("post").GetProperty("responses");
        Assert.True(responses.TryGetProperty("401", out var unauthorized));
        Assert.True(unauthorized.GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.True(responses.TryGetProperty("201", out _));
    }

    [Fact]
    public async Task ConsolePageIsServedAtTheRoot()
    {
        var response = await _app.GetAsync("/");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PlatformCreatesAChainWhoseAdminBuildsStoresLeadersAndMembersJoin()
    {
        var chain = await TestApp.OkJsonAsync(await _app.PostAsync("/api/chains", new { name = "邻里鲜", timeZone = "Asia/Shanghai" }, TestApp.PlatformKey), 201);
        var chainId = chain.GetProperty("chainId").GetString()!;
        var adminKey = chain.GetProperty("adminKey").GetString()!;
        Assert.Equal("邻里鲜", chain.GetProperty("name").GetString());
        Assert.Equal("Asia/Shanghai", chain.GetProperty("timeZone").GetString());

        var store = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{chainId}/stores", new { name = "幸福里店", address = "幸福路 1 号" }, adminKey), 201);
        var storeId = store.GetProperty("storeId").GetString()!;
        var stores = await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{chainId}/stores"));
        Assert.Equal(storeId, Assert.Single(stores.EnumerateArray()).GetProperty("storeId").GetString());

        var leader = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{chainId}/leaders", new { name = "王团长", storeId }, adminKey), 201);
        var leaderKey = leader.GetProperty("leaderKey").GetString()!;
        var leaders = await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{chainId}/leaders", adminKey));
        Assert.Single(leaders.EnumerateArray());
        Assert.False(leaders[0].TryGetProperty("leaderKey", out _));

        var member = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{chainId}/members", new { name = "李阿姨", phone = "138 1234 5678", storeId }), 201);
        Assert.Equal("138****5678", member.GetProperty("maskedPhone").GetString());
        Assert.Matches("^[0-9a-z]{8}$", member.GetProperty("referralCode").GetString());

        var meAdmin = await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", adminKey));
        Assert.Equal("admin", meAdmin.GetProperty("role").GetString());
        Assert.Equal(chainId, meAdmin.GetProperty("chainId").GetString());
        var meLeader = await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", leaderKey));
        Assert.Equal("leader", meLeader.GetProperty("role").GetString());
        Assert.Equal(leader.GetProperty("leaderId").GetString(), meLeader.GetProperty("leaderId").GetString());
        Assert.Equal(storeId, meLeader.GetProperty("storeId").GetString());
        var meMember = await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", member.GetProperty("memberToken").GetString()));
        Assert.Equal("member", meMember.GetProperty("role").GetString());
        Assert.Equal(member.GetProperty("memberId").GetString(), meMember.GetProperty("memberId").GetString());
        var mePlatform = await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", TestApp.PlatformKey));
        Assert.Equal("platform", mePlatform.GetProperty("role").GetString());
    }

    [Fact]
    public async Task ChainTimeZoneDefaultsToShanghaiAndMustBeIana()
    {
        var chain = await TestApp.OkJsonAsync(await _app.PostAsync("/api/chains", new { name = "默认时区" }, TestApp.PlatformKey), 201);
        Assert.Equal("Asia/Shanghai", chain.GetProperty("timeZone").GetString());

        var bad = await TestApp.ProblemAsync(await _app.PostAsync("/api/chains", new { name = "x", timeZone = "Mars/Olympus" }, TestApp.PlatformKey), 400, "validation");
        Assert.True(bad.GetProperty("errors").TryGetProperty("timeZone", out _));
    }

    [Fact]
    public async Task APhoneThatAlreadyJoinedTheChainIsRefusedEvenWrittenDifferently()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var again = await _app.PostAsync($"/api/chains/{f.ChainId}/members", new { name = "someone", phone = "+86 " + f.Phone, storeId = f.StoreId });
        await TestApp.ProblemAsync(again, 409, "member-exists");

        var (otherChain, otherAdmin) = await _app.NewChainAsync();
        var otherStore = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{otherChain}/stores", new { name = "别的店", address = "某路" }, otherAdmin), 201);
        await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{otherChain}/members",
            new { name = "李阿姨", phone = f.Phone, storeId = otherStore.GetProperty("storeId").GetString() }), 201);
    }

    [Fact]
    public async Task AReferralCodeLinksTheNewMemberAndAnUnknownOneIsRefused()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var me = await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", f.MemberToken));
        Assert.Equal(f.MemberId, me.GetProperty("memberId").GetString());
        var referrer = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{f.ChainId}/members", new { name = "张三", phone = TestApp.NewPhone(), storeId = f.StoreId }), 201);
        var code = referrer.GetProperty("referralCode").GetString();

        await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{f.ChainId}/members", new { name = "李四", phone = TestApp.NewPhone(), storeId = f.StoreId, referralCode = code }), 201);
        var bad = await _app.PostAsync($"/api/chains/{f.ChainId}/members", new { name = "王五", phone = TestApp.NewPhone(), storeId = f.StoreId, referralCode = "zzzzzzzz" });
        await TestApp.ProblemAsync(bad, 400, "validation");
    }

    [Fact]
    public async Task RotatingTheAdminKeyRetiresTheOldOne()
    {
        var (chainId, oldKey) = await _app.NewChainAsync();
        var rotated = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{chainId}/admin-key/rotate", secret: oldKey));
        var newKey = rotated.GetProperty("adminKey").GetString()!;

        Assert.NotEqual(oldKey, newKey);
        await TestApp.ProblemAsync(await _app.GetAsync("/api/me", oldKey), 401, "unauthorized");
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", newKey));
    }

    [Fact]
    public async Task RotatingALeaderKeyRetiresTheOldOne()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var rotated = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/leaders/{f.LeaderId}/key/rotate", secret: f.AdminKey));
        await TestApp.ProblemAsync(await _app.GetAsync("/api/me", f.LeaderKey), 401, "unauthorized");
        var me = await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", rotated.GetProperty("leaderKey").GetString()));
        Assert.Equal(f.LeaderId, me.GetProperty("leaderId").GetString());
    }

    [Fact]
    public async Task TheLeaderReissuesAMemberTokenAndTheOldTokenStopsWorking()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var reissued = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/members/{f.MemberId}/token", secret: f.LeaderKey));
        var newToken = reissued.GetProperty("memberToken").GetString()!;

        await TestApp.ProblemAsync(await _app.GetAsync("/api/me", f.MemberToken), 401, "unauthorized");
        var me = await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", newToken));
        Assert.Equal(f.MemberId, me.GetProperty("memberId").GetString());
    }

    [Fact]
    public async Task AMemberRefreshesTheirTokenAndTheOldOneStopsWorking()
    {
        var f = await _app.NewChainWithPeopleAsync();
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", f.MemberToken)); // known (and cached) before the refresh
        var refreshed = await TestApp.OkJsonAsync(await _app.PostAsync("/api/members/me/token", secret: f.MemberToken));
        var fresh = refreshed.GetProperty("memberToken").GetString()!;
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", fresh));
        await TestApp.ProblemAsync(await _app.GetAsync("/api/me", f.MemberToken), 401, "unauthorized");
        await TestApp.ProblemAsync(await _app.PostAsync("/api/members/me/token", secret: f.MemberToken), 401, "unauthorized");
    }

    [Fact]
    public async Task ALeaderOfAnotherStoreCannotReissueTheMembersToken()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var otherStore = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{f.ChainId}/stores", new { name = "二店", address = "二路" }, f.AdminKey), 201);
        var otherLeader = await TestApp.OkJsonAsync(await _app.PostAsync($"/api/chains/{f.ChainId}/leaders",
            new { name = "赵团长", storeId = otherStore.GetProperty("storeId").GetString() }, f.AdminKey), 201);

        await TestApp.ProblemAsync(await _app.PostAsync($"/api/members/{f.MemberId}/token", secret: otherLeader.GetProperty("leaderKey").GetString()), 403, "forbidden");
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", f.MemberToken));
    }

    [Fact]
    public async Task SecretsAreStoredOnlyAsHashes()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var tables = _app.Services.GetRequiredService<ServerlessCommerce.Storage.ITableStore>();
        var rows = new List<ServerlessCommerce.Storage.TableEntity>();
        foreach (var table in new[] { "Chains", "Leaders", "Members" })
        {
            rows.AddRange(await tables.QueryAsync(table, ServerlessCommerce.Storage.TableQuery.Partition(f.ChainId)).ToListAsync());
        }

        var everything = string.Join("\n", rows.SelectMany(r => r.Properties.Values).Select(v => v?.ToString()));
        Assert.DoesNotContain(f.AdminKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(f.LeaderKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(f.MemberToken, everything, StringComparison.Ordinal);
        Assert.Contains(ServerlessCommerce.Identity.Secrets.Hash(f.AdminKey), everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DomainEventsReachTheChainsEventLogThroughTheQueue()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var log = _app.Services.GetRequiredService<EventLog>();
        IReadOnlyList<DomainEvent> events = [];
        for (var i = 0; i < 100 && events.Count < 4; i++)
        {
            await Task.Delay(100);
            events = await log.ListAsync(f.ChainId);
        }

        Assert.Equal(["chain.created", "leader.created", "member.joined", "store.created"], events.Select(e => e.Type).Order(StringComparer.Ordinal));
        Assert.Equal(f.MemberId, events.Single(e => e.Type == "member.joined").Data.GetProperty("memberId").GetString());
        Assert.DoesNotContain(f.Phone, string.Join(" ", events.Select(e => e.Data.GetRawText())), StringComparison.Ordinal);
    }
}
