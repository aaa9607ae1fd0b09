using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>The chain's live-stream provider and the leader's signed push URL, against the real app and Azurite.</summary>
public sealed class StreamProviderTests : ChainTest
{
    private const string PushKey = "pushkey-7f3a9c21e84b";
    private const string PlayKey = "playkey-51d0b6ea2c93";

    private string ProviderPath => $"/api/chains/{Chain.ChainId}/stream-provider";

    private Task<HttpResponseMessage> PutProviderAsync(object body, string? secret = null) => App.SendAsync(HttpMethod.Put, ProviderPath, body, secret ?? Chain.AdminKey);

    private Task<HttpResponseMessage> SetTencentAsync(int validHours = 12) => PutProviderAsync(new
    {
        kind = "tencent-css", pushDomain = "push.example.com", playDomain = "play.example.com", pushKey = PushKey, playKey = PlayKey, validHours,
    });

    private static string Md5Hex(string text) =>
#pragma warning disable CA5351 // Tencent Cloud CSS's documented signature
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351

    private static Dictionary<string, string> Query(string url) =>
        url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public async Task TheAdminSetsATencentProviderAndReadsItBackWithoutTheKeys()
    {
        var set = await TestApp.OkJsonAsync(await SetTencentAsync());
        Assert.True(set.GetProperty("configured").GetBoolean());
        Assert.Equal("live", set.GetProperty("appName").GetString());

        var response = await App.GetAsync(ProviderPath, Chain.AdminKey);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? string.Empty, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        var read = await TestApp.OkJsonAsync(response);
        Assert.Equal(("tencent-css", "push.example.com", "play.example.com", 12), (read.GetProperty("kind").GetString(), read.GetProperty("pushDomain").GetString(),
            read.GetProperty("playDomain").GetString(), read.GetProperty("validHours").GetInt32()));
        Assert.True(read.GetProperty("hasPushKey").GetBoolean());
        Assert.True(read.GetProperty("hasPlayKey").GetBoolean());
        Assert.DoesNotContain(PushKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(PlayKey, text, StringComparison.Ordinal);

        // Changing a domain without sending the keys keeps them.
        var changed = await TestApp.OkJsonAsync(await PutProviderAsync(new { kind = "tencent-css", pushDomain = "push2.example.com", playDomain = "play.example.com" }));
        Assert.True(changed.GetProperty("hasPushKey").GetBoolean());
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var push = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/stream/push", Chain.LeaderKey));
        Assert.Equal("rtmp://push2.example.com/live/", push.GetProperty("server").GetString());
        Assert.Contains("txSecret=", push.GetProperty("streamKey").GetString(), StringComparison.Ordinal);

        // Only the admin: the leader may not read or change it.
        await TestApp.ProblemAsync(await App.GetAsync(ProviderPath, Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await PutProviderAsync(new { kind = "tencent-css", pushDomain = "evil.example.com" }, Chain.LeaderKey), 403, "forbidden");
        var (otherChain, otherAdmin) = await App.NewChainAsync();
        await TestApp.ProblemAsync(await App.GetAsync(ProviderPath, otherAdmin), 403, "forbidden");
        Assert.NotEqual(otherChain, Chain.ChainId);
    }

    [Fact]
    public async Task TheLeaderGetsAPushUrlWhoseTxSecretVerifiesAndExpiresValidHoursAhead()
    {
        await TestApp.OkJsonAsync(await SetTencentAsync(validHours: 12));
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);

        var response = await App.GetAsync($"/api/campaigns/{campaignId}/stream/push", Chain.LeaderKey);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? string.Empty, StringComparison.Ordinal);
        var push = await TestApp.OkJsonAsync(response);
        var streamName = "sc_" + campaignId;
        Assert.Equal(streamName, push.GetProperty("streamName").GetString());
        Assert.Equal("rtmp://push.example.com/live/", push.GetProperty("server").GetString());
        var streamKey = push.GetProperty("streamKey").GetString()!;
        Assert.StartsWith(streamName + "?", streamKey, StringComparison.Ordinal);
        var pushUrl = push.GetProperty("pushUrl").GetString()!;
        Assert.Equal("rtmp://push.example.com/live/" + streamKey, pushUrl);

        var q = Query(pushUrl);
        Assert.Matches("^[0-9A-F]+$", q["txTime"]);
        Assert.Equal(Md5Hex(PushKey + streamName + q["txTime"]), q["txSecret"]);
        var expires = DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(q["txTime"], 16));
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddHours(12).AddMinutes(-2), DateTimeOffset.UtcNow.AddHours(12).AddMinutes(2));
        Assert.Equal(expires, push.GetProperty("expiresAt").GetDateTimeOffset());

        // The playback URL members get is the provider's, signed with the play key.
        var playback = push.GetProperty("playbackUrl").GetString()!;
        Assert.StartsWith($"https://play.example.com/live/{streamName}.m3u8?", playback, StringComparison.Ordinal);
        var pq = Query(playback);
        Assert.Equal(Md5Hex(PlayKey + streamName + pq["txTime"]), pq["txSecret"]);

        // The admin may ask too.
        await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/stream/push", Chain.AdminKey));
    }

    [Fact]
    public async Task AnotherStoresLeaderAMemberAndAnotherChainAreRefused()
    {
        await TestApp.OkJsonAsync(await SetTencentAsync());
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var store = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/stores", new { name = "阳光里店", address = "阳光路 2 号" }, Chain.AdminKey), 201);
        var leader = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/leaders",
            new { name = "赵团长", storeId = store.GetProperty("storeId").GetString() }, Chain.AdminKey), 201);
        var path = $"/api/campaigns/{campaignId}/stream/push";

        await TestApp.ProblemAsync(await App.GetAsync(path, leader.GetProperty("leaderKey").GetString()), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync(path, Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync(path), 401, "unauthorized");
        var (_, otherAdmin) = await App.NewChainAsync();
        await TestApp.ProblemAsync(await App.GetAsync(path, otherAdmin), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{Chain.ChainId}-cnosuchcampaign/stream/push", Chain.LeaderKey), 404, "not-found");
    }

    [Fact]
    public async Task WithoutAProviderThePushRouteAnswers409AndDeleteRemovesIt()
    {
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var none = await TestApp.OkJsonAsync(await App.GetAsync(ProviderPath, Chain.AdminKey));
        Assert.False(none.GetProperty("configured").GetBoolean());
        var problem = await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/stream/push", Chain.LeaderKey), 409, "no-stream-provider");
        Assert.Contains("stream-provider", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await TestApp.OkJsonAsync(await SetTencentAsync());
        await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/stream/push", Chain.LeaderKey));
        Assert.Equal(204, (int)(await App.SendAsync(HttpMethod.Delete, ProviderPath, secret: Chain.AdminKey)).StatusCode);
        Assert.Equal(204, (int)(await App.SendAsync(HttpMethod.Delete, ProviderPath, secret: Chain.AdminKey)).StatusCode); // idempotent
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/stream/push", Chain.LeaderKey), 409, "no-stream-provider");
        Assert.False((await TestApp.OkJsonAsync(await App.GetAsync(ProviderPath, Chain.AdminKey))).GetProperty("configured").GetBoolean());
        // The public view has no provider URL any more (this instance's cache was dropped on delete).
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        Assert.True(view.GetProperty("stream").ValueKind == JsonValueKind.Null);
    }

    [Theory]
    [InlineData("{\"kind\":\"tencent-css\",\"pushDomain\":\"rtmp://push.example.com/live\"}", "pushDomain")]
    [InlineData("{\"kind\":\"tencent-css\",\"pushDomain\":\"push.example.com\",\"playDomain\":\"play.example.com:8080\"}", "playDomain")]
    [InlineData("{\"kind\":\"tencent-css\"}", "pushDomain")]
    [InlineData("{\"kind\":\"tencent-css\",\"pushDomain\":\"push.example.com\",\"validHours\":100}", "validHours")]
    [InlineData("{\"kind\":\"templates\",\"pushUrlTemplate\":\"ftp://push.example.com/{streamName}\"}", "pushUrlTemplate")]
    [InlineData("{\"kind\":\"templates\",\"pushUrlTemplate\":\"rtmp://push.example.com/live/{streamName}\",\"playbackUrlTemplate\":\"http://play.example.com/{streamName}.m3u8\"}", "playbackUrlTemplate")]
    [InlineData("{\"kind\":\"templates\",\"pushUrlTemplate\":\"rtmp://push.example.com/live/{user}\"}", "pushUrlTemplate")]
    [InlineData("{\"kind\":\"youtube\"}", "kind")]
    public async Task BadDomainsAndTemplatesAre400NamingTheField(string body, string field)
    {
        var problem = await TestApp.ProblemAsync(await PutProviderAsync(body), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.False((await TestApp.OkJsonAsync(await App.GetAsync(ProviderPath, Chain.AdminKey))).GetProperty("configured").GetBoolean());
    }

    [Fact]
    public async Task APublicCampaignWithoutItsOwnPlaybackUrlPlaysTheProvidersAndOneWithItKeepsIt()
    {
        await TestApp.OkJsonAsync(await SetTencentAsync());
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}")); // anonymous, the live room's read
        var playback = view.GetProperty("stream").GetProperty("playbackUrl").GetString()!;
        var streamName = "sc_" + campaignId;
        Assert.StartsWith($"https://play.example.com/live/{streamName}.m3u8?txSecret=", playback, StringComparison.Ordinal);
        var q = Query(playback);
        Assert.Equal(Md5Hex(PlayKey + streamName + q["txTime"]), q["txSecret"]);
        // Signed to last past the live's end, and the same URL on the next read (the player does not restart).
        var liveEnd = view.GetProperty("liveEndAt").GetDateTimeOffset();
        Assert.True(DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(q["txTime"], 16)) > liveEnd);
        Assert.Equal(playback, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"))).GetProperty("stream").GetProperty("playbackUrl").GetString());

        // A campaign's own playback URL wins, and PATCH keeps working alongside.
        var edited = await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Patch, $"/api/campaigns/{campaignId}",
            new { stream = new { playbackUrl = "https://own.example.org/a.m3u8" } }, Chain.LeaderKey));
        Assert.Equal("https://own.example.org/a.m3u8", edited.GetProperty("stream").GetProperty("playbackUrl").GetString());
        var push = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/stream/push", Chain.LeaderKey));
        Assert.Equal("https://own.example.org/a.m3u8", push.GetProperty("playbackUrl").GetString());
    }

    [Fact]
    public async Task TheKeysAreNotStoredInClear()
    {
        await TestApp.OkJsonAsync(await SetTencentAsync());
        var tables = App.Services.GetRequiredService<ITableStore>();
        var row = await tables.GetAsync(ChainTables.Chains, Chain.ChainId, "stream-provider");
        Assert.NotNull(row);
        var values = row.Properties.Values.Select(v => v?.ToString() ?? string.Empty).ToList();
        Assert.Contains(values, v => v.StartsWith("v1.", StringComparison.Ordinal)); // the sealed keys are there…
        Assert.DoesNotContain(values, v => v.Contains(PushKey, StringComparison.Ordinal) || v.Contains(PlayKey, StringComparison.Ordinal)); // …but not the keys
        Assert.DoesNotContain(values, v => v.Contains("7f3a9c21", StringComparison.Ordinal));
    }
}
