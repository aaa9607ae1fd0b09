using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>Headers every API answer carries, and the CORS setting for a chain's own front end.</summary>
public sealed class ApiHeadersTests : ChainTest
{
    [Fact]
    public async Task ApiAnswersAreNosniffAndAuthenticatedOnesAreNotStored()
    {
        using var authenticated = await App.GetAsync("/api/me", Chain.AdminKey);
        Assert.Equal("nosniff", authenticated.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(authenticated.Headers.CacheControl?.NoStore, "an authenticated answer must carry Cache-Control: no-store");

        using var refused = await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard?from=x", Chain.AdminKey);
        Assert.Equal(400, (int)refused.StatusCode);
        Assert.Equal("nosniff", refused.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(refused.Headers.CacheControl?.NoStore, "a refused authenticated answer must carry no-store too");

        using var anonymous = await App.GetAsync($"/api/chains/{Chain.ChainId}/stores");
        Assert.Equal("nosniff", anonymous.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(anonymous.Headers.Contains("Access-Control-Allow-Origin"), "CORS is off by default");
    }

    [Fact]
    public async Task CorsAllowsOnlyTheConfiguredOrigins()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["CorsAllowedOrigins"] = "https://shop.example.com, https://m.example.com/" });
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/me");
        preflight.Headers.Add("Origin", "https://m.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var allowed = await app.Client.SendAsync(preflight);
        Assert.Equal(204, (int)allowed.StatusCode);
        Assert.Equal("https://m.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Authorization", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);

        using var get = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        get.Headers.Add("Origin", "https://shop.example.com");
        using var answer = await app.Client.SendAsync(get);
        Assert.Equal("https://shop.example.com", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var stranger = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        stranger.Headers.Add("Origin", "https://evil.example.com");
        using var refused = await app.Client.SendAsync(stranger);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
