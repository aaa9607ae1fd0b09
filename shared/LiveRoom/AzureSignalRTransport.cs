using System.Diagnostics;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.LiveRoom;

/// <summary>
/// Three retries with exponential backoff (about 0.5, 1 and 2 s) on 408, 429, 5xx and network errors, and a 10 s
/// timeout per attempt: a failing service fails the call within seconds.
/// </summary>
public sealed class AzureSignalRClientOptions : ClientOptions
{
    public AzureSignalRClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 3;
        Retry.Delay = TimeSpan.FromMilliseconds(500);
        Retry.MaxDelay = TimeSpan.FromSeconds(4);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        Diagnostics.IsLoggingContentEnabled = false;
        Diagnostics.ApplicationId = "ServerlessCommerce";
    }
}

/// <summary>
/// The live room on Azure SignalR Service in serverless mode, over its REST API (api-version
/// <see cref="ApiVersion"/>): negotiate puts the user in the campaign's group and hands out a client token; sends
/// post <c>{"target", "arguments": [payload]}</c> to a group or a user. Each call carries a JWT whose audience is the
/// full request URL (see <see cref="AzureSignalRTokens.AudienceFor"/>).
/// </summary>
/// <remarks>
/// Build one at start-up and share it (it holds one <see cref="HttpPipeline"/>):
/// <code>
/// new AzureSignalRTransport(AzureSignalRConnection.Parse(settings.AzureSignalRConnectionString!),
///     provider.GetRequiredService&lt;ILogger&lt;AzureSignalRTransport&gt;&gt;(), TimeProvider.System)
/// </code>
/// The optional <c>options</c> are for tests (short retry delays); <c>null</c> means <see cref="AzureSignalRClientOptions"/>.
/// A failed call throws <see cref="RequestFailedException"/> with the status and the start of the service's answer.
/// </remarks>
public sealed class AzureSignalRTransport : ILiveRoomTransport
{
    public const string ApiVersion = "2022-06-01";

    /// <summary>Claims the service reads the user id from: <c>asrs.s.uid</c> first, then <c>nameid</c>.</summary>
    public const string UserIdClaim = "asrs.s.uid";

    public const string NameIdClaim = "nameid";

    private const int MaxErrorBodyChars = 300;

    private readonly string _baseUrl;
    private readonly AzureSignalRTokens _tokens;
    private readonly HttpPipeline _pipeline;

    public AzureSignalRTransport(AzureSignalRConnection connection, ILogger<AzureSignalRTransport> logger, TimeProvider clock, AzureSignalRClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _baseUrl = connection.BaseUrl;
        _tokens = new AzureSignalRTokens(connection.AccessKey, clock);
        _pipeline = HttpPipelineBuilder.Build(options ?? new AzureSignalRClientOptions(), [], [new ServerlessCommerce.Common.AttemptLoggingPolicy(logger, "SignalR Service", status => status is < 200 or > 299)], new RetryOn429And5xx());
        ClientUrl = $"{_baseUrl}/client/?hub={Uri.EscapeDataString(LiveRoomNames.Hub)}";
    }

    /// <summary>Where SignalR clients connect: <c>{endpoint}/client/?hub=live</c>.</summary>
    public string ClientUrl { get; }

    /// <summary>
    /// Adds the user to the campaign's group (the service keeps user-group membership, so connections the user opens
    /// later land in it), then returns the client URL and a token naming the user. <paramref name="requestBase"/> is
    /// not used: clients connect to the service, not to us.
    /// </summary>
    /// <remarks>
    /// Membership is per user, not per connection, and is never removed here: a user who has watched campaigns A and B
    /// gets both groups' events on every connection. Clients must ignore events of other campaigns.
    /// </remarks>
    public async Task<NegotiateResult> NegotiateAsync(string campaignId, string userId, Uri requestBase, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        await SendAsync(RequestMethod.Put, $"users/{Uri.EscapeDataString(userId)}/groups/{Uri.EscapeDataString(LiveRoomNames.Group(campaignId))}",
            body: null, cancellationToken);
        var token = _tokens.Issue(ClientUrl, [new(UserIdClaim, userId), new(NameIdClaim, userId)]);
        return new NegotiateResult(ClientUrl, token);
    }

    public Task SendToCampaignAsync(string campaignId, string target, object payload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        return SendAsync(RequestMethod.Post, $"groups/{Uri.EscapeDataString(LiveRoomNames.Group(campaignId))}/:send",
            Invocation(target, payload), cancellationToken);
    }

    public Task SendToUserAsync(string userId, string target, object payload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return SendAsync(RequestMethod.Post, $"users/{Uri.EscapeDataString(userId)}/:send", Invocation(target, payload), cancellationToken);
    }

    private static BinaryData Invocation(string target, object payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        return BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(new InvocationBody(target, [payload]), JsonSerializerOptions.Web));
    }

    private async Task SendAsync(RequestMethod method, string pathAfterHub, BinaryData? body, CancellationToken cancellationToken)
    {
        var url = $"{_baseUrl}/api/hubs/{Uri.EscapeDataString(LiveRoomNames.Hub)}/{pathAfterHub}?api-version={ApiVersion}";
        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(new Uri(url));
        // Signed once per call, not per attempt: the token lives an hour and retries take seconds.
        request.Headers.SetValue(HttpHeader.Names.Authorization, "Bearer " + _tokens.ForRestCall(url));
        if (body is not null)
        {
            request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
            request.Content = RequestContent.Create(body);
        }

        await _pipeline.SendAsync(message, cancellationToken);
        var response = message.Response;
        if (response.Status is < 200 or > 299)
        {
            var text = response.Content.ToString();
            if (text.Length > MaxErrorBodyChars)
            {
                text = text[..MaxErrorBodyChars] + "…";
            }

            throw new RequestFailedException(response.Status,
                $"Azure SignalR Service answered {response.Status} {response.ReasonPhrase} to {method} {request.Uri.Path}: {text}");
        }
    }

    private sealed record InvocationBody(string Target, object[] Arguments);

    /// <summary>Azure.Core retries 408, 429, 500, 502, 503 and 504; we retry every 5xx.</summary>
    private sealed class RetryOn429And5xx : ResponseClassifier
    {
        public override bool IsRetriableResponse(HttpMessage message) => message.Response.Status is 408 or 429 or >= 500;
    }
}
