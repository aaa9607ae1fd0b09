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

    [Theory]
    [InlineData("%23x")]
    [InlineData("%3Fx")]
    [InlineData("%5Cx")]
    [InlineData("LONG")]
    public async Task PollIdsWithReservedCharactersOrHugeLengthAreNotFound(string suffix)
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var poll = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls", new { question = "哪个?", options = new[] { "a", "b" } }, Chain.LeaderKey), 201);
        var pollId = poll.GetProperty("pollId").GetString() + (suffix == "LONG" ? new string('a', 600) : suffix);
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls/{pollId}/votes", new { option = 0 }, Chain.MemberToken), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls/{pollId}/close", secret: Chain.LeaderKey), 404, "not-found");
    }

    [Fact]
    public async Task ANullItemIsA400NamingTheElement()
    {
        var now = DateTimeOffset.UtcNow;
        var body = $$"""{"title":"t","storeId":"{{Chain.StoreId}}","leaderId":"{{Chain.LeaderId}}","items":[null],"liveStartAt":"{{now.AddHours(3):O}}","liveEndAt":"{{now.AddHours(5):O}}"}""";
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", body, Chain.LeaderKey), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("items[0]", out _), problem.ToString());
    }

    [Theory]
    [InlineData("from=0001-01-01", "from")]
    [InlineData("to=9999-12-31", "to")]
    [InlineData("from=0001-01-01T00:00:00Z&to=2026-01-01", "from")]
    public async Task ADashboardDateOutsideTheCalendarIsA400NamingIt(string query, string field)
    {
        var problem = await TestApp.ProblemAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/dashboard?{query}", Chain.AdminKey), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task AWrongJsonTypeNamesTheFieldAndTheKindExpectedNotAnInternalType()
    {
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", "{\"name\": 5, \"phone\": \"13812341234\"}"), 400, "validation");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("name must be text", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("ServerlessCommerce", problem.ToString(), StringComparison.Ordinal);

        var whole = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", "[1]"), 400, "validation");
        Assert.DoesNotContain("ServerlessCommerce", whole.ToString(), StringComparison.Ordinal);
        Assert.Contains("JSON object", whole.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        var order = await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls", "{\"question\": \"q\", \"options\": [\"a\", 7]}", Chain.LeaderKey), 400, "validation");
        Assert.Contains("options[1] must be text", order.GetProperty("detail").GetString(), StringComparison.Ordinal);
        _ = itemId;
    }

    [Theory]
    [InlineData("\u200b")]
    [InlineData("\u200c\u200d")]
    [InlineData("\u2060 \ufeff")]
    [InlineData("  \u200b\u3000")]
    public async Task TextOfOnlyInvisibleCharactersIsEmpty(string invisible)
    {
        var join = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", $$"""{"name":"{{invisible}}","phone":"{{TestApp.NewPhone()}}","storeId":"{{Chain.StoreId}}"}"""), 400, "validation");
        Assert.Contains("no visible characters", join.GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);

        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var comment = await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/comments", $$"""{"text":"{{invisible}}"}""", Chain.MemberToken), 400, "validation");
        Assert.True(comment.GetProperty("errors").TryGetProperty("text", out _), comment.ToString());

        var poll = await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/polls", $$"""{"question":"q","options":["a","{{invisible}}"]}""", Chain.LeaderKey), 400, "validation");
        Assert.True(poll.GetProperty("errors").TryGetProperty("options[1]", out _), poll.ToString());
    }

    [Fact]
    public async Task AGarbageSecretIsA401OnPublicRoutesToo()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        foreach (var path in new[] { $"/api/chains/{Chain.ChainId}/stores", $"/api/campaigns/{campaignId}", $"/api/campaigns/{campaignId}/viewers", "/api/openapi.json" })
        {
            await TestApp.ProblemAsync(await App.GetAsync(path, "not-a-real-secret"), 401, "unauthorized");
            await TestApp.OkJsonAsync(await App.GetAsync(path));
        }

        await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/members", new { name = "x", phone = TestApp.NewPhone(), storeId = Chain.StoreId }, "garbage"), 401, "unauthorized");
        await TestApp.OkJsonAsync(await App.GetAsync("/api/health", "not-a-real-secret"));
    }

    [Theory]
    [InlineData("pickupUntil", "9999-12-31T00:00:00Z")]
    [InlineData("liveEndAt", "9999-12-31T20:00:00Z")]
    [InlineData("liveStartAt", "2001-01-01T00:00:00Z")]
    [InlineData("preheatAt", "0001-01-01T00:00:00Z")]
    [InlineData("pickupUntil", "+40d")]
    [InlineData("liveStartAt", "+400d")]
    public async Task ACampaignDateOutsideTheLimitsIsA400NamingItAndCreatesNothing(string field, string value)
    {
        var now = DateTimeOffset.UtcNow;
        var dates = new Dictionary<string, string>
        {
            ["preheatAt"] = now.AddHours(1).ToString("O"), ["liveStartAt"] = now.AddHours(2).ToString("O"),
            ["liveEndAt"] = now.AddHours(4).ToString("O"), ["pickupUntil"] = now.AddDays(2).ToString("O"),
        };
        dates[field] = value.StartsWith('+') ? now.AddDays(int.Parse(value[1..^1], System.Globalization.CultureInfo.InvariantCulture)).ToString("O") : value;
        if (field == "liveStartAt" && value.StartsWith('+'))
        {
            dates.Remove("preheatAt");
            dates["liveEndAt"] = now.AddDays(400).AddHours(2).ToString("O");
            dates.Remove("pickupUntil");
        }

        var productId = await App.NewProductAsync(Chain);
        var body = new Dictionary<string, object>
        {
            ["title"] = "t", ["storeId"] = Chain.StoreId, ["leaderId"] = Chain.LeaderId,
            ["items"] = new[] { new { productId, priceFen = 100, stock = 5, minGroupSize = 1 } },
        };
        foreach (var (k, v) in dates)
        {
            body[k] = v;
        }

        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", body, Chain.LeaderKey), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        var list = await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.LeaderKey));
        Assert.Equal(0, list.GetArrayLength());
    }

    [Fact]
    public async Task AnUnknownDefaultPickupOfAFarLiveEndIsRefusedNotOverflowed()
    {
        var productId = await App.NewProductAsync(Chain);
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new
        {
            title = "t", storeId = Chain.StoreId, leaderId = Chain.LeaderId,
            items = new[] { new { productId, priceFen = 100, stock = 5, minGroupSize = 1 } },
            liveStartAt = DateTimeOffset.MaxValue.AddHours(-3), liveEndAt = DateTimeOffset.MaxValue.AddHours(-1),
        }, Chain.LeaderKey), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("liveEndAt", out _), problem.ToString());
    }

    [Fact]
    public async Task PreheatAtIsOptionalAndDefaultsTo48HoursBeforeTheLive()
    {
        var productId = await App.NewProductAsync(Chain);
        var start = DateTimeOffset.UtcNow.AddDays(5);
        var campaign = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new
        {
            title = "t", storeId = Chain.StoreId, leaderId = Chain.LeaderId,
            items = new[] { new { productId, priceFen = 100, stock = 5, minGroupSize = 1 } },
            liveStartAt = start, liveEndAt = start.AddHours(2),
        }, Chain.LeaderKey), 201);
        Assert.Equal(start.AddHours(-48), campaign.GetProperty("preheatAt").GetDateTimeOffset(), TimeSpan.FromSeconds(1));
    }
}
