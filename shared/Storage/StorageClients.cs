using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Storage;

/// <summary>
/// The three official service clients for one <see cref="StorageConnection"/>, built once at start-up: the account key
/// for connection strings, <see cref="DefaultAzureCredential"/> for identity-based connections. Every client shares
/// the same retries and one structured log line per attempt. The adapters take table, queue and container clients from
/// these (the SDK's clients are thread-safe and meant to be reused).
/// </summary>
public sealed class StorageClients
{
    /// <summary>
    /// Azurite 3.37 speaks Blob/Queue service version 2026-06-06 and refuses the SDKs' default (2026-10-06) with
    /// 400 InvalidHeaderValue; Azure accepts it too. Tables has a single version and is unaffected.
    /// </summary>
    public const BlobClientOptions.ServiceVersion BlobServiceVersion = BlobClientOptions.ServiceVersion.V2026_06_06;

    /// <inheritdoc cref="BlobServiceVersion"/>
    public const QueueClientOptions.ServiceVersion QueueServiceVersion = QueueClientOptions.ServiceVersion.V2026_06_06;

    public StorageClients(StorageConnection connection, ILogger? logger = null, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        logger ??= NullLogger.Instance;
        Connection = connection;

        var tableOptions = Configure(new TableClientOptions(), logger, "Storage Table");
        var blobOptions = Configure(new BlobClientOptions(BlobServiceVersion), logger, "Storage Blob");
        var queueOptions = Configure(new QueueClientOptions(QueueServiceVersion) { MessageEncoding = QueueMessageEncoding.Base64 }, logger, "Storage Queue");
        queueOptions.MessageDecodingFailed += args => AzureQueueStore.OnUndecodableMessageAsync(args, logger);

        if (connection.AccountKey is { } key)
        {
            Credential = null;
            Tables = new TableServiceClient(connection.TableEndpoint, new TableSharedKeyCredential(connection.AccountName, key), tableOptions);
            var shared = new StorageSharedKeyCredential(connection.AccountName, key);
            Blobs = new BlobServiceClient(connection.BlobEndpoint, shared, blobOptions);
            Queues = new QueueServiceClient(connection.QueueEndpoint, shared, queueOptions);
        }
        else
        {
            Credential = credential ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = connection.ManagedIdentityClientId });
            Tables = new TableServiceClient(connection.TableEndpoint, Credential, tableOptions);
            Blobs = new BlobServiceClient(connection.BlobEndpoint, Credential, blobOptions);
            Queues = new QueueServiceClient(connection.QueueEndpoint, Credential, queueOptions);
        }
    }

    public StorageConnection Connection { get; }

    /// <summary>The token credential in use; null when requests are signed with the account key.</summary>
    public TokenCredential? Credential { get; }

    public TableServiceClient Tables { get; }

    public BlobServiceClient Blobs { get; }

    public QueueServiceClient Queues { get; }

    private static T Configure<T>(T options, ILogger logger, string service)
        where T : Azure.Core.ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 4;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        options.Diagnostics.IsLoggingContentEnabled = false;
        options.Diagnostics.ApplicationId = "ServerlessCommerce";
        options.AddPolicy(new AttemptLoggingPolicy(logger, service, status => status >= 500 || status == 429, countStorageCalls: true), HttpPipelinePosition.PerRetry);
        return options;
    }
}
