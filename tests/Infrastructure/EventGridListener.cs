using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// A stand-in Event Grid topic: real Kestrel on a free 127.0.0.1 port that records every publish request and answers
/// with <see cref="AnswerWith"/> (200 like Event Grid, or a failure to test retries).
/// </summary>
public sealed class EventGridListener : IAsyncDisposable
{
    public const string TopicPath = "/api/events";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _requests = new();
    private int _answerWith = StatusCodes.Status200OK;

    private EventGridListener(WebApplication app) => _app = app;

    /// <summary>One request as the topic saw it, with the status it was answered with.</summary>
    public sealed record Received(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers,
        string Body, int AnsweredWith)
    {
        public IReadOnlyList<JsonElement> Events => JsonDocument.Parse(Body).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>The topic endpoint to configure, like <c>https://topic.region-1.eventgrid.azure.net/api/events</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public int AnswerWith
    {
        get => Volatile.Read(ref _answerWith);
        set => Volatile.Write(ref _answerWith, value);
    }

    public IReadOnlyList<Received> Requests => _requests.ToArray();

    /// <summary>Every event received in a request answered 200, in arrival order.</summary>
    public IReadOnlyList<JsonElement> Accepted => Requests.Where(r => r.AnsweredWith == StatusCodes.Status200OK).SelectMany(r => r.Events).ToList();

    public static async Task<EventGridListener> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var listener = new EventGridListener(app);
        app.MapPost(TopicPath, async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var status = listener.AnswerWith;
            listener._requests.Enqueue(new Received(request.Method, request.Path.Value ?? string.Empty,
                request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
                request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body, status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var bound = new Uri(app.Urls.Single());
        listener.Endpoint = new Uri($"http://127.0.0.1:{bound.Port}{TopicPath}");
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
