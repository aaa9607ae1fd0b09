using System.Text.Json;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace ServerlessCommerce.Functions.Hosting.Durable;

/// <summary>
/// A Functions-style orchestrator (<c>[OrchestrationTrigger] TaskOrchestrationContext</c>) as an
/// <see cref="ITaskOrchestrator"/> for <c>DurableTaskShimFactory.CreateOrchestration</c>. The method declares no input
/// type, so the input arrives as raw JSON and <c>context.GetInput&lt;T&gt;()</c> deserializes it on request, as under
/// the Functions worker.
/// </summary>
public sealed class FunctionOrchestrator(DurableFunction function, IServiceScopeFactory scopes, DataConverter converter, ILoggerFactory loggerFactory) : ITaskOrchestrator
{
    public Type InputType => typeof(JsonElement?);

    public Type OutputType => function.ResultType ?? typeof(object);

    public async Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
    {
        var bound = new FunctionOrchestrationContext(context, (JsonElement?)input, converter, loggerFactory);

        // An episode that ends waiting on a durable task never resumes this object (the next episode replays on a fresh
        // shim), so its scope is dropped rather than disposed: orchestrator classes hold nothing that needs disposing.
        var scope = scopes.CreateAsyncScope();
        try
        {
            return await function.InvokeAsync(scope.ServiceProvider, bound, CancellationToken.None);
        }
        finally
        {
            await scope.DisposeAsync();
        }
    }
}

/// <summary>A Functions-style activity (<c>[ActivityTrigger] TInput</c>) as an <see cref="ITaskActivity"/>; one DI scope per run.</summary>
public sealed class FunctionActivity(DurableFunction function, IServiceScopeFactory scopes, CancellationToken stopping) : ITaskActivity
{
    public Type InputType => function.Trigger.ParameterType;

    public Type OutputType => function.ResultType ?? typeof(object);

    public async Task<object?> RunAsync(TaskActivityContext context, object? input)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await function.InvokeAsync(scope.ServiceProvider, input, stopping);
    }
}

/// <summary>
/// Hands DurableTask.Core a fresh shim for every work item: a shim holds per-execution state (its context wrapper,
/// buffered events), so one must never serve two executions.
/// </summary>
public sealed class ShimCreator<T> : ObjectCreator<T>
{
    private readonly Func<T> _create;

    public ShimCreator(string name, Func<T> create)
    {
        Name = name;
        Version = string.Empty;
        _create = create;
    }

    public override T Create() => _create();
}

/// <summary>The shim's context with <see cref="GetInput{T}"/> reading the raw JSON input; everything else passes through.</summary>
internal sealed class FunctionOrchestrationContext(TaskOrchestrationContext inner, JsonElement? input, DataConverter converter, ILoggerFactory loggerFactory) : TaskOrchestrationContext
{
    public override TaskName Name => inner.Name;

    public override string InstanceId => inner.InstanceId;

    public override ParentOrchestrationInstance? Parent => inner.Parent;

    public override DateTime CurrentUtcDateTime => inner.CurrentUtcDateTime;

    public override bool IsReplaying => inner.IsReplaying;

    public override string Version => inner.Version;

    public override IReadOnlyDictionary<string, object?> Properties => inner.Properties;

    public override TaskOrchestrationEntityFeature Entities => inner.Entities;

    protected override ILoggerFactory LoggerFactory => loggerFactory;

    public override T GetInput<T>() =>
        input is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } json ? default! : converter.Deserialize<T>(json.GetRawText())!;

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null) => inner.CallActivityAsync<TResult>(name, input, options);

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => inner.CreateTimer(fireAt, cancellationToken);

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) => inner.WaitForExternalEvent<T>(eventName, cancellationToken);

    public override void SendEvent(string instanceId, string eventName, object payload) => inner.SendEvent(instanceId, eventName, payload);

    public override void SetCustomStatus(object? customStatus) => inner.SetCustomStatus(customStatus);

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
        inner.CallSubOrchestratorAsync<TResult>(orchestratorName, input, options);

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) => inner.ContinueAsNew(newInput, preserveUnprocessedEvents);

    public override void ContinueAsNew(Microsoft.DurableTask.ContinueAsNewOptions options) => inner.ContinueAsNew(options);

    public override Guid NewGuid() => inner.NewGuid();
}
