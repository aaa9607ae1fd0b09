using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// A stand-in Azure SignalR Service (serverless REST, api-version 2022-06-01): real Kestrel on a free 127.0.0.1 port.
/// Every request is checked as the service would — known operation and method (else 404/405), <c>api-version</c>
/// (else 400), a bearer JWT that is HS256, signed with the UTF-8 bytes of <see cref="AccessKey"/>, unexpired and whose
/// <c>aud</c> is the full request URL with its query (else 401), and for sends a body
/// <c>{"target": "…", "arguments": [...]}</c> (else 400) — then recorded and answered <see cref="AnswerWith"/> (202).
/// The token check is written here from the contract, independently of the code under test.
/// </summary>
public sealed class SignalRServiceListener : IAsyncDisposable
{
    public const string ApiVersion = "2022-06-01";

    /// <summary>Tolerance for <c>nbf</c>, as services allow for clock skew.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _requests = new();
    private int _answerWith = StatusCodes.Status202Accepted;

    private SignalRServiceListener(WebApplication app, string accessKey)
    {
        _app = app;
        AccessKey = accessKey;
    }

    /// <summary>One request as the service saw it: the operation it named, the status answered, and why if refused.</summary>
    public sealed record Received(string Method, string Url, string? Operation, string? Hub, string? User, string? Group, string Body,
        int AnsweredWith, string? Refusal, JsonElement? Claims)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
    }

    /// <summary>What a token check found: the claims of a valid token, or why it is refused.</summary>
    public sealed record TokenCheck(string? Problem, JsonElement Claims)
    {
        public bool IsValid => Problem is null;
    }

    public string AccessKey { get; }

    /// <summary>The service endpoint without a trailing slash, like <c>https://name.service.signalr.net</c>.</summary>
    public string BaseUrl { get; private set; } = null!;

    public string ConnectionString => ConnectionStringWith(AccessKey);

    public int AnswerWith
    {
        get => Volatile.Read(ref _answerWith);
        set => Volatile.Write(ref _answerWith, value);
    }

    public IReadOnlyList<Received> Requests => _requests.ToArray();

    public string ConnectionStringWith(string accessKey) => $"Endpoint={BaseUrl};AccessKey={accessKey};Version=1.0;";

    public static async Task<SignalRServiceListener> StartAsync(string accessKey = "stand-in-access-key-0123456789abcdefABCDEF+/=")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var listener = new SignalRServiceListener(app, accessKey);
        app.Run(listener.HandleAsync);
        await app.StartAsync();
        listener.BaseUrl = $"http://127.0.0.1:{new Uri(app.Urls.Single()).Port}";
        return listener;
    }

    /// <summary>Checks <paramref name="token"/> as the service does: HS256, signature, audience, expiry, not-before.</summary>
    public static TokenCheck VerifyToken(string token, string accessKey, string expectedAudience, DateTimeOffset now)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return new("not a JWT", default);
        }

        JsonElement header, claims;
        byte[] signature;
        try
        {
            header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])).RootElement.Clone();
            claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement.Clone();
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return new("undecodable JWT", default);
        }

        if (!header.TryGetProperty("alg", out var alg) || alg.GetString() != "HS256")
        {
            return new("alg is not HS256", claims);
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            return new("bad signature", claims);
        }

        if (!claims.TryGetProperty("aud", out var aud) || aud.ValueKind != JsonValueKind.String || aud.GetString() != expectedAudience)
        {
            return new($"aud is not {expectedAudience}", claims);
        }

        if (!claims.TryGetProperty("exp", out var exp) || !exp.TryGetInt64(out var expSeconds) || expSeconds <= now.ToUnixTimeSeconds())
        {
            return new("expired or no exp", claims);
        }

        if (claims.TryGetProperty("nbf", out var nbf) && (!nbf.TryGetInt64(out var nbfSeconds) || nbfSeconds > now.Add(Skew).ToUnixTimeSeconds()))
        {
            return new("not yet valid", claims);
        }

        return new(null, claims);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var url = $"{request.Scheme}://{request.Host}{rawTarget}";
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);

        var (operation, hub, user, group, allowed) = Route(rawTarget.Split('?')[0]);
        JsonElement? claims = null;
        int status;
        string? refusal = null;
        if (operation is null)
        {
            (status, refusal) = (StatusCodes.Status404NotFound, "unknown path");
        }
        else if (!allowed.Contains(request.Method, StringComparer.Ordinal))
        {
            (status, refusal) = (StatusCodes.Status405MethodNotAllowed, "method not allowed");
        }
        else if (request.Query["api-version"].ToString() != ApiVersion)
        {
            (status, refusal) = (StatusCodes.Status400BadRequest, "api-version missing or unsupported");
        }
        else if (request.Headers.Authorization.ToString() is not { } authorization || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            (status, refusal) = (StatusCodes.Status401Unauthorized, "no bearer token");
        }
        else
        {
            var check = VerifyToken(authorization["Bearer ".Length..], AccessKey, url, DateTimeOffset.UtcNow);
            claims = check.Claims.ValueKind == JsonValueKind.Undefined ? null : check.Claims;
            if (!check.IsValid)
            {
                (status, refusal) = (StatusCodes.Status401Unauthorized, check.Problem);
            }
            else if (operation.EndsWith("send", StringComparison.Ordinal) && !IsInvocation(body))
            {
                (status, refusal) = (StatusCodes.Status400BadRequest, "body is not {target, arguments}");
            }
            else
            {
                status = AnswerWith;
            }
        }

        _requests.Enqueue(new Received(request.Method, url, operation, hub, user, group, body, status, refusal, claims));
        context.Response.StatusCode = status;
        if (refusal is not null)
        {
            await context.Response.WriteAsync(refusal, context.RequestAborted);
        }
    }

    /// <summary>The REST operations of the contract: which one a path names, its hub, user and group, and its methods.</summary>
    private static (string? Operation, string? Hub, string? User, string? Group, string[] Methods) Route(string rawPath)
    {
        // Split the path as sent, then unescape each segment: an escaped '/' inside a user id stays in its segment.
        var segments = rawPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length < 3 || segments[0] != "api" || segments[1] != "hubs")
        {
            return (null, null, null, null, []);
        }

        var hub = segments[2];
        return segments[3..] switch
        {
            [":send"] => ("broadcast-send", hub, null, null, ["POST"]),
            ["groups", var g, ":send"] => ("group-send", hub, null, g, ["POST"]),
            ["users", var u, ":send"] => ("user-send", hub, u, null, ["POST"]),
            ["connections", _, ":send"] => ("connection-send", hub, null, null, ["POST"]),
            ["users", var u, "groups", var g] => ("user-group", hub, u, g, ["PUT", "DELETE"]),
            ["groups", var g, "connections", _] => ("connection-group", hub, null, g, ["PUT", "DELETE"]),
            _ => (null, null, null, null, []),
        };
    }

    private static bool IsInvocation(string body)
    {
        try
        {
            var json = JsonDocument.Parse(body).RootElement;
            return json.ValueKind == JsonValueKind.Object
                && json.TryGetProperty("target", out var target) && target.ValueKind == JsonValueKind.String && target.GetString()!.Length > 0
                && json.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Array;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
