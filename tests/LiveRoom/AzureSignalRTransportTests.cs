using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.LiveRoom;

/// <summary>
/// The Azure SignalR Service transport, checked on the wire against a local stand-in of the service that verifies
/// every token (signature, audience, expiry), path, method, api-version and body as the contract describes.
/// </summary>
public sealed class AzureSignalRTransportTests
{
    /// <summary>Needs escaping in a path segment: a space, '/', ':' and a non-ASCII letter.</summary>
    private const string AwkwardUserId = "anon:7f/访客 1";

    private static readonly HttpClient Http = new();

    private sealed record StockChanged(string ItemId, int Remaining);

    private static AzureSignalRTransport TransportFor(SignalRServiceListener listener, string? accessKey = null, TimeProvider? clock = null) =>
        new(AzureSignalRConnection.Parse(listener.ConnectionStringWith(accessKey ?? listener.AccessKey)),
            NullLogger<AzureSignalRTransport>.Instance,
            clock ?? TimeProvider.System,
            new AzureSignalRClientOptions { Retry = { Delay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) } });

    /// <summary>Posts an empty invocation to a group with a token of the test's choosing, bypassing the transport.</summary>
    private static async Task<HttpStatusCode> SendWithTokenAsync(string url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent("""{"target":"ping","arguments":[]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    private static string GroupSendUrl(SignalRServiceListener listener, string group) =>
        $"{listener.BaseUrl}/api/hubs/live/groups/{group}/:send?api-version=2022-06-01";

    [Fact]
    public async Task NegotiatePutsTheUserInTheCampaignGroupAndHandsOutAClientTokenNamingTheUser()
    {
        await using var listener = await SignalRServiceListener.StartAsync();

        var result = await TransportFor(listener).NegotiateAsync("c1", AwkwardUserId, new Uri("http://ignored.example"), CancellationToken.None);

        var request = Assert.Single(listener.Requests);
        Assert.Null(request.Refusal);
        Assert.Equal(202, request.AnsweredWith);
        Assert.Equal("PUT", request.Method);
        Assert.Equal("user-group", request.Operation);
        Assert.Equal(("live", AwkwardUserId, "campaign_c1"), (request.Hub, request.User, request.Group));
        Assert.StartsWith($"{listener.BaseUrl}/api/hubs/live/users/anon%3A7f%2F%E8%AE%BF%E5%AE%A2%201/groups/campaign_c1?", request.Url, StringComparison.Ordinal);

        Assert.Equal($"{listener.BaseUrl}/client/?hub=live", result.Url);
        var check = SignalRServiceListener.VerifyToken(result.AccessToken, listener.AccessKey, result.Url, DateTimeOffset.UtcNow);
        Assert.True(check.IsValid, check.Problem);
        Assert.Equal(AwkwardUserId, check.Claims.GetProperty("asrs.s.uid").GetString());
        Assert.Equal(AwkwardUserId, check.Claims.GetProperty("nameid").GetString());
        Assert.Equal(3600, check.Claims.GetProperty("exp").GetInt64() - check.Claims.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task SendToCampaignPostsTheTargetAndTheCamelCasePayloadToTheCampaignGroup()
    {
        await using var listener = await SignalRServiceListener.StartAsync();

        await TransportFor(listener).SendToCampaignAsync("c42", "stockChanged", new StockChanged("i-7", 3), CancellationToken.None);

        var request = Assert.Single(listener.Requests);
        Assert.Null(request.Refusal);
        Assert.Equal(("POST", "group-send", "live", "campaign_c42"), (request.Method, request.Operation, request.Hub, request.Group));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"target":"stockChanged","arguments":[{"itemId":"i-7","remaining":3}]}"""), JsonNode.Parse(request.Body)),
            request.Body);
        var claims = request.Claims!.Value;
        Assert.Equal(request.Url, claims.GetProperty("aud").GetString());
        Assert.EndsWith("?api-version=2022-06-01", request.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendToUserPostsToTheUsersSendPath()
    {
        await using var listener = await SignalRServiceListener.StartAsync();

        await TransportFor(listener).SendToUserAsync(AwkwardUserId, "notice", new { Text = "取货码已生成" }, CancellationToken.None);

        var request = Assert.Single(listener.Requests);
        Assert.Null(request.Refusal);
        Assert.Equal(("POST", "user-send", "live", AwkwardUserId), (request.Method, request.Operation, request.Hub, request.User));
        Assert.Equal("notice", request.Json.GetProperty("target").GetString());
        Assert.Equal("取货码已生成", request.Json.GetProperty("arguments")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task ATokenSignedWithAnotherKeyIsRefusedAndTheFailureIsNotRetried()
    {
        await using var listener = await SignalRServiceListener.StartAsync();
        var url = GroupSendUrl(listener, "campaign_c1");

        Assert.Equal(HttpStatusCode.Accepted, await SendWithTokenAsync(url, new AzureSignalRTokens(listener.AccessKey, TimeProvider.System).ForRestCall(url)));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendWithTokenAsync(url, new AzureSignalRTokens("another-key", TimeProvider.System).ForRestCall(url)));
        Assert.Equal("bad signature", listener.Requests[1].Refusal);

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() =>
            TransportFor(listener, accessKey: "another-key").SendToCampaignAsync("c1", "ping", new { }, CancellationToken.None));
        Assert.Equal(401, failure.Status);
        Assert.Contains("401", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, listener.Requests.Count);
    }

    [Fact]
    public async Task AnExpiredTokenIsRefused()
    {
        await using var listener = await SignalRServiceListener.StartAsync();
        var twoHoursAgo = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() =>
            TransportFor(listener, clock: twoHoursAgo).SendToCampaignAsync("c1", "ping", new { }, CancellationToken.None));

        Assert.Equal(401, failure.Status);
        Assert.Equal("expired or no exp", Assert.Single(listener.Requests).Refusal);
    }

    [Fact]
    public async Task TheServiceAcceptsTheAudienceWithTheApiVersionQueryAsTheSdkSendsIt()
    {
        await using var listener = await SignalRServiceListener.StartAsync();
        var url = GroupSendUrl(listener, "campaign_c1");
        var tokens = new AzureSignalRTokens(listener.AccessKey, TimeProvider.System);

        Assert.Equal(url, AzureSignalRTokens.AudienceFor(url, RestAudience.WithQuery));
        Assert.Equal(url[..url.IndexOf('?', StringComparison.Ordinal)], AzureSignalRTokens.AudienceFor(url, RestAudience.WithoutQuery));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendWithTokenAsync(url, tokens.ForRestCall(url, RestAudience.WithoutQuery)));
        Assert.StartsWith("aud is not", listener.Requests[0].Refusal, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, await SendWithTokenAsync(url, tokens.ForRestCall(url, RestAudience.WithQuery)));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    public async Task AFailingServiceIsRetriedThreeTimesThenTheErrorNamesTheStatus(int status)
    {
        await using var listener = await SignalRServiceListener.StartAsync();
        listener.AnswerWith = status;

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() =>
            TransportFor(listener).SendToCampaignAsync("c1", "phaseChanged", new { Phase = "live" }, CancellationToken.None));

        Assert.Equal(status, failure.Status);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(listener.AccessKey, failure.Message, StringComparison.Ordinal);
        Assert.Equal(4, listener.Requests.Count);
        Assert.All(listener.Requests, r => Assert.Null(r.Refusal));
    }

    [Fact]
    public async Task AClientErrorIsNotRetried()
    {
        await using var listener = await SignalRServiceListener.StartAsync();
        listener.AnswerWith = 400;

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() =>
            TransportFor(listener).SendToUserAsync("m1", "notice", new { }, CancellationToken.None));

        Assert.Equal(400, failure.Status);
        Assert.Single(listener.Requests);
    }

    [Theory]
    [InlineData("Endpoint=https://shop.service.signalr.net;AccessKey=SECRETkey123;Version=1.0;", "https://shop.service.signalr.net")]
    [InlineData("endpoint=https://Shop.service.signalr.net/; accesskey=SECRETkey123 ;version=1.0", "https://shop.service.signalr.net")]
    [InlineData("Endpoint=https://shop.service.signalr.net;AccessKey=SECRETkey123;Port=8443;Version=1.0;", "https://shop.service.signalr.net:8443")]
    [InlineData("Endpoint=http://127.0.0.1:5123;AccessKey=SECRETkey123;Version=1.0;", "http://127.0.0.1:5123")]
    [InlineData("Endpoint=http://localhost;Port=8888;AccessKey=SECRETkey123;Version=1.0;", "http://localhost:8888")]
    public void AConnectionStringNamesTheEndpointAndKeyAndNeverShowsTheKey(string connectionString, string baseUrl)
    {
        var connection = AzureSignalRConnection.Parse(connectionString);

        Assert.Equal(baseUrl, connection.BaseUrl);
        Assert.Equal("SECRETkey123", connection.AccessKey);
        Assert.DoesNotContain("SECRETkey123", connection.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Endpoint=https://shop.service.signalr.net;Version=1.0;", "no AccessKey")]
    [InlineData("Endpoint=https://shop.service.signalr.net;AccessKey=;Version=1.0;", "no AccessKey")]
    [InlineData("AccessKey=SECRETkey123;Version=1.0;", "no Endpoint")]
    [InlineData("Endpoint=shop.service.signalr.net;AccessKey=SECRETkey123;", "not an http(s) URL")]
    [InlineData("Endpoint=ftp://shop.service.signalr.net;AccessKey=SECRETkey123;", "not an http(s) URL")]
    [InlineData("Endpoint=https://shop.service.signalr.net;AccessKey=SECRETkey123;Port=99999;", "Port")]
    [InlineData("Endpoint=https://shop.service.signalr.net;AccessKey=SECRETkey123;Version=2.0;", "Version")]
    [InlineData("Endpoint=https://shop.service.signalr.net;SECRETkey123;Version=1.0;", "part 2")]
    [InlineData("Endpoint=https://a.service.signalr.net;AccessKey=SECRETkey123;endpoint=https://b.service.signalr.net", "twice")]
    public void ABrokenConnectionStringIsRefusedWithoutShowingTheKey(string connectionString, string expected)
    {
        var error = Assert.Throws<FormatException>(() => AzureSignalRConnection.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETkey123", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokensAreSignedWithTheUtf8BytesOfTheAccessKeyString()
    {
        // A base64-looking key must not be base64-decoded: the service signs with the string's UTF-8 bytes.
        const string key = "c2lnbmFscg==";
        var now = DateTimeOffset.UtcNow;
        var token = new AzureSignalRTokens(key, new FakeTimeProvider(now)).Issue("https://x.service.signalr.net/client/?hub=live");

        var check = SignalRServiceListener.VerifyToken(token, key, "https://x.service.signalr.net/client/?hub=live", now);

        Assert.True(check.IsValid, check.Problem);
        Assert.Equal(now.ToUnixTimeSeconds(), check.Claims.GetProperty("nbf").GetInt64());
        var header = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[0])).RootElement;
        Assert.Equal(("HS256", "JWT"), (header.GetProperty("alg").GetString(), header.GetProperty("typ").GetString()));
    }
}
