using System.Buffers;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>One hub invocation the server sent: its target, its first argument, and when its frame was parsed.</summary>
public sealed record ReceivedMessage(string Target, JsonElement Argument, DateTimeOffset ReceivedAt);

/// <summary>Settings of a <see cref="SignalRTestClient"/>; the defaults behave like <c>@microsoft/signalr</c>.</summary>
public sealed class SignalRTestClientOptions
{
    /// <summary>Client used for negotiation; by default one shared by every test client of the process.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>Attached before the first message can arrive (see <see cref="SignalRTestClient.OnMessage"/>).</summary>
    public Action<ReceivedMessage>? OnMessage { get; init; }

    /// <summary>Keep every message for <see cref="SignalRTestClient.Messages"/>; benchmarks that only count may turn it off.</summary>
    public bool RecordMessages { get; init; } = true;

    /// <summary>How often the client sends its ping (the server drops clients silent for 30 s by default).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to wait for the handshake answer.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>Negotiation, handshake or connection failure, with the server's error text.</summary>
public sealed class SignalRConnectionException : Exception
{
    public SignalRConnectionException()
    {
    }

    public SignalRConnectionException(string message)
        : base(message)
    {
    }

    public SignalRConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A receive-only SignalR client speaking the JSON hub protocol over a WebSocket, connecting the way
/// <c>@microsoft/signalr</c> does with an access token: <c>POST negotiate?negotiateVersion=1</c> with a Bearer header
/// (following <c>url</c>/<c>accessToken</c> redirects as Azure SignalR Service answers), then the WebSocket with
/// <c>id</c> and <c>access_token</c> in the query (browsers cannot set headers there), then the handshake. Records every
/// invocation the server sends; cheap enough for a thousand clients in one process (one receive loop each, one
/// pooled buffer each, no per-message tasks).
/// </summary>
public sealed class SignalRTestClient : IAsyncDisposable
{
    public const int MaxRedirects = 5;
    private const byte RecordSeparator = 0x1e;
    private const int InitialBufferSize = 4 * 1024;
    private const int MaxIdleBufferSize = 64 * 1024;
    private static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);
    private static readonly byte[] HandshakeRequest = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] PingMessage = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");
    private static readonly byte[] CloseMessage = Encoding.UTF8.GetBytes("{\"type\":7}\u001e");
    private static readonly JsonElement NoArgument = JsonSerializer.SerializeToElement<object?>(null);

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    })
    { Timeout = TimeSpan.FromSeconds(30) });

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<ReceivedMessage> _messages = [];
    private readonly List<Waiter> _waiters = [];
    private readonly bool _record;
    private readonly Action<ReceivedMessage>? _initialHandler;
    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Timer? _pingTimer;
    private Task _receiveLoop = Task.CompletedTask;
    private string? _closeError;
    private volatile bool _connected;
    private volatile bool _disposing;
    private bool _finished;
    private int _disposed;

    private SignalRTestClient(ClientWebSocket socket, string connectionId, SignalRTestClientOptions options)
    {
        _socket = socket;
        ConnectionId = connectionId;
        _record = options.RecordMessages;
        _initialHandler = options.OnMessage;
    }

    /// <summary>
    /// Invoked on the receive loop for every invocation, after it is recorded: keep it cheap and non-blocking (a slow
    /// handler delays this client's later messages). An exception from it ends the connection with that error.
    /// </summary>
    public event Action<ReceivedMessage>? OnMessage;

    /// <summary>The connection id from negotiation (what the hub sees as <c>Context.ConnectionId</c>).</summary>
    public string ConnectionId { get; }

    /// <summary>Handshake done and neither side has closed.</summary>
    public bool IsConnected => _connected;

    /// <summary>
    /// Completes when the connection ends: successfully when it ended cleanly (or was disposed), faulted with a
    /// <see cref="SignalRConnectionException"/> carrying the server's error when it sent one or the socket failed.
    /// </summary>
    public Task Closed => _closed.Task;

    /// <summary>Every invocation received so far, in arrival order (a snapshot).</summary>
    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToArray();
            }
        }
    }

    public static Task<SignalRTestClient> ConnectAsync(string url, string? accessToken, CancellationToken ct = default) =>
        ConnectAsync(url, accessToken, new SignalRTestClientOptions(), ct);

    /// <summary>Negotiates, opens the WebSocket and completes the handshake; throws when any step fails.</summary>
    /// <exception cref="HttpRequestException">Negotiation answered a non-success status (e.g. 401).</exception>
    /// <exception cref="SignalRConnectionException">Negotiation or handshake answered an error.</exception>
    public static async Task<SignalRTestClient> ConnectAsync(string url, string? accessToken, SignalRTestClientOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(options);
        var http = options.HttpClient ?? SharedHttp.Value;

        var (hubUrl, token, negotiated) = await NegotiateFollowingRedirectsAsync(http, url, accessToken, ct);

        var socket = new ClientWebSocket();
        // SignalR pings at the message level; WebSocket-level keep-alives would only double the timers.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        SignalRTestClient? client = null;
        try
        {
            await socket.ConnectAsync(WebSocketUri(hubUrl, negotiated.ConnectionToken, token), ct);
            client = new SignalRTestClient(socket, negotiated.ConnectionId, options);
            client._receiveLoop = client.ReceiveLoopAsync();
            await client.SendAsync(HandshakeRequest, ct);
            await client._handshake.Task.WaitAsync(options.HandshakeTimeout, ct);
            if (options.PingInterval != Timeout.InfiniteTimeSpan)
            {
                client._pingTimer = new Timer(static state => _ = ((SignalRTestClient)state!).PingAsync(), client, options.PingInterval, options.PingInterval);
            }

            return client;
        }
        catch
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// The first message with <paramref name="target"/> (and, when given, whose argument satisfies
    /// <paramref name="match"/>): one already received is returned at once, otherwise the next to arrive.
    /// </summary>
    /// <exception cref="TimeoutException">None arrived in time (default 10 s); lists the targets received so far.</exception>
    /// <exception cref="SignalRConnectionException">The connection ended before one arrived.</exception>
    public async Task<ReceivedMessage> WaitForAsync(string target, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var waiter = new Waiter(target, match);
        lock (_gate)
        {
            foreach (var message in _messages)
            {
                if (waiter.Matches(message))
                {
                    return message;
                }
            }

            if (_finished)
            {
                throw new SignalRConnectionException($"The connection ended before a '{target}' message arrived{CloseErrorSuffix()}.");
            }

            _waiters.Add(waiter);
        }

        var wait = timeout ?? DefaultWaitTimeout;
        try
        {
            return await waiter.Completion.Task.WaitAsync(wait);
        }
        catch (TimeoutException)
        {
            string received;
            lock (_gate)
            {
                _waiters.Remove(waiter);
                received = _messages.Count == 0
                    ? "nothing"
                    : string.Join(", ", _messages.GroupBy(m => m.Target, StringComparer.Ordinal).Select(g => $"{g.Key} ×{g.Count()}"));
            }

            throw new TimeoutException($"No matching '{target}' message within {wait.TotalSeconds:0.###} s; received so far: {received}.");
        }
    }

    /// <summary>Sends a SignalR close message and a WebSocket Close frame, waits briefly for the server's, then aborts.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposing = true;
        _connected = false;
        if (_pingTimer is not null)
        {
            await _pingTimer.DisposeAsync();
        }

        using (var cts = new CancellationTokenSource(CloseTimeout))
        {
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    await SendAsync(CloseMessage, cts.Token);
                }

                await CloseOutputAsync(cts.Token);
                await _receiveLoop.WaitAsync(cts.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                // Not polite then: abort below.
            }
        }

        _socket.Abort();
        await _receiveLoop;
        _socket.Dispose();
    }

    private static async Task<(string HubUrl, string? Token, Negotiated Negotiated)> NegotiateFollowingRedirectsAsync(
        HttpClient http, string url, string? accessToken, CancellationToken ct)
    {
        for (var redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, NegotiateUri(url));
            if (accessToken is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            }

            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException(
                    $"Negotiate at {request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}: {body}", null, response.StatusCode);
            }

            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (StringProperty(root, "error") is { } error)
            {
                throw new SignalRConnectionException($"Negotiate at {request.RequestUri} answered an error: {error}");
            }

            if (StringProperty(root, "url") is { } redirect)
            {
                if (redirects == MaxRedirects)
                {
                    throw new SignalRConnectionException($"Negotiate redirected more than {MaxRedirects} times (last to {redirect}).");
                }

                url = redirect;
                accessToken = StringProperty(root, "accessToken") ?? accessToken;
                continue;
            }

            if (root.TryGetProperty("availableTransports", out var transports) && transports.ValueKind == JsonValueKind.Array
                && !transports.EnumerateArray().Any(t => StringProperty(t, "transport") == "WebSockets"))
            {
                throw new SignalRConnectionException($"Negotiate at {request.RequestUri} does not offer WebSockets: {body}");
            }

            var connectionId = StringProperty(root, "connectionId")
                ?? throw new SignalRConnectionException($"Negotiate at {request.RequestUri} answered no connectionId: {body}");
            var version = root.TryGetProperty("negotiateVersion", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
            // Version 1 separates the secret connection token (sent back as id) from the public connection id.
            var connectionToken = version >= 1 ? StringProperty(root, "connectionToken") ?? connectionId : connectionId;
            return (url, accessToken, new Negotiated(connectionId, connectionToken));
        }
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary><c>{path}/negotiate?{query}&amp;negotiateVersion=1</c>, as the JavaScript client builds it.</summary>
    private static Uri NegotiateUri(string url)
    {
        var (path, query) = SplitQuery(url);
        path += path.EndsWith('/') ? "negotiate" : "/negotiate";
        if (!query.Split('&').Any(p => p.StartsWith("negotiateVersion=", StringComparison.Ordinal)))
        {
            query = query.Length == 0 ? "negotiateVersion=1" : query + "&negotiateVersion=1";
        }

        return new Uri(path + "?" + query);
    }

    private static Uri WebSocketUri(string url, string connectionToken, string? accessToken)
    {
        var (path, query) = SplitQuery(url);
        var scheme = path.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? "wss:" + path[6..]
            : path.StartsWith("http:", StringComparison.OrdinalIgnoreCase) ? "ws:" + path[5..]
            : path;
        var extra = "id=" + Uri.EscapeDataString(connectionToken);
        if (accessToken is not null)
        {
            extra += "&access_token=" + Uri.EscapeDataString(accessToken);
        }

        return new Uri(scheme + "?" + (query.Length == 0 ? extra : query + "&" + extra));
    }

    private static (string Path, string Query) SplitQuery(string url)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            url = url[..hash];
        }

        var q = url.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? (url, string.Empty) : (url[..q], url[(q + 1)..]);
    }

    private async Task SendAsync(byte[] message, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task CloseOutputAsync(CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task PingAsync()
    {
        if (!_connected || !_sendLock.Wait(0))
        {
            return; // Something else is being sent: that keeps the connection alive just as well.
        }

        try
        {
            await _socket.SendAsync(PingMessage, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The receive loop reports the failure.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Reads the socket as one byte stream into a pooled buffer and cuts it at record separators: a record may span
    /// several frames (the tail waits in the buffer for the next one), one frame may carry several records. UTF-8
    /// never uses 0x1e inside a multi-byte character, so cutting bytes is safe.
    /// </summary>
    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        var filled = 0;
        Exception? failure = null;
        WebSocketCloseStatus? closeStatus = null;
        string? closeDescription = null;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await _socket.ReceiveAsync(buffer.AsMemory(filled), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    closeStatus = _socket.CloseStatus;
                    closeDescription = _socket.CloseStatusDescription;
                    break;
                }

                var receivedAt = DateTimeOffset.UtcNow;
                var scanFrom = filled;
                filled += result.Count;
                var start = 0;
                int separator;
                while ((separator = buffer.AsSpan(scanFrom, filled - scanFrom).IndexOf(RecordSeparator)) >= 0)
                {
                    var end = scanFrom + separator;
                    HandleRecord(buffer.AsMemory(start, end - start), receivedAt);
                    start = scanFrom = end + 1;
                }

                if (start > 0)
                {
                    buffer.AsSpan(start, filled - start).CopyTo(buffer);
                    filled -= start;
                }

                if (filled == 0 && buffer.Length > MaxIdleBufferSize)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
                }
            }

            if (_socket.State == WebSocketState.CloseReceived)
            {
                using var cts = new CancellationTokenSource(CloseTimeout);
                await CloseOutputAsync(cts.Token);
            }
        }
#pragma warning disable CA1031 // Whatever ends the loop is reported through Closed.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = e;
            if (!_disposing)
            {
                _socket.Abort(); // E.g. a throwing OnMessage handler: let the server see the client go.
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Finish(failure, closeStatus, closeDescription);
    }

    private void HandleRecord(ReadOnlyMemory<byte> record, DateTimeOffset receivedAt)
    {
        using var json = JsonDocument.Parse(record);
        var root = json.RootElement;
        if (!_handshake.Task.IsCompleted)
        {
            if (StringProperty(root, "error") is { } handshakeError)
            {
                _closeError = handshakeError;
                _handshake.TrySetException(new SignalRConnectionException("Handshake refused: " + handshakeError));
            }
            else
            {
                _connected = true;
                _handshake.TrySetResult();
            }

            return;
        }

        if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.Number)
        {
            return;
        }

        switch (type.GetInt32())
        {
            case 1: // Invocation
                var target = StringProperty(root, "target");
                if (target is null)
                {
                    return;
                }

                var argument = root.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Array && arguments.GetArrayLength() > 0
                    ? arguments[0].Clone()
                    : NoArgument;
                Deliver(new ReceivedMessage(target, argument, receivedAt));
                break;
            case 6: // Ping
                break;
            case 7: // Close: the server closes the socket right after.
                _closeError = StringProperty(root, "error");
                _connected = false;
                break;
            default: // Completion, stream items and later additions: not for a receive-only client.
                break;
        }
    }

    private void Deliver(ReceivedMessage message)
    {
        List<Waiter>? satisfied = null;
        lock (_gate)
        {
            if (_record)
            {
                _messages.Add(message);
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Matches(message))
                {
                    (satisfied ??= []).Add(_waiters[i]);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (satisfied is not null)
        {
            foreach (var waiter in satisfied)
            {
                waiter.Completion.TrySetResult(message);
            }
        }

        _initialHandler?.Invoke(message);
        OnMessage?.Invoke(message);
    }

    private void Finish(Exception? failure, WebSocketCloseStatus? closeStatus, string? closeDescription)
    {
        _connected = false;
        _pingTimer?.Dispose();
        Exception? error = null;
        if (_closeError is not null)
        {
            error = new SignalRConnectionException("Server closed the connection: " + _closeError);
        }
        else if (!_disposing && failure is not null)
        {
            error = new SignalRConnectionException("Connection failed: " + failure.Message, failure);
        }
        else if (!_disposing && closeStatus is not null and not WebSocketCloseStatus.NormalClosure and not WebSocketCloseStatus.EndpointUnavailable)
        {
            error = new SignalRConnectionException($"Server closed the WebSocket: {closeStatus} {closeDescription}");
        }

        List<Waiter> pending;
        lock (_gate)
        {
            _finished = true;
            pending = [.. _waiters];
            _waiters.Clear();
        }

        var ended = new SignalRConnectionException($"The connection ended before the message arrived{CloseErrorSuffix()}.");
        foreach (var waiter in pending)
        {
            waiter.Completion.TrySetException(ended);
        }

        _handshake.TrySetException(error ?? new SignalRConnectionException("The connection ended during the handshake."));
        _ = _handshake.Task.Exception; // Observed: ConnectAsync reports it when it matters.
        if (error is null)
        {
            _closed.TrySetResult();
        }
        else
        {
            _closed.TrySetException(error);
            _ = _closed.Task.Exception; // Tests that do not look at Closed must not see unobserved-task noise.
        }
    }

    private string CloseErrorSuffix() => _closeError is null ? string.Empty : ": " + _closeError;

    private readonly record struct Negotiated(string ConnectionId, string ConnectionToken);

    private sealed class Waiter(string target, Func<JsonElement, bool>? match)
    {
        public TaskCompletionSource<ReceivedMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Matches(ReceivedMessage message) =>
            string.Equals(message.Target, target, StringComparison.Ordinal) && (match is null || match(message.Argument));
    }
}
