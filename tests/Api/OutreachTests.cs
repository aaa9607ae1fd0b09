using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Outreach;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// Outreach: the notifications the outbox records reach members, once per member and notification (redelivered
/// events and queue messages, concurrent handlers), never an opted-out member, never inside quiet hours (deferred to
/// their end); Tencent Cloud SMS and WeChat subscribe requests as their APIs document them, against a local listener.
/// </summary>
public sealed class OutreachTests : ChainTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private async Task NoQuietHoursAsync(TestApp app, TestApp.ChainFixture f) =>
        await TestApp.OkJsonAsync(await app.SendAsync(HttpMethod.Put, $"/api/chains/{f.ChainId}/outreach-settings", new { quietHoursStart = "00:00", quietHoursEnd = "00:00" }, f.AdminKey));

    private static async Task<List<JsonElement>> DevSentAsync(TestApp app, string chainId) =>
        (await TestApp.OkJsonAsync(await app.GetAsync($"/api/dev/outreach?chainId={chainId}"))).EnumerateArray().Select(e => e.Clone()).ToList();

    private static async Task<List<Delivery>> DeliveriesAsync(TestApp app, string campaignId) =>
        (await app.Services.GetRequiredService<OutreachService>().DeliveriesAsync(campaignId, CancellationToken.None)).ToList();

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? patience = null)
    {
        var until = DateTime.UtcNow + (patience ?? Patience);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < until, $"timed out waiting: {what}");
            await Task.Delay(300);
        }
    }

    [Fact]
    public async Task EachBuyerGetsHerResultOnceEvenWhenEventsAndQueueMessagesAreRedeliveredAndHandledConcurrently()
    {
        await NoQuietHoursAsync(App, Chain);
        var (otherId, otherToken) = await App.NewMemberAsync(Chain, "张阿姨");
        var (campaignId, _) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (otherToken, "pickup"));

        var sent = await EventuallyAsync(() => DevSentAsync(App, Chain.ChainId), s => s.Count(m => m.GetProperty("kind").GetString() == "result") >= 2, "both results sent");
        var results = sent.Where(m => m.GetProperty("kind").GetString() == "result").ToList();
        Assert.Equal(new[] { Chain.MemberId, otherId }.Order(StringComparer.Ordinal), results.Select(m => m.GetProperty("memberId").GetString()!).Order(StringComparer.Ordinal));
        Assert.Contains("成团成功", results[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(Chain.Phone, results.Single(m => m.GetProperty("memberId").GetString() == Chain.MemberId).GetProperty("phone").GetString());

        // Redeliver everything: the outbox hands the same events over again, every queue message comes three more
        // times, and five handlers run each delivery at once (as on several instances).
        var tables = App.Services.GetRequiredService<ITableStore>();
        var queues = App.Services.GetRequiredService<IQueueStore>();
        var outreach = App.Services.GetRequiredService<OutreachService>();
        var events = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.EventPrefix)))
            .SelectMany(r => CampaignTables.ToEvents(r).ToAsyncEnumerable()).Where(e => e.Type.StartsWith("notification.", StringComparison.Ordinal)).ToListAsync();
        Assert.Equal(2, events.Count);
        await outreach.HandleAsync(events, CancellationToken.None);
        await outreach.HandleAsync(events, CancellationToken.None);
        var deliveries = await DeliveriesAsync(App, campaignId);
        Assert.Equal(2, deliveries.Count);
        foreach (var d in deliveries)
        {
            for (var i = 0; i < 3; i++)
            {
                await queues.SendAsync(OutreachService.QueueName, JsonSerializer.Serialize(new DeliveryWork(campaignId, d.DeliveryId), JsonSerializerOptions.Web));
            }
        }

        await Task.WhenAll(deliveries.SelectMany(d => Enumerable.Range(0, 5).Select(_ => outreach.DeliverAsync(campaignId, d.DeliveryId, CancellationToken.None))));
        // Let the redelivered messages be handled (the shared queue may also hold other tests' messages: wait a while at most).
        for (var i = 0; i < 60 && await queues.GetApproximateCountAsync(OutreachService.QueueName) > 0; i++)
        {
            await Task.Delay(500);
        }

        await Task.Delay(2000);

        var after = (await DevSentAsync(App, Chain.ChainId)).Where(m => m.GetProperty("kind").GetString() == "result").ToList();
        Assert.Equal(2, after.Count);
        Assert.All(await DeliveriesAsync(App, campaignId), d =>
        {
            Assert.Equal(DeliveryStates.Sent, d.State);
            Assert.Equal(1, d.Attempts);
            Assert.Equal("sms", d.Channel);
        });
    }

    [Fact]
    public async Task AMemberWhoOptedOutHearsNothingWhileHerNeighbourStillDoes()
    {
        await NoQuietHoursAsync(App, Chain);
        Assert.True((await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/preferences", Chain.MemberToken))).GetProperty("outreach").GetBoolean());
        var saved = await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, "/api/members/me/preferences", new { outreach = false }, Chain.MemberToken));
        Assert.False(saved.GetProperty("outreach").GetBoolean());
        Assert.False((await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/preferences", Chain.MemberToken))).GetProperty("outreach").GetBoolean());
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, "/api/members/me/preferences", new { outreach = true, channels = new[] { "fax" } }, Chain.MemberToken), 400, "validation");
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, "/api/members/me/preferences", new { outreach = true }, Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync("/api/members/me/preferences"), 401, "unauthorized");

        var (otherId, otherToken) = await App.NewMemberAsync(Chain, "张阿姨");
        var (campaignId, _) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (otherToken, "pickup"));

        var deliveries = await EventuallyAsync(() => DeliveriesAsync(App, campaignId), ds => ds.Count == 2 && ds.All(d => DeliveryStates.IsFinal(d.State)), "both deliveries settled");
        var mine = deliveries.Single(d => d.MemberId == Chain.MemberId);
        Assert.Equal(DeliveryStates.Skipped, mine.State);
        Assert.Equal("opted-out", mine.Reason);
        Assert.Equal(DeliveryStates.Sent, deliveries.Single(d => d.MemberId == otherId).State);
        var sent = await DevSentAsync(App, Chain.ChainId);
        Assert.DoesNotContain(sent, m => m.GetProperty("memberId").GetString() == Chain.MemberId);
        Assert.Contains(sent, m => m.GetProperty("memberId").GetString() == otherId);

        // The leader sees what the messages did, by kind; members and other chains may not.
        var summary = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/outreach", Chain.LeaderKey));
        Assert.True(summary.GetProperty("enabled").GetBoolean());
        var result = summary.GetProperty("kinds").EnumerateArray().Single(k => k.GetProperty("kind").GetString() == "result");
        Assert.Equal((1, 1, 0, 0, 0, 0), (result.GetProperty("sent").GetInt32(), result.GetProperty("optedOut").GetInt32(), result.GetProperty("waiting").GetInt32(),
            result.GetProperty("quietHours").GetInt32(), result.GetProperty("unreachable").GetInt32(), result.GetProperty("failed").GetInt32()));
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/outreach", otherToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/outreach", (await App.NewChainWithPeopleAsync()).AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/outreach"), 401, "unauthorized");
    }

    [Fact]
    public async Task AMessageDueInsideQuietHoursWaitsForTheWindowsEndAndIsThenSent()
    {
        // A window that began five minutes ago (chain time, Asia/Shanghai) and ends at the next whole minute but one.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone);
        var start = local.AddMinutes(-5).ToString("HH:mm", CultureInfo.InvariantCulture);
        var end = local.AddSeconds(90).ToString("HH:mm", CultureInfo.InvariantCulture);
        var settings = await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/outreach-settings",
            new { quietHoursStart = start, quietHoursEnd = end }, Chain.AdminKey));
        Assert.Equal(end, settings.GetProperty("quietHoursEnd").GetString());
        // The member's own preferences carry the chain's window, which the live room's 我的 panel tells her.
        var prefs = await TestApp.OkJsonAsync(await App.GetAsync("/api/members/me/preferences", Chain.MemberToken));
        Assert.Equal((start, end), (prefs.GetProperty("quietHoursStart").GetString(), prefs.GetProperty("quietHoursEnd").GetString()));
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Put, $"/api/chains/{Chain.ChainId}/outreach-settings",
            new { quietHoursStart = "25:00", quietHoursEnd = end }, Chain.AdminKey), 400, "validation");

        var (campaignId, _) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"));
        var deferred = await EventuallyAsync(() => DeliveriesAsync(App, campaignId), ds => ds.Count == 1 && ds[0].Reason == "quiet-hours", "the result deferred");
        var releaseAt = deferred[0].DueAt;
        Assert.Equal(DeliveryStates.Pending, deferred[0].State);
        Assert.Equal(end, TimeZoneInfo.ConvertTime(releaseAt, zone).ToString("HH:mm", CultureInfo.InvariantCulture));
        Assert.Equal(0, TimeZoneInfo.ConvertTime(releaseAt, zone).Second);
        Assert.Empty(await DevSentAsync(App, Chain.ChainId));

        var sent = await EventuallyAsync(() => DeliveriesAsync(App, campaignId), ds => ds[0].State == DeliveryStates.Sent, "the result sent after the window", TimeSpan.FromMinutes(4));
        Assert.True(sent[0].SentAt >= releaseAt, $"sent at {sent[0].SentAt:O}, before the window's end {releaseAt:O}");
        Assert.Single(await DevSentAsync(App, Chain.ChainId));
    }

    [Fact]
    public void QuietHoursCrossingMidnightReleaseAtTheirEndInTheChainsZone()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var hours = QuietHours.Default;
        // 23:10 Shanghai (15:10 UTC) → 08:00 next morning (00:00 UTC); 07:59 → 08:00 the same day; 12:00 → at once.
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero), hours.Release(new DateTimeOffset(2026, 12, 1, 15, 10, 0, TimeSpan.Zero), zone));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero), hours.Release(new DateTimeOffset(2026, 12, 1, 23, 59, 0, TimeSpan.Zero), zone));
        var noon = new DateTimeOffset(2026, 12, 1, 4, 0, 0, TimeSpan.Zero);
        Assert.Equal(noon, hours.Release(noon, zone));
        Assert.Equal(noon, new QuietHours(new TimeOnly(9, 0), new TimeOnly(9, 0)).Release(noon, zone));
        // A second before 21:30 is outside the window; 21:30 itself is inside.
        var before = new DateTimeOffset(2026, 12, 1, 13, 29, 59, TimeSpan.Zero);
        Assert.Equal(before, hours.Release(before, zone));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero), hours.Release(new DateTimeOffset(2026, 12, 1, 13, 30, 0, TimeSpan.Zero), zone));
    }

    [Fact]
    public async Task TencentSmsAndWeChatRequestsHaveTheDocumentedShapesAndAProviderFailureIsRetried()
    {
        await using var provider = await FakeProviders.StartAsync();
        await using var azurite = await Azurite.StartAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["OutreachSenders"] = "wechat,tencent-sms",
            ["OutreachQuietHours"] = "00:00-00:00",
            ["TencentSmsSecretId"] = FakeProviders.SecretId,
            ["TencentSmsSecretKey"] = FakeProviders.SecretKey,
            ["TencentSmsSdkAppId"] = "1400000001",
            ["TencentSmsSignName"] = "邻里鲜",
            ["TencentSmsTemplateId"] = "2000001",
            ["TencentSmsRegion"] = "ap-guangzhou",
            ["TencentSmsEndpoint"] = provider.BaseAddress.ToString(),
            ["WeChatAppId"] = FakeProviders.AppId,
            ["WeChatAppSecret"] = FakeProviders.AppSecret,
            ["WeChatTemplateId"] = "tmpl-outreach-1",
            ["WeChatApiBase"] = provider.BaseAddress.ToString(),
        }, storage: azurite);
        var f = await app.NewChainWithPeopleAsync();
        const string openId = "oWx_member-0001";
        await TestApp.OkJsonAsync(await app.SendAsync(HttpMethod.Put, "/api/members/me/preferences", new { outreach = true, channels = new[] { "wechat", "sms" }, wechatOpenId = openId }, f.MemberToken));
        var (smsMemberId, smsToken) = await app.NewMemberAsync(f, "张阿姨");
        provider.FailFirstSms = true; // the first SendSms answers InternalError: tried again after a backoff

        var (campaignId, _) = await app.ConfirmedOrdersAsync(f, (f.MemberToken, "pickup"), (smsToken, "pickup"));
        var deliveries = await EventuallyAsync(() => DeliveriesAsync(app, campaignId), ds => ds.Count == 2 && ds.All(d => d.State == DeliveryStates.Sent), "both sent", TimeSpan.FromSeconds(120));

        var wechat = deliveries.Single(d => d.MemberId == f.MemberId);
        Assert.Equal("wechat", wechat.Channel);
        var sms = deliveries.Single(d => d.MemberId == smsMemberId);
        Assert.Equal("sms", sms.Channel);
        Assert.Equal(2, sms.Attempts);

        // WeChat: one token fetch with the app's credentials, one subscribe message with it.
        var token = Assert.Single(provider.Requests, r => r.Path == "/cgi-bin/token");
        Assert.Equal("GET", token.Method);
        Assert.Equal("client_credential", token.Query["grant_type"]);
        Assert.Equal(FakeProviders.AppId, token.Query["appid"]);
        Assert.Equal(FakeProviders.AppSecret, token.Query["secret"]);
        var subscribe = Assert.Single(provider.Requests, r => r.Path == "/cgi-bin/message/subscribe/send");
        Assert.Equal("POST", subscribe.Method);
        Assert.Equal(FakeProviders.AccessToken, subscribe.Query["access_token"]);
        var body = JsonDocument.Parse(subscribe.Body).RootElement;
        Assert.Equal(openId, body.GetProperty("touser").GetString());
        Assert.Equal("tmpl-outreach-1", body.GetProperty("template_id").GetString());
        Assert.Equal("成团结果", body.GetProperty("data").GetProperty("thing1").GetProperty("value").GetString());
        var thing2 = body.GetProperty("data").GetProperty("thing2").GetProperty("value").GetString()!;
        Assert.StartsWith("成团成功", thing2, StringComparison.Ordinal);
        Assert.True(thing2.Length <= 20, "WeChat thing values hold at most 20 characters");

        // Tencent Cloud SMS: two SendSms calls for the SMS member (the first failed), each signed with TC3-HMAC-SHA256.
        var smsCalls = provider.Requests.Where(r => r.Path == "/" && r.Method == "POST").ToList();
        Assert.Equal(2, smsCalls.Count);
        var memberPhone = await MemberPhoneAsync(app, f.ChainId, smsMemberId);
        foreach (var call in smsCalls)
        {
            Assert.Equal("SendSms", call.Headers["X-TC-Action"]);
            Assert.Equal("2021-01-11", call.Headers["X-TC-Version"]);
            Assert.Equal("ap-guangzhou", call.Headers["X-TC-Region"]);
            Assert.StartsWith("application/json", call.Headers["Content-Type"], StringComparison.Ordinal);
            Assert.Equal(FakeProviders.ExpectedAuthorization(call), call.Headers["Authorization"]);
            var sendSms = JsonDocument.Parse(call.Body).RootElement;
            Assert.Equal("+86" + memberPhone, Assert.Single(sendSms.GetProperty("PhoneNumberSet").EnumerateArray()).GetString());
            Assert.Equal("1400000001", sendSms.GetProperty("SmsSdkAppId").GetString());
            Assert.Equal("邻里鲜", sendSms.GetProperty("SignName").GetString());
            Assert.Equal("2000001", sendSms.GetProperty("TemplateId").GetString());
            Assert.StartsWith("成团成功", Assert.Single(sendSms.GetProperty("TemplateParamSet").EnumerateArray()).GetString(), StringComparison.Ordinal);
        }

        // The secrets never reach a request but the one that needs them (no secret key anywhere on the wire).
        Assert.DoesNotContain(provider.Requests, r => r.Body.Contains(FakeProviders.SecretKey, StringComparison.Ordinal) || r.Headers.Values.Any(v => v.Contains(FakeProviders.SecretKey, StringComparison.Ordinal)));
    }

    private static async Task<string> MemberPhoneAsync(TestApp app, string chainId, string memberId)
    {
        var row = await app.Services.GetRequiredService<ITableStore>().GetAsync(ServerlessCommerce.Chains.ChainTables.Members, chainId, ServerlessCommerce.Chains.ChainTables.MemberRow(memberId));
        return row!.GetString("Phone")!;
    }

    /// <summary>
    /// Tencent Cloud SMS and WeChat on a 127.0.0.1 port: records every request; SendSms checks nothing itself (the test
    /// recomputes its signature), answers like the API (optionally an InternalError first); the WeChat token endpoint
    /// hands out <see cref="AccessToken"/> for the right credentials, and subscribe/send accepts only that token.
    /// </summary>
    private sealed class FakeProviders : IAsyncDisposable
    {
        public const string SecretId = "AKIDtestsecretid0001";
        public const string SecretKey = "tencent-secret-key-never-on-the-wire";
        public const string AppId = "wx0123456789abcdef";
        public const string AppSecret = "wechat-app-secret-0123456789";
        public const string AccessToken = "ACCESS_TOKEN_1";

        private readonly WebApplication _app;
        private readonly ConcurrentQueue<Received> _requests = new();
        private int _smsCalls;

        private FakeProviders(WebApplication app) => _app = app;

        public sealed record Received(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, string Body);

        public Uri BaseAddress { get; private set; } = null!;

        public bool FailFirstSms { get; set; }

        public IReadOnlyList<Received> Requests => _requests.ToArray();

        public static async Task<FakeProviders> StartAsync()
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var fake = new FakeProviders(app);
            app.Run(async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                var request = context.Request;
                fake._requests.Enqueue(new Received(request.Method, request.Path.Value ?? "/",
                    request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
                    request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
                context.Response.ContentType = "application/json";
                object answer = request.Path.Value switch
                {
                    "/cgi-bin/token" when request.Query["appid"] == AppId && request.Query["secret"] == AppSecret =>
                        new { access_token = AccessToken, expires_in = 7200 },
                    "/cgi-bin/token" => new { errcode = 40013, errmsg = "invalid appid" },
                    "/cgi-bin/message/subscribe/send" when request.Query["access_token"] == AccessToken => new { errcode = 0, errmsg = "ok", msgid = 294402298110051942 },
                    "/cgi-bin/message/subscribe/send" => new { errcode = 40001, errmsg = "invalid credential" },
                    _ when fake.FailFirstSms && Interlocked.Increment(ref fake._smsCalls) == 1 =>
                        new { Response = new { Error = new { Code = "InternalError.Timeout", Message = "timeout" }, RequestId = Guid.NewGuid().ToString() } },
                    _ => new
                    {
                        Response = new
                        {
                            SendStatusSet = new[] { new { SerialNo = "5000:1045710669157053657849499619", PhoneNumber = "+8613800000000", Fee = 1, SessionContext = "", Code = "Ok", Message = "send success", IsoCode = "CN" } },
                            RequestId = Guid.NewGuid().ToString(),
                        },
                    },
                };
                await context.Response.WriteAsync(JsonSerializer.Serialize(answer));
            });
            await app.StartAsync();
            fake.BaseAddress = new Uri($"http://127.0.0.1:{new Uri(app.Urls.Single()).Port}/");
            return fake;
        }

        /// <summary>Tencent Cloud "Signature v3" (TC3-HMAC-SHA256), computed here from the request as received.</summary>
        public static string ExpectedAuthorization(Received call)
        {
            var timestamp = long.Parse(call.Headers["X-TC-Timestamp"], CultureInfo.InvariantCulture);
            var date = DateTimeOffset.FromUnixTimeSeconds(timestamp).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            static string Sha256Hex(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s))).ToLowerInvariant();
            static byte[] Hmac(byte[] key, string s) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(s));
            var canonical = string.Join('\n', "POST", "/", "", "content-type:" + call.Headers["Content-Type"], "host:" + call.Headers["Host"], "", "content-type;host", Sha256Hex(call.Body));
            var toSign = string.Join('\n', "TC3-HMAC-SHA256", timestamp.ToString(CultureInfo.InvariantCulture), $"{date}/sms/tc3_request", Sha256Hex(canonical));
            var key = Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("TC3" + SecretKey), date), "sms"), "tc3_request");
            var signature = Convert.ToHexString(Hmac(key, toSign)).ToLowerInvariant();
            return $"TC3-HMAC-SHA256 Credential={SecretId}/{date}/sms/tc3_request, SignedHeaders=content-type;host, Signature={signature}";
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
