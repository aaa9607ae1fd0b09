using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>Creates with an Idempotency-Key: a retry finds what the first attempt made instead of making it twice.</summary>
public sealed class IdempotentCreateTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.SharedAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<HttpResponseMessage> PostWithKeyAsync(string path, object body, string? secret, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        request.Headers.Add("Idempotency-Key", key);
        if (secret is not null)
        {
            request.Headers.Authorization = new("Bearer", secret);
        }

        return await _app.Client.SendAsync(request);
    }

    [Fact]
    public async Task RetryingAChainCreateReturnsTheSameChainWithAFreshWorkingAdminKey()
    {
        var key = Guid.NewGuid().ToString();
        var first = await TestApp.OkJsonAsync(await PostWithKeyAsync("/api/chains", new { name = "重试连锁" }, TestApp.PlatformKey, key), 201);
        var again = await TestApp.OkJsonAsync(await PostWithKeyAsync("/api/chains", new { name = "重试连锁" }, TestApp.PlatformKey, key), 200);

        Assert.Equal(first.GetProperty("chainId").GetString(), again.GetProperty("chainId").GetString());
        await TestApp.ProblemAsync(await _app.GetAsync("/api/me", first.GetProperty("adminKey").GetString()), 401, "unauthorized");
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", again.GetProperty("adminKey").GetString()));

        await TestApp.ProblemAsync(await PostWithKeyAsync("/api/chains", new { name = "另一个" }, TestApp.PlatformKey, key), 409, "idempotency-conflict");
    }

    [Fact]
    public async Task RetryingAStoreCreateMakesOneStore()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var key = Guid.NewGuid().ToString();
        var body = new { name = "二号店", address = "二号路" };
        var first = await TestApp.OkJsonAsync(await PostWithKeyAsync($"/api/chains/{f.ChainId}/stores", body, f.AdminKey, key), 201);
        var again = await TestApp.OkJsonAsync(await PostWithKeyAsync($"/api/chains/{f.ChainId}/stores", body, f.AdminKey, key), 200);

        Assert.Equal(first.GetProperty("storeId").GetString(), again.GetProperty("storeId").GetString());
        Assert.Equal(2, (await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{f.ChainId}/stores"))).GetArrayLength());
        await TestApp.ProblemAsync(await PostWithKeyAsync($"/api/chains/{f.ChainId}/stores", new { name = "三号店", address = "x" }, f.AdminKey, key), 409, "idempotency-conflict");
    }

    [Fact]
    public async Task RetryingALeaderCreateMakesOneLeaderAndOnlyTheLatestKeyWorks()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var key = Guid.NewGuid().ToString();
        var body = new { name = "新团长", storeId = f.StoreId };
        var first = await TestApp.OkJsonAsync(await PostWithKeyAsync($"/api/chains/{f.ChainId}/leaders", body, f.AdminKey, key), 201);
        var again = await TestApp.OkJsonAsync(await PostWithKeyAsync($"/api/chains/{f.ChainId}/leaders", body, f.AdminKey, key), 200);

        Assert.Equal(first.GetProperty("leaderId").GetString(), again.GetProperty("leaderId").GetString());
        Assert.Equal(2, (await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{f.ChainId}/leaders", f.AdminKey))).GetArrayLength());
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", again.GetProperty("leaderKey").GetString()));
        await TestApp.ProblemAsync(await _app.GetAsync("/api/me", first.GetProperty("leaderKey").GetString()), 401, "unauthorized");
    }

    [Fact]
    public async Task RetryingAJoinReturnsTheSameMemberInsteadOfMemberExists()
    {
        var f = await _app.NewChainWithPeopleAsync();
        var key = Guid.NewGuid().ToString();
        var body = new { name = "周大爷", phone = TestApp.NewPhone(), storeId = f.StoreId };
        var first = await TestApp.OkJsonAsync(await PostWithKeyAsync($"/api/chains/{f.ChainId}/members", body, null, key), 201);
        var again = await TestApp.OkJsonAsync(await PostWithKeyAsync($"/api/chains/{f.ChainId}/members", body, null, key), 200);

        Assert.Equal(first.GetProperty("memberId").GetString(), again.GetProperty("memberId").GetString());
        Assert.Equal(first.GetProperty("referralCode").GetString(), again.GetProperty("referralCode").GetString());
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", first.GetProperty("memberToken").GetString()));
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", again.GetProperty("memberToken").GetString()));

        // Without the key, the same phone is still one member.
        await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{f.ChainId}/members", body), 409, "member-exists");
    }

    [Fact]
    public async Task ABadIdempotencyKeyIsRefused() =>
        await TestApp.ProblemAsync(await PostWithKeyAsync("/api/chains", new { name = "x" }, TestApp.PlatformKey, new string('k', 101)), 400, "validation");
}
