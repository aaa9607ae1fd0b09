using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace ServerlessCommerce.Functions.Hosting.Durable;

/// <summary>
/// A <see cref="DurableTaskClient"/> over DurableTask.Core's <see cref="TaskHubClient"/> on the local task hub. Written
/// here because no package served to us offers one (the upstream client shim is missing, AZURE-CONTRACTS.md); code
/// written against <see cref="DurableTaskClient"/> runs unchanged under Functions with <c>[DurableClient]</c>. It does
/// what the app needs — schedule (with an instance id), raise events, read, wait, suspend/resume, terminate, purge —
/// and says so clearly for the rest.
/// </summary>
public sealed class TaskHubDurableClient : DurableTaskClient
{
    /// <summary>
    /// Without explicit dedupe statuses an instance id that is still pending, running or suspended cannot be started
    /// again (as under Durable Functions): the call throws <see cref="DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException"/>.
    /// A completed, failed or terminated one is replaced.
    /// </summary>
    private static readonly OrchestrationStatus[] NotReplaceable = [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended, OrchestrationStatus.ContinuedAsNew];

    private readonly AzureStorageOrchestrationService _service;
    private readonly TaskHubClient _client;
    private readonly Microsoft.DurableTask.DataConverter _converter;

    public TaskHubDurableClient(LocalDurableRuntime runtime, ILoggerFactory loggerFactory)
        : base(runtime.Options.HubName)
    {
        _converter = runtime.DataConverter;
        _service = new AzureStorageOrchestrationService(runtime.ServiceSettings($"{Environment.MachineName}-client"));
        _client = new TaskHubClient(_service, new CoreDataConverter(_converter), loggerFactory);
    }

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        var dedupe = options?.DedupeStatuses is { Count: > 0 } given ? [.. given.Select(s => Enum.Parse<OrchestrationStatus>(s, ignoreCase: true))] : NotReplaceable;
        var tags = options?.Tags?.ToDictionary(t => t.Key, t => t.Value);
        var version = options?.Version?.Version ?? string.Empty;
        var instance = options?.StartAt is { } at
            ? await _client.CreateOrchestrationInstanceAsync(orchestratorName.Name, version, instanceId, input, tags, dedupe, at.UtcDateTime)
            : await _client.CreateOrchestrationInstanceAsync(orchestratorName.Name, version, instanceId, input, tags, dedupe);
        return instance.InstanceId;
    }

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        return _client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, eventName, eventPayload!);
    }

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        return await _client.GetOrchestrationStateAsync(instanceId) is { } state ? ToMetadata(state, getInputsAndOutputs) : null;
    }

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        PollAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        PollAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated, cancellation);

    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        return _client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, options?.Output is null ? "terminated" : _converter.Serialize(options.Output));
    }

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        _client.SuspendInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        _client.ResumeInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason);

    public override async Task<Microsoft.DurableTask.Client.PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        var purged = await _service.PurgeInstanceHistoryAsync(instanceId);
        return new Microsoft.DurableTask.Client.PurgeResult(purged.InstancesDeleted);
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        throw new NotSupportedException("The local task hub client does not list instances; read one by its id (GetInstanceAsync).");

    public override ValueTask DisposeAsync()
    {
        _service.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<OrchestrationMetadata> PollAsync(string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> done, CancellationToken cancellation)
    {
        // Polling the Instances table: the same thing TaskHubClient.WaitForOrchestrationAsync does over this backend.
        while (true)
        {
            if (await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation) is { } metadata && done(metadata))
            {
                return metadata;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellation);
        }
    }

    private OrchestrationMetadata ToMetadata(OrchestrationState state, bool withPayloads) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            RuntimeStatus = Enum.Parse<OrchestrationRuntimeStatus>(state.OrchestrationStatus.ToString()),
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
            LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)),
            SerializedInput = withPayloads ? state.Input : null,
            SerializedOutput = withPayloads ? state.Output : null,
            SerializedCustomStatus = withPayloads ? state.Status : null,
            FailureDetails = state.FailureDetails is { } f ? new TaskFailureDetails(f.ErrorType, f.ErrorMessage, f.StackTrace, null, null) : null,
            DataConverter = _converter,
        };

    /// <summary>DurableTask.Core's converter contract over Microsoft.DurableTask's, so both sides agree on every payload.</summary>
    private sealed class CoreDataConverter(Microsoft.DurableTask.DataConverter inner) : DurableTask.Core.Serializing.DataConverter
    {
        public override string Serialize(object value) => inner.Serialize(value)!;

        public override string Serialize(object value, bool formatted) => inner.Serialize(value)!;

        public override object Deserialize(string data, Type objectType) => inner.Deserialize(data, objectType)!;
    }
}
