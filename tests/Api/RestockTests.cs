using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>补货: the leader adds units to an item while live; its waitlist is served first, a retry adds nothing more.</summary>
public sealed class RestockTests : ChainTest
{
    private Task<HttpResponseMessage> RestockAsync(string campaignId, string itemId, object? body, string? secret, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/items/{itemId}/restock")
        {
            Content = body is null ? null : JsonContent.Create(body, options: JsonSerializerOptions.Web),
        };
        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return App.Client.SendAsync(request);
    }

    private async Task<JsonElement> ItemAsync(string campaignId, string itemId) =>
        (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("items").EnumerateArray().First(i => i.GetProperty("itemId").GetString() == itemId);

    [Fact]
    public async Task NewUnitsGoToTheWaitlistFirstThenToEveryoneAndTheItemNeverSellsMoreThanItsStock()
    {
        var (id, scarce, _) = await WaitlistTests.NewTwoItemCampaignAsync(App, Chain, scarce: 1);
        var (_, waiting) = await App.NewMemberAsync(Chain, "张小红");
        var (_, other) = await App.NewMemberAsync(Chain, "赵六");
        await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, scarce), 201);
        await TestApp.OkJsonAsync(await WaitlistTests.JoinAsync(App, id, scarce, waiting, quantity: 2), 201);

        // Three more units: two held for her claim, one for anyone.
        var restock = await TestApp.OkJsonAsync(await RestockAsync(id, scarce, new { quantity = 3 }, Chain.LeaderKey, "restock-1"));
        Assert.Equal((3, 4, 1, 2), (restock.GetProperty("quantity").GetInt32(), restock.GetProperty("stock").GetInt32(),
            restock.GetProperty("remaining").GetInt32(), restock.GetProperty("held").GetInt32()));
        var claim = Assert.Single(await WaitlistTests.MineAsync(App, id, waiting));
        Assert.Equal("claimed", claim.GetProperty("status").GetString());

        // Others get the one free unit, not the held ones.
        await TestApp.ProblemAsync(await App.OrderAsync(id, other, scarce, quantity: 2), 409, "sold-out");
        await TestApp.OkJsonAsync(await App.OrderAsync(id, other, scarce), 201);
        await TestApp.ProblemAsync(await App.OrderAsync(id, other, scarce), 409, "sold-out");

        // Her claim is hers: her order takes both units; the item is sold out at its new stock, exactly.
        await TestApp.OkJsonAsync(await App.OrderAsync(id, waiting, scarce, quantity: 2), 201);
        var item = await ItemAsync(id, scarce);
        Assert.Equal((4, 4, 0), (item.GetProperty("stock").GetInt32(), item.GetProperty("sold").GetInt32(), item.GetProperty("remaining").GetInt32()));
    }

    [Fact]
    public async Task RetriesWithTheSameKeyAddOnceEvenInParallelAndEachNewKeyAddsAgain()
    {
        var (id, scarce, _) = await WaitlistTests.NewTwoItemCampaignAsync(App, Chain, scarce: 5);
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => RestockAsync(id, scarce, new { quantity = 10 }, Chain.LeaderKey, "same-key")));
        var ids = new HashSet<string>();
        foreach (var answer in answers)
        {
            ids.Add((await TestApp.OkJsonAsync(answer)).GetProperty("restockId").GetString()!);
        }

        Assert.Single(ids);
        Assert.Equal(15, (await ItemAsync(id, scarce)).GetProperty("stock").GetInt32());

        await TestApp.OkJsonAsync(await RestockAsync(id, scarce, new { quantity = 5 }, Chain.AdminKey, "another-key"));
        var item = await ItemAsync(id, scarce);
        Assert.Equal((20, 20), (item.GetProperty("stock").GetInt32(), item.GetProperty("remaining").GetInt32()));
    }

    [Fact]
    public async Task BadInputWrongCallersAndPhasesAreRefusedAndAddNothing()
    {
        var (id, scarce, _) = await WaitlistTests.NewTwoItemCampaignAsync(App, Chain, scarce: 5);
        foreach (var body in new object?[] { new { quantity = 0 }, new { quantity = 10_001 }, new { quantity = -3 }, new { }, null })
        {
            var problem = await TestApp.ProblemAsync(await RestockAsync(id, scarce, body, Chain.LeaderKey), 400, "validation");
            Assert.DoesNotContain("Exception", problem.GetRawText());
        }

        await TestApp.ProblemAsync(await RestockAsync(id, "no-such-item", new { quantity = 1 }, Chain.LeaderKey), 404, "not-found");
        await TestApp.ProblemAsync(await RestockAsync(id, scarce, new { quantity = 1 }, Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await RestockAsync(id, scarce, new { quantity = 1 }, null), 401, "unauthorized");
        var otherChain = await App.NewChainWithPeopleAsync();
        await TestApp.ProblemAsync(await RestockAsync(id, scarce, new { quantity = 1 }, otherChain.LeaderKey), 403, "forbidden");
        Assert.Equal(5, (await ItemAsync(id, scarce)).GetProperty("stock").GetInt32());

        // After close nothing is added; before go-live the campaign is edited instead.
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/actions/close", secret: Chain.LeaderKey));
        await TestApp.ProblemAsync(await RestockAsync(id, scarce, new { quantity = 1 }, Chain.LeaderKey), 409, "invalid-transition");
        var (draft, draftItem) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var early = await TestApp.ProblemAsync(await RestockAsync(draft, draftItem, new { quantity = 1 }, Chain.LeaderKey), 409, "invalid-transition");
        Assert.Contains("editing the campaign", early.GetProperty("detail").GetString());
    }
}
