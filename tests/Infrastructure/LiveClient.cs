using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>One live-room event a client received: its target and its payload.</summary>
public sealed record LiveEvent(string Target, JsonElement Payload);

/// <summary>
/// A live-room viewer on the official SignalR client, connected as the page connects (the <c>url</c> and
/// <c>accessToken</c> from <c>POST /api/live/negotiate</c>). Keeps every event of the room, in arrival order, so a
/// test can wait for one or check that one never came.
/// </summary>
public sealed class LiveClient : IAsyncDisposable
{
    /// <summary>Every target the live room sends (the official client only hands over targets it listens to).</summary>
    public static readonly IReadOnlyList<string> RoomTargets =
    [
        "connected", "viewerCount", "phaseChanged", "orderPlaced", "stockChanged", "commentPosted", "commentAnswered",
        "pollOpened", "pollUpdated", "pollClosed", "productPinned", "flashSaleStarted", "flashSaleEnded", "notification", "shoutOut",
    ];

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly HubConnection _connection;
    private readonly List<LiveEvent> _events = [];
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LiveClient(HubConnection connection)
    {
        _connection = connection;
        foreach (var target in RoomTargets)
        {
            connection.On<JsonElement>(target, payload => Record(new LiveEvent(target, payload)));
        }

        connection.Closed += error =>
        {
            _closed.TrySetResult(error);
            return Task.CompletedTask;
        };
    }

    /// <summary>Every event received so far, in arrival order (a snapshot).</summary>
    public IReadOnlyList<LiveEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Completes when the connection ends, with the server's error if it sent one.</summary>
    public Task<Exception?> Closed => _closed.Task;

    public static async Task<LiveClient> ConnectAsync(string url, string accessToken, CancellationToken cancellationToken = default)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(url, o => o.AccessTokenProvider = () => Task.FromResult<string?>(accessToken))
            .Build();
        var client = new LiveClient(connection);
        try
        {
            await connection.StartAsync(cancellationToken);
            return client;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The payload of the first <paramref name="target"/> event (whose payload satisfies <paramref name="match"/>, when
    /// given), already received or the next to arrive.
    /// </summary>
    /// <exception cref="TimeoutException">None arrived in time (default 10 s); says what did arrive.</exception>
    public async Task<JsonElement> WaitForAsync(string target, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        if (!RoomTargets.Contains(target))
        {
            throw new ArgumentException($"'{target}' is not a live-room target this client listens to.", nameof(target));
        }

        var wait = timeout ?? DefaultTimeout;
        using var deadline = new CancellationTokenSource(wait);
        while (true)
        {
            Task arrived;
            lock (_events)
            {
                if (_events.FirstOrDefault(e => e.Target == target && (match is null || match(e.Payload))) is { } found)
                {
                    return found.Payload;
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                var received = Events.CountBy(e => e.Target).Select(c => $"{c.Key} ×{c.Value}").DefaultIfEmpty("nothing");
                throw new TimeoutException($"No matching '{target}' within {wait.TotalSeconds:0.#} s; received {string.Join(", ", received)}.");
            }
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private void Record(LiveEvent liveEvent)
    {
        TaskCompletionSource arrived;
        lock (_events)
        {
            _events.Add(liveEvent);
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        arrived.TrySetResult();
    }
}
