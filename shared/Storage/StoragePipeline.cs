using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace ServerlessCommerce.Storage;

/// <summary>Retry and timeout settings shared by the three storage adapters.</summary>
public sealed class StorageClientOptions : ClientOptions
{
    public StorageClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 4;
        Retry.Delay = TimeSpan.FromMilliseconds(100);
        Retry.MaxDelay = TimeSpan.FromSeconds(4);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        Diagnostics.IsLoggingContentEnabled = false;
        Diagnostics.ApplicationId = "ServerlessCommerce";
    }
}

/// <summary>Which signing scheme a service speaks.</summary>
public enum StorageService
{
    Blob,
    Queue,
    Table,
}

/// <summary>
/// Builds the Azure.Core <see cref="HttpPipeline"/> each adapter sends through: Azure.Core's retries with exponential
/// backoff and client request ids, our shared-key signing (re-signed on every retry, because the date moves), and a
/// structured log line per attempt. Query strings never reach the log (a SAS would leak).
/// </summary>
public static class StoragePipeline
{
    public const string TableApiVersion = "2019-02-02";
    public const string BlobQueueApiVersion = "2021-08-06";

    public static HttpPipeline Build(StorageAccount account, StorageService service, ILogger logger, StorageClientOptions? options = null) =>
        HttpPipelineBuilder.Build(
            options ?? new StorageClientOptions(),
            [],
            [new SharedKeyPolicy(account, service), new ServerlessCommerce.Common.AttemptLoggingPolicy(logger, $"Storage {service}", status => status >= 500 || status == 429)],
            new ResponseClassifier());

    /// <summary>Signs each attempt with the account key (SharedKeyLite for Tables, SharedKey for Blobs and Queues).</summary>
    private sealed class SharedKeyPolicy(StorageAccount account, StorageService service) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            var request = message.Request;
            request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
            if (!request.Headers.TryGetValue("x-ms-version", out _))
            {
                request.Headers.SetValue("x-ms-version", service == StorageService.Table ? TableApiVersion : BlobQueueApiVersion);
            }

            var uri = request.Uri.ToUri();
            string scheme;
            string stringToSign;
            if (service == StorageService.Table)
            {
                scheme = "SharedKeyLite";
                stringToSign = TableStringToSign(request, uri);
            }
            else
            {
                scheme = "SharedKey";
                stringToSign = BlobQueueStringToSign(request, uri);
            }

            var signature = Convert.ToBase64String(HMACSHA256.HashData(account.Key, Encoding.UTF8.GetBytes(stringToSign)));
            request.Headers.SetValue("Authorization", $"{scheme} {account.Name}:{signature}");
        }

        private string TableStringToSign(Request request, Uri uri)
        {
            request.Headers.TryGetValue("x-ms-date", out var date);
            var resource = new StringBuilder("/").Append(account.Name).Append(uri.AbsolutePath);
            var comp = QueryParameters(uri).FirstOrDefault(p => p.Key == "comp");
            if (comp.Key is not null)
            {
                resource.Append("?comp=").Append(comp.Value);
            }

            return $"{date}\n{resource}";
        }

        private string BlobQueueStringToSign(Request request, Uri uri)
        {
            string Header(string name) => request.Headers.TryGetValue(name, out var v) ? v : string.Empty;
            var length = request.Content is not null && request.Content.TryComputeLength(out var l) && l > 0
                ? l.ToString(CultureInfo.InvariantCulture)
                : string.Empty;

            var sb = new StringBuilder();
            sb.Append(request.Method.Method.ToUpperInvariant()).Append('\n')
              .Append(Header("Content-Encoding")).Append('\n')
              .Append(Header("Content-Language")).Append('\n')
              .Append(length).Append('\n')
              .Append(Header("Content-MD5")).Append('\n')
              .Append(Header("Content-Type")).Append('\n')
              .Append('\n') // Date: x-ms-date is used instead
              .Append(Header("If-Modified-Since")).Append('\n')
              .Append(Header("If-Match")).Append('\n')
              .Append(Header("If-None-Match")).Append('\n')
              .Append(Header("If-Unmodified-Since")).Append('\n')
              .Append(Header("Range")).Append('\n');

            foreach (var header in request.Headers
                         .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                         .Select(h => (Name: h.Name.ToLowerInvariant(), Value: h.Value.Trim()))
                         .OrderBy(h => h.Name, StringComparer.Ordinal))
            {
                sb.Append(header.Name).Append(':').Append(header.Value).Append('\n');
            }

            sb.Append('/').Append(account.Name).Append(uri.AbsolutePath);
            foreach (var group in QueryParameters(uri)
                         .GroupBy(p => p.Key)
                         .OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                sb.Append('\n').Append(group.Key).Append(':').Append(string.Join(',', group.Select(p => p.Value).Order(StringComparer.Ordinal)));
            }

            return sb.ToString();
        }
    }

    internal static IEnumerable<KeyValuePair<string, string>> QueryParameters(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            yield break;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            yield return new(key, value);
        }
    }
}

/// <summary>One service endpoint and the signed pipeline to it: how every adapter builds and sends its requests.</summary>
internal sealed class StorageRestClient(StorageAccount account, StorageService service, ILogger logger, StorageClientOptions? options)
{
    private readonly HttpPipeline _pipeline = StoragePipeline.Build(account, service, logger, options);

    /// <summary>The service endpoint without a trailing slash (path-style for Azurite: it ends with the account name).</summary>
    public string BaseUrl { get; } = (service switch
    {
        StorageService.Blob => account.BlobEndpoint,
        StorageService.Queue => account.QueueEndpoint,
        _ => account.TableEndpoint,
    }).ToString().TrimEnd('/');

    public HttpMessage CreateMessage(RequestMethod method, string path)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri(BaseUrl + "/" + path));
        return message;
    }

    public async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await _pipeline.SendAsync(message, cancellationToken);
        return message.Response;
    }
}
