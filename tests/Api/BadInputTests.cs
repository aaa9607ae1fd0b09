using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>Bad input gets a problem+json 4xx a person can act on, and nothing is written.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private TestApp.ChainFixture _f = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.SharedAsync();
        _f = await _app.NewChainWithPeopleAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<int> StoreCountAsync() =>
        (await TestApp.OkJsonAsync(await _app.GetAsync($"/api/chains/{_f.ChainId}/stores"))).GetArrayLength();

    [Fact]
    public async Task MalformedJsonIsA400AndWritesNothing()
    {
        var problem = await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/stores", "{\"name\": \"x\", ", _f.AdminKey), 400, "validation");
        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await StoreCountAsync());
    }

    [Fact]
    public async Task AWrongJsonTypeIsA400NamingTheField()
    {
        var problem = await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/stores", "{\"name\": 42, \"address\": \"a\"}", _f.AdminKey), 400, "validation");
        Assert.Contains("name", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingBodyIsA400()
    {
        var response = await _app.SendAsync(HttpMethod.Post, $"/api/chains/{_f.ChainId}/stores", secret: _f.AdminKey);
        await TestApp.ProblemAsync(response, 400, "validation");
    }

    [Fact]
    public async Task MissingAndOversizeFieldsAreListedTogether()
    {
        var problem = await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/stores", new { name = new string('店', 61) }, _f.AdminKey), 400, "validation");
        var errors = problem.GetProperty("errors");
        Assert.Contains("60", errors.GetProperty("name")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("required", errors.GetProperty("address")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await StoreCountAsync());
    }

    [Fact]
    public async Task ALeaderForAStoreThatDoesNotExistIsRefused()
    {
        var problem = await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/leaders", new { name = "x", storeId = _f.ChainId + "-snothere00000" }, _f.AdminKey), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("storeId", out _));
    }

    [Fact]
    public async Task JoiningWithABadPhoneOrStoreIsRefused()
    {
        var problem = await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/members", new { name = "x", phone = "12345", storeId = "nope" }), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("phone", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("storeId", out _));
    }

    [Fact]
    public async Task UnknownIdsAreNotFound()
    {
        await TestApp.ProblemAsync(await _app.GetAsync("/api/chains/cnotachain00/stores"), 404, "not-found");
        await TestApp.ProblemAsync(await _app.GetAsync("/api/chains/garbage/stores"), 404, "not-found");
        await TestApp.ProblemAsync(await _app.PostAsync("/api/chains/cnotachain00/members", new { name = "x", phone = TestApp.NewPhone(), storeId = "s" }), 404, "not-found");
        await TestApp.ProblemAsync(await _app.PostAsync($"/api/leaders/{_f.ChainId}-lnothere0000/key/rotate", secret: _f.AdminKey), 404, "not-found");
        await TestApp.ProblemAsync(await _app.PostAsync($"/api/members/{_f.ChainId}-mnothere0000/token", secret: _f.AdminKey), 404, "not-found");
    }

    [Fact]
    public async Task AHugeBodyIsRefusedAsTooLarge()
    {
        var huge = "{\"name\":\"" + new string('x', 400_000) + "\",\"address\":\"a\"}";
        await TestApp.ProblemAsync(await _app.PostAsync($"/api/chains/{_f.ChainId}/stores", huge, _f.AdminKey), 413, "too-large");
        Assert.Equal(1, await StoreCountAsync());
    }

    [Fact]
    public async Task ANonJsonContentTypeIsExplained()
    {
        using var content = new StringContent("name=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/chains/{_f.ChainId}/stores") { Content = content };
        request.Headers.Authorization = new("Bearer", _f.AdminKey);
        var problem = await TestApp.ProblemAsync(await _app.Client.SendAsync(request), 400, "validation");
        Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRoutesAndWrongMethodsAnswerProblemJson()
    {
        await TestApp.ProblemAsync(await _app.GetAsync("/api/nothing-here"), 404, "not-found");
        await TestApp.ProblemAsync(await _app.SendAsync(HttpMethod.Delete, "/api/chains"), 405, "method-not-allowed");
    }
}
