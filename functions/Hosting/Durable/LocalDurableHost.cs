using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Functions.Hosting.Durable;

/// <summary>What the local worker and the local client share: the task hub's storage settings and the data converter.</summary>
public sealed class LocalDurableRuntime(LocalDurableOptions options, AppSettings settings, ILoggerFactory loggerFactory)
{
    public LocalDurableOptions Options => options;

    /// <summary>The converter of Microsoft.DurableTask (System.Text.Json) for inputs, outputs and events on both sides.</summary>
    public Microsoft.DurableTask.DataConverter DataConverter { get; } = JsonDataConverter.Default;

    public AzureStorageOrchestrationServiceSettings ServiceSettings(string workerId) => new()
    {
        TaskHubName = options.HubName,
        StorageAccountClientProvider = new StorageAccountClientProvider(settings.Storage.ToConnectionString()),
        WorkerId = workerId,
        PartitionCount = options.PartitionCount,
        MaxQueuePollingInterval = options.MaxQueuePollingInterval,
        ControlQueueVisibilityTimeout = options.VisibilityTimeout,
        WorkItemQueueVisibilityTimeout = options.VisibilityTimeout,
        // Two app instances starting one instance id at once: the Instances table row is written with If-Match, so one wins.
        UseInstanceTableEtag = true,
        LoggerFactory = loggerFactory,
    };
}

/// <summary>
/// Runs the app's orchestrators and activities on DurableTask.Core's <see cref="TaskHubWorker"/> over
/// DurableTask.AzureStorage — the engine and storage format Durable Functions uses — for when the Functions host is not
/// there (ARCHITECTURE.md section 2). Each <c>[Function]</c> orchestrator and activity found by
/// <see cref="DurableFunctionCatalog"/> is wrapped by <see cref="DurableTaskShimFactory"/>. The worker id is the host
/// name and HTTP port: stable across restarts of one instance (so after a crash it takes its partitions back at once)
/// and unique among instances on one machine.
/// </summary>
public sealed class LocalDurableHost(
    LocalDurableRuntime runtime, DurableFunctionCatalog catalog, IServiceScopeFactory scopes, IServer server,
    IHostApplicationLifetime lifetime, ILoggerFactory loggerFactory, ILogger<LocalDurableHost> logger) : IHostedLifecycleService
{
    private AzureStorageOrchestrationService? _service;
    private TaskHubWorker? _worker;

    public string? WorkerId { get; private set; }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After every StartAsync, so Kestrel is listening and its port is known.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!runtime.Options.RunWorker)
        {
            logger.LogInformation("Durable task hub {TaskHub}: client only, another process runs its worker", runtime.Options.HubName);
            return;
        }

        WorkerId = $"{Environment.MachineName}-{Port()}";
        _service = new AzureStorageOrchestrationService(runtime.ServiceSettings(WorkerId));
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions { DataConverter = runtime.DataConverter }, loggerFactory);
        var worker = new TaskHubWorker(_service, loggerFactory);
        worker.AddTaskOrchestrations([.. catalog.Orchestrators.Select(f => new ShimCreator<TaskOrchestration>(f.Name,
            () => shims.CreateOrchestration(f.Name, new FunctionOrchestrator(f, scopes, runtime.DataConverter, loggerFactory), parent: null)))]);
        worker.AddTaskActivities([.. catalog.Activities.Select(f => new ShimCreator<TaskActivity>(f.Name,
            () => shims.CreateActivity(f.Name, new FunctionActivity(f, scopes, lifetime.ApplicationStopping))))]);

        await _service.CreateIfNotExistsAsync();
        await worker.StartAsync();
        _worker = worker;
        logger.LogInformation("Durable task hub {TaskHub} running as {WorkerId}: {Orchestrators} orchestrators, {Activities} activities",
            runtime.Options.HubName, WorkerId, catalog.Orchestrators.Count, catalog.Activities.Count);
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_worker is { } worker)
        {
            // Forced: do not wait for in-flight work; anything unfinished is redelivered (every activity is idempotent).
            await worker.StopAsync(isForced: true).WaitAsync(cancellationToken);
            worker.Dispose();
            _worker = null;
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private int Port()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return address is not null && Uri.TryCreate(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            ? uri.Port
            : 0;
    }
}
