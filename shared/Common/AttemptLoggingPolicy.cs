using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Common;

/// <summary>
/// One structured log line per attempt of an outgoing call (service, verb, path without the query — a SAS or key must
/// never reach a log — status, elapsed, client request id). Debug when fine, Warning when <paramref name="isWarning"/>
/// says the status deserves attention or the attempt failed.
/// </summary>
/// <param name="logger">Where the lines go.</param>
/// <param name="service">The service's name in the lines.</param>
/// <param name="isWarning">Which statuses are worth a warning.</param>
/// <param name="countStorageCalls">Counts each attempt in <see cref="ServerlessCommerce.Storage.StorageCallMeter"/> (the storage clients).</param>
public sealed class AttemptLoggingPolicy(ILogger logger, string service, Func<int, bool> isWarning, bool countStorageCalls = false) : HttpPipelinePolicy
{
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (async)
            {
                await ProcessNextAsync(message, pipeline);
            }
            else
            {
                ProcessNext(message, pipeline);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "{Service} {Method} {Path} failed after {ElapsedMs} ms (request {RequestId})",
                service, message.Request.Method, message.Request.Uri.Path, Stopwatch.GetElapsedTime(started).TotalMilliseconds, message.Request.ClientRequestId);
            throw;
        }

        if (countStorageCalls)
        {
            ServerlessCommerce.Storage.StorageCallMeter.Count(service, message.Request.Method, message.Request.Uri.Host, message.Request.Uri.Path);
        }

        var status = message.Response.Status;
        var level = isWarning(status) ? LogLevel.Warning : LogLevel.Debug;
        if (logger.IsEnabled(level))
        {
            logger.Log(level, "{Service} {Method} {Path} -> {Status} in {ElapsedMs} ms (request {RequestId})",
                service, message.Request.Method, message.Request.Uri.Path, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds, message.Request.ClientRequestId);
        }
    }
}
