using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>Bad input gets a problem+json 4xx a person can act on, and nothing is written.</summary>
public sealed class BadInputTests : ChainTest
{
    private async Task<int> StoreCountAsync() =>
        (await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/stores"))).GetArrayLength();

    [Fact]
    public async Task MalformedJsonIsA400AndWritesNothing()
    {
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", "{\"name\": \"x\", ", Chain.AdminKey), 400, "validation");
        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await StoreCountAsync());
    }

    [Fact]
    public async Task AWrongJsonTypeIsA400NamingTheField()
    {
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", "{\"name\": 42, \"address\": \"a\"}", Chain.AdminKey), 400, "validation");
        Assert.Contains("name", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingBodyIsA400()
    {
        var response = await App.SendAsync(HttpMethod.Post, $"/api/chains/{Chain.ChainId}/stores", secret: Chain.AdminKey);
        await TestApp.ProblemAsync(response, 400, "validation");
    }

    [Fact]
    public async Task MissingAndOversizeFieldsAreListedTogether()
    {
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = new string('店', 61) }, Chain.AdminKey), 400, "validation");
        var errors = problem.GetProperty("errors");
        Assert.Contains("60", errors.GetProperty("name")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("required", errors.GetProperty("address")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await StoreCountAsync());
    }

    [Fact]
    public async Task ALeaderForAStoreThatDoesNotExistIsRefused()
    {
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders", new { name = "x", storeId = Chain.ChainId + "-snothere00000" }, Chain.AdminKey), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("storeId", out _));
    }

    [Fact]
    public async Task JoiningWithABadPhoneOrStoreIsRefused()
    {
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name = "x", phone = "12345", storeId = "nope" }), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("phone", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("storeId", out _));
    }

    [Fact]
    public async Task UnknownIdsAreNotFound()
    {
        await TestApp.ProblemAsync(await App.GetAsync("/api/chains/cnotachain00/stores"), 404, "not-found");
        await TestApp.ProblemAsync(await App.GetAsync("/api/chains/garbage/stores"), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync("/api/chains/cnotachain00/members", new { name = "x", phone = TestApp.NewPhone(), storeId = "s" }), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/leaders/{Chain.ChainId}-lnothere0000/key/rotate", secret: Chain.AdminKey), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/members/{Chain.ChainId}-mnothere0000/token", secret: Chain.AdminKey), 404, "not-found");
    }

    [Fact]
    public async Task AHugeBodyIsRefusedAsTooLarge()
    {
        var huge = "{\"name\":\"" + new string('x', 400_000) + "\",\"address\":\"a\"}";
        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", huge, Chain.AdminKey), 413, "too-large");
        Assert.Equal(1, await StoreCountAsync());
    }

    [Fact]
    public async Task ANonJsonContentTypeIsExplained()
    {
        using var content = new StringContent("name=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/chains/{Chain.ChainId}/stores") { Content = content };
        request.Headers.Authorization = new("Bearer", Chain.AdminKey);
        var problem = await TestApp.ProblemAsync(await App.Client.SendAsync(request), 400, "validation");
        Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRoutesAndWrongMethodsAnswerProblemJson()
    {
        await TestApp.ProblemAsync(await App.GetAsync("/api/nothing-here"), 404, "not-found");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Delete, "/api/chains"), 405, "method-not-allowed");
    }
}
