using System.Net.Http.Json;
using System.Text.Json;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Hosting;

public sealed class DemoSeedTests
{
    [Fact]
    public async Task TheDemoSeedMakesAPlayableChainAndRerunningItFindsTheSameOne()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(storage: azurite);

        var first = await DemoSeed.RunAsync(app.Client, TestApp.PlatformKey, TimeProvider.System);
        var again = await DemoSeed.RunAsync(app.Client, TestApp.PlatformKey, TimeProvider.System);

        Assert.Equal(first.ChainId, again.ChainId);
        Assert.Equal(first.CampaignId, again.CampaignId);
        var me = await TestApp.OkJsonAsync(await app.GetAsync("/api/me", again.LeaderKey));
        Assert.Equal("leader", me.GetProperty("role").GetString());
        Assert.Single((await TestApp.OkJsonAsync(await app.GetAsync($"/api/chains/{again.ChainId}/stores"))).EnumerateArray());

        var campaign = await TestApp.OkJsonAsync(await app.GetAsync($"/api/campaigns/{again.CampaignId}"));
        Assert.True(campaign.GetProperty("liveStartAt").GetDateTimeOffset() > DateTimeOffset.UtcNow, "about to go live");
        Assert.Equal(1, campaign.GetProperty("reservationCount").GetInt32());
        var productId = campaign.GetProperty("items")[0].GetProperty("productId").GetString();
        var traceability = await app.Client.GetFromJsonAsync<JsonElement>($"/api/products/{productId}/traceability");
        var report = Assert.Single(traceability.GetProperty("reports").EnumerateArray());
        Assert.Equal("农残检测报告.pdf", report.GetProperty("name").GetString());
        await TestApp.OkJsonAsync(await app.GetAsync("/api/me", again.MemberTokens[1]));
    }

    [Fact]
    public async Task WithMemberVerificationOnTheDemoJoinsThroughTheLocalFakeSender()
    {
        // A local.settings.json made before the setting existed: verification on, codes to the local fake sender.
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["MemberVerification"] = "on" }, storage: azurite);

        var first = await DemoSeed.RunAsync(app.Client, TestApp.PlatformKey, TimeProvider.System);
        var again = await DemoSeed.RunAsync(app.Client, TestApp.PlatformKey, TimeProvider.System); // within the resend cooldown
        Assert.Equal(first.ChainId, again.ChainId);
        foreach (var token in again.MemberTokens)
        {
            Assert.Equal("member", (await TestApp.OkJsonAsync(await app.GetAsync("/api/me", token))).GetProperty("role").GetString());
        }
    }
}
