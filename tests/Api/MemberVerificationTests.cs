using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessCommerce.Messaging;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// Issue 14: joining needs a one-time code sent to the phone (MemberVerification, on by default), no answer tells a
/// stranger whether a phone is a member, and joins, codes and negotiations are limited per address (and codes per
/// phone). The real app (Kestrel) on Azurite, with the local fake sender read through <c>GET /api/dev/messages</c>.
/// </summary>
public sealed class MemberVerificationTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["MemberVerification"] = "on" }, s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(string ChainId, string StoreId)> NewChainAsync(TestApp? app = null)
    {
        app ??= _app;
        var (chainId, adminKey) = await app.NewChainAsync();
        var store = await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{chainId}/stores", new { name = "幸福里店", address = "幸福路 1 号" }, adminKey), 201);
        return (chainId, store.GetProperty("storeId").GetString()!);
    }

    private static async Task<string> CodeSentAsync(TestApp app, string chainId, string phone)
    {
        Assert.Equal(202, (int)(await app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone })).StatusCode);
        var messages = await TestApp.OkJsonAsync(await app.GetAsync($"/api/dev/messages?chainId={chainId}&phone={phone}"));
        var message = Assert.Single(messages.EnumerateArray());
        Assert.Contains(message.GetProperty("code").GetString()!, message.GetProperty("text").GetString(), StringComparison.Ordinal);
        return message.GetProperty("code").GetString()!;
    }

    private Task<HttpResponseMessage> JoinAsync(string chainId, string storeId, string phone, string? code, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/chains/{chainId}/members")
        {
            Content = JsonContent.Create(new { name = "李阿姨", phone, storeId, code }, options: JsonSerializerOptions.Web),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return _app.Client.SendAsync(request);
    }

    private static string WrongCode(string code) => ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What a stranger sees of an answer: status, headers that matter and the problem without its trace id.</summary>
    private static async Task<string> Visible(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var node = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject();
        node.Remove("traceId");
        return $"{(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} {node.ToJsonString()}";
    }

    [Fact]
    public async Task WithVerificationOnJoiningWithoutACodeOrWithAWrongOneIs400NamingCode()
    {
        var (chainId, storeId) = await NewChainAsync();
        var phone = TestApp.NewPhone();
        var missing = await TestApp.ProblemAsync(await JoinAsync(chainId, storeId, phone, null), 400, "validation");
        Assert.True(missing.GetProperty("errors").TryGetProperty("code", out _));

        var code = await CodeSentAsync(_app, chainId, phone);
        var wrong = await TestApp.ProblemAsync(await JoinAsync(chainId, storeId, phone, WrongCode(code)), 400, "validation");
        Assert.True(wrong.GetProperty("errors").TryGetProperty("code", out _));

        var joined = await TestApp.OkJsonAsync(await JoinAsync(chainId, storeId, phone, code), 201);
        var me = await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", joined.GetProperty("memberToken").GetString()));
        Assert.Equal(joined.GetProperty("memberId").GetString(), me.GetProperty("memberId").GetString());

        // A code is consumed once.
        await TestApp.ProblemAsync(await JoinAsync(chainId, storeId, phone, code), 400, "validation");
    }

    [Fact]
    public async Task NoAnswerTellsAStrangerWhetherAPhoneIsAMember()
    {
        var (chainId, storeId) = await NewChainAsync();
        var member = TestApp.NewPhone();
        await TestApp.OkJsonAsync(await JoinAsync(chainId, storeId, member, await CodeSentAsync(_app, chainId, member)), 201);
        _clock.Advance(TimeSpan.FromMinutes(2)); // past the member's resend cooldown
        var stranger = TestApp.NewPhone();

        // The code request: 202 alike (and a code really goes to both phones).
        var toMember = await _app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone = member });
        var toStranger = await _app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone = stranger });
        Assert.Equal(202, (int)toMember.StatusCode);
        Assert.Equal(await Visible(toMember), await Visible(toStranger));

        // A join with no code, and with a wrong code: the same 400 for both.
        Assert.Equal(await Visible(await JoinAsync(chainId, storeId, member, null)), await Visible(await JoinAsync(chainId, storeId, stranger, null)));
        Assert.Equal(await Visible(await JoinAsync(chainId, storeId, member, "000000")), await Visible(await JoinAsync(chainId, storeId, stranger, "000000")));

        // Asking again within the cooldown: the same 429 for both.
        var againMember = await _app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone = member });
        var againStranger = await _app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone = stranger });
        await TestApp.ProblemAsync(againMember, 429, "rate-limited");
        Assert.Equal(await Visible(againMember), await Visible(againStranger));
    }

    [Fact]
    public async Task AKnownPhoneWithTheRightCodeGets200AndAWorkingTokenForThatMember()
    {
        var (chainId, storeId) = await NewChainAsync();
        var phone = TestApp.NewPhone();
        var first = await TestApp.OkJsonAsync(await JoinAsync(chainId, storeId, phone, await CodeSentAsync(_app, chainId, phone)), 201);
        _clock.Advance(TimeSpan.FromMinutes(2));

        var again = await TestApp.OkJsonAsync(await JoinAsync(chainId, storeId, phone, await CodeSentAsync(_app, chainId, phone)), 200);
        Assert.Equal(first.GetProperty("memberId").GetString(), again.GetProperty("memberId").GetString());
        Assert.Equal(first.GetProperty("referralCode").GetString(), again.GetProperty("referralCode").GetString());
        var token = again.GetProperty("memberToken").GetString()!;
        var me = await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", token));
        Assert.Equal(first.GetProperty("memberId").GetString(), me.GetProperty("memberId").GetString());

        // Signing in on a second phone does not sign the first out.
        await TestApp.OkJsonAsync(await _app.GetAsync("/api/me", first.GetProperty("memberToken").GetString()));
    }

    [Fact]
    public async Task AJoinRetriedWithItsIdempotencyKeyReplaysAfterTheCodeWasUsed()
    {
        var (chainId, storeId) = await NewChainAsync();
        var phone = TestApp.NewPhone();
        var code = await CodeSentAsync(_app, chainId, phone);
        var key = Guid.NewGuid().ToString("N");
        var first = await TestApp.OkJsonAsync(await JoinAsync(chainId, storeId, phone, code, key), 201);
        var retry = await TestApp.OkJsonAsync(await JoinAsync(chainId, storeId, phone, code, key), 200);
        Assert.Equal(first.GetProperty("memberId").GetString(), retry.GetProperty("memberId").GetString());

        // Another key cannot reuse the code.
        await TestApp.ProblemAsync(await JoinAsync(chainId, storeId, phone, code, Guid.NewGuid().ToString("N")), 400, "validation");
    }

    [Fact]
    public async Task FiveWrongTriesVoidTheCode()
    {
        var (chainId, storeId) = await NewChainAsync();
        var phone = TestApp.NewPhone();
        var code = await CodeSentAsync(_app, chainId, phone);
        for (var i = 0; i < 5; i++)
        {
            await TestApp.ProblemAsync(await JoinAsync(chainId, storeId, phone, WrongCode(code)), 400, "validation");
        }

        await TestApp.ProblemAsync(await JoinAsync(chainId, storeId, phone, code), 400, "validation");
    }

    [Fact]
    public async Task ACodeExpiresAfterTenMinutes()
    {
        var (chainId, storeId) = await NewChainAsync();
        var phone = TestApp.NewPhone();
        var code = await CodeSentAsync(_app, chainId, phone);
        _clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await TestApp.ProblemAsync(await JoinAsync(chainId, storeId, phone, code), 400, "validation");

        // A fresh code works.
        await TestApp.OkJsonAsync(await JoinAsync(chainId, storeId, phone, await CodeSentAsync(_app, chainId, phone)), 201);
    }

    [Fact]
    public async Task OnePhoneGetsAtMostTheHoursCodesAndOneAMinute()
    {
        var (chainId, _) = await NewChainAsync();
        var phone = TestApp.NewPhone();
        for (var i = 0; i < 5; i++)
        {
            await CodeSentAsync(_app, chainId, phone);
            var soon = await _app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone });
            await TestApp.ProblemAsync(soon, 429, "rate-limited");
            Assert.True(soon.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            _clock.Advance(TimeSpan.FromSeconds(61));
        }

        var sixth = await _app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone });
        await TestApp.ProblemAsync(sixth, 429, "rate-limited");
        Assert.True(sixth.Headers.RetryAfter?.Delta > TimeSpan.FromMinutes(50));

        _clock.Advance(TimeSpan.FromHours(1));
        await CodeSentAsync(_app, chainId, phone);
    }

    [Fact]
    public async Task JoinsCodesAndNegotiationsAreLimitedPerAddressWithRetryAfter()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimitJoinsPerMinute"] = "3", ["RateLimitVerificationsPerMinute"] = "2", ["RateLimitNegotiationsPerMinute"] = "2",
        });
        var (chainId, storeId) = await NewChainAsync(app);
        for (var i = 0; i < 3; i++)
        {
            await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{chainId}/members", new { name = "李阿姨", phone = TestApp.NewPhone(), storeId }), 201);
        }

        var limited = await app.PostAsync($"/api/chains/{chainId}/members", new { name = "李阿姨", phone = TestApp.NewPhone(), storeId });
        await TestApp.ProblemAsync(limited, 429, "rate-limited");
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(202, (int)(await app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone = TestApp.NewPhone() })).StatusCode);
        }

        await TestApp.ProblemAsync(await app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone = TestApp.NewPhone() }), 429, "rate-limited");

        // Negotiations count whatever the campaign (an unknown one is 404 until the limit, then 429).
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(404, (int)(await app.PostAsync("/api/live/negotiate?campaignId=nothing-here")).StatusCode);
        }

        var negotiate = await app.PostAsync("/api/live/negotiate?campaignId=nothing-here");
        await TestApp.ProblemAsync(negotiate, 429, "rate-limited");
        Assert.NotNull(negotiate.Headers.RetryAfter);
    }

    [Fact]
    public async Task WithVerificationOffAKnownPhoneIsStill409MemberExists()
    {
        var shared = await TestApp.SharedAsync();
        var (chainId, storeId) = await NewChainAsync(shared);
        var phone = TestApp.NewPhone();
        await TestApp.OkJsonAsync(await shared.PostAsync($"/api/chains/{chainId}/members", new { name = "李阿姨", phone, storeId }), 201);
        await TestApp.ProblemAsync(await shared.PostAsync($"/api/chains/{chainId}/members", new { name = "李阿姨", phone, storeId }), 409, "member-exists");
    }

    [Fact]
    public async Task TheWebhookSenderPostsTheCodeSignedAndTheDevMessagesRouteIsGone()
    {
        const string secret = "webhook-secret-0123456789abcdef-0123456789";
        await using var hook = await EventGridListener.StartAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["MemberVerification"] = "on", ["MessageSender"] = "webhook", ["MessageWebhookUrl"] = hook.Endpoint.ToString(), ["MessageWebhookSecret"] = secret,
        });
        var (chainId, storeId) = await NewChainAsync(app);
        var phone = TestApp.NewPhone();
        Assert.Equal(202, (int)(await app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone })).StatusCode);

        var received = Assert.Single(hook.Requests);
        Assert.Equal(WebhookMessageSender.Sign(secret, System.Text.Encoding.UTF8.GetBytes(received.Body)), received.Headers[WebhookMessageSender.SignatureHeader]);
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(chainId, body.GetProperty("chainId").GetString());
        Assert.Equal(phone, body.GetProperty("phone").GetString());
        Assert.Equal("verification", body.GetProperty("kind").GetString());
        var code = body.GetProperty("code").GetString()!;
        Assert.Matches("^[0-9]{6}$", code);
        Assert.Contains(code, body.GetProperty("text").GetString(), StringComparison.Ordinal);

        await TestApp.ProblemAsync(await app.GetAsync($"/api/dev/messages?chainId={chainId}&phone={phone}"), 404, "not-found");
        await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{chainId}/members", new { name = "李阿姨", phone, storeId, code }), 201);

        // A gateway that fails: the request fails (alike for everyone), the code is void and the person may ask again at once.
        var other = TestApp.NewPhone();
        hook.AnswerWith = 503;
        Assert.True((int)(await app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone = other })).StatusCode >= 500);
        hook.AnswerWith = 200;
        Assert.Equal(202, (int)(await app.PostAsync($"/api/chains/{chainId}/members/verification", new { phone = other })).StatusCode);
        var failed = JsonDocument.Parse(hook.Requests[^2].Body).RootElement.GetProperty("code").GetString()!;
        var sent = JsonDocument.Parse(hook.Requests[^1].Body).RootElement.GetProperty("code").GetString()!;
        if (failed != sent)
        {
            await TestApp.ProblemAsync(await app.PostAsync($"/api/chains/{chainId}/members", new { name = "王大爷", phone = other, storeId, code = failed }), 400, "validation");
        }

        await TestApp.OkJsonAsync(await app.PostAsync($"/api/chains/{chainId}/members", new { name = "王大爷", phone = other, storeId, code = sent }), 201);
    }
}
