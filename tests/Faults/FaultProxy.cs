using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Faults;

/// <summary>How often the proxy misbehaves, per request (each a probability from 0 to 1, drawn in this order).</summary>
public sealed record FaultRates(double ServerBusy = 0, double Timeout = 0, double Slow = 0)
{
    public static readonly FaultRates None = new();

    /// <summary>The latency a slow answer gets on top (uniform from 0 to this).</summary>
    public TimeSpan SlowBy { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>How long a timed-out request is held before its connection is dropped.</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(2);

    public override string ToString() => $"503 {ServerBusy:P0}, timeout {Timeout:P0}, slow {Slow:P0} (≤ {SlowBy.TotalMilliseconds:F0} ms)";
}

/// <summary>
/// An HTTP forwarder between the app and Azurite, one listener per storage service (blob, queue, table), forwarding
/// path and query unchanged (Azurite's path-style URLs carry <c>devstoreaccount1</c>) with every header, so shared-key
/// signatures still verify. Per request, by <see cref="Rates"/>: a 503 <c>ServerBusy</c> (nothing reaches storage); a
/// timeout (the connection is held, then dropped — half of them before storage sees the request, half after storage
/// applied it, so the answer of a write that happened is lost); a slow answer; otherwise a plain pass. Counts what it did.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    public const string ServerBusy = "503 ServerBusy";
    public const string DroppedBefore = "timeout, dropped before storage";
    public const string DroppedAfter = "timeout, answer lost after storage applied it";
    public const string Slow = "slow answer";

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _forward = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false, UseCookies = false, UseProxy = false, AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(5),
    }) { Timeout = TimeSpan.FromSeconds(60) };
    private readonly ConcurrentDictionary<string, long> _faults = new(StringComparer.Ordinal);
    private readonly Dictionary<int, (int Target, string Service)> _routes;
    private long _forwarded;
    private FaultRates _rates = FaultRates.None;

    private FaultProxy(WebApplication app, Dictionary<int, (int, string)> routes, StorageConnection through)
    {
        _app = app;
        _routes = routes;
        Connection = through;
    }

    /// <summary>The storage account as seen through the proxy (give its connection string to the app).</summary>
    public StorageConnection Connection { get; }

    public FaultRates Rates
    {
        get => Volatile.Read(ref _rates);
        set => Volatile.Write(ref _rates, value);
    }

    /// <summary>Faults injected so far, by kind.</summary>
    public IReadOnlyDictionary<string, long> Faults => new Dictionary<string, long>(_faults, StringComparer.Ordinal);

    public long Forwarded => Interlocked.Read(ref _forwarded);

    public static async Task<FaultProxy> StartAsync(Azurite azurite)
    {
        int blob = Azurite.FreePort(), queue = Azurite.FreePort(), table = Azurite.FreePort();
        var routes = new Dictionary<int, (int, string)>
        {
            [blob] = (azurite.Account.BlobEndpoint.Port, "blob"),
            [queue] = (azurite.Account.QueueEndpoint.Port, "queue"),
            [table] = (azurite.Account.TableEndpoint.Port, "table"),
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            foreach (var port in routes.Keys)
            {
                k.Listen(IPAddress.Loopback, port);
            }

            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var proxy = new FaultProxy(app, routes, StorageConnection.Development(blob, queue, table));
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        return proxy;
    }

    private void Count(string kind) => _faults.AddOrUpdate(kind, 1, (_, n) => n + 1);

    private async Task HandleAsync(HttpContext context)
    {
        var (target, service) = _routes[context.Connection.LocalPort];
        var rates = Rates;
        var draw = Random.Shared.NextDouble();
        var timeout = false;
        if (draw < rates.ServerBusy)
        {
            Count(ServerBusy);
            await WriteServerBusyAsync(context, service);
            return;
        }

        if (draw < rates.ServerBusy + rates.Timeout)
        {
            timeout = true;
            if (Random.Shared.Next(2) == 0)
            {
                Count(DroppedBefore);
                await Task.Delay(rates.Hold);
                context.Abort();
                return;
            }
        }
        else if (draw < rates.ServerBusy + rates.Timeout + rates.Slow)
        {
            Count(Slow);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * rates.SlowBy.TotalMilliseconds));
        }

        // The request target exactly as sent (Path is decoded; re-encoding it can change an escape the signature covers).
        var raw = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget
                  ?? context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri($"http://127.0.0.1:{target}{raw}", UriKind.Absolute));
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > 0 || context.Request.ContentLength is not null)
        {
            request.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _forward.SendAsync(request, HttpCompletionOption.ResponseContentRead, context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            context.Abort(); // storage unreachable: the client sees what it would see without the proxy
            return;
        }

        using (response)
        {
            Interlocked.Increment(ref _forwarded);
            if (timeout)
            {
                Count(DroppedAfter);
                await Task.Delay(rates.Hold);
                context.Abort();
                return;
            }

            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            var bytes = await response.Content.ReadAsByteArrayAsync();
            if (context.Request.Method != "HEAD")
            {
                await context.Response.Body.WriteAsync(bytes);
            }
        }
    }

    /// <summary>A 503 as the storage services send it: ServerBusy in the header and in the body (JSON for tables, XML otherwise).</summary>
    private static async Task WriteServerBusyAsync(HttpContext context, string service)
    {
        const string message = "The server is busy. (fault proxy)";
        context.Response.StatusCode = 503;
        context.Response.Headers["x-ms-error-code"] = "ServerBusy";
        context.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        if (service == "table")
        {
            context.Response.ContentType = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8";
            await context.Response.WriteAsync("{\"odata.error\":{\"code\":\"ServerBusy\",\"message\":{\"lang\":\"en-US\",\"value\":\"" + message + "\"}}}");
        }
        else
        {
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync($"""<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>{message}</Message></Error>""");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forward.Dispose();
    }
}
