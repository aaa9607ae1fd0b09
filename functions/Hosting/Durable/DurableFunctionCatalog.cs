using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessCommerce.Functions.Hosting.Local;

namespace ServerlessCommerce.Functions.Hosting.Durable;

public enum DurableFunctionKind
{
    Orchestrator,
    Activity,
}

/// <summary>
/// One orchestrator or activity as declared for Azure Functions: a <c>[Function]</c> method with an
/// <c>[OrchestrationTrigger]</c> or <c>[ActivityTrigger]</c> parameter (an entry of the app's <see cref="FunctionCatalog"/>).
/// </summary>
public sealed record DurableFunction(LocalFunction Function, DurableFunctionKind Kind)
{
    public string Name => Function.Name;

    public ParameterInfo Trigger => Function.TriggerParameter;

    /// <summary>What the method answers (null for <c>Task</c>/<c>void</c>).</summary>
    public Type? ResultType { get; } =
        Function.Method.ReturnType == typeof(void) || Function.Method.ReturnType == typeof(Task) ? null
        : Function.Method.ReturnType.IsGenericType && Function.Method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>) ? Function.Method.ReturnType.GetGenericArguments()[0]
        : Function.Method.ReturnType;

    /// <summary>Calls the method as the worker does (<see cref="Invocation"/>), the trigger bound to <paramref name="trigger"/>.</summary>
    public Task<object?> InvokeAsync(IServiceProvider services, object? trigger, CancellationToken cancellationToken) =>
        Invocation.InvokeAsync(Function, services, p => p == Function.TriggerParameter ? trigger : null, cancellationToken);
}

/// <summary>
/// The orchestrators and activities among the app's functions, read from the same declarations the Functions host
/// reads (no second registration table): <c>[OrchestrationTrigger] TaskOrchestrationContext</c> or
/// <c>[ActivityTrigger] TInput</c> trigger parameters.
/// </summary>
public sealed class DurableFunctionCatalog
{
    private DurableFunctionCatalog(IReadOnlyList<DurableFunction> functions)
    {
        Orchestrators = functions.Where(f => f.Kind == DurableFunctionKind.Orchestrator).ToList();
        Activities = functions.Where(f => f.Kind == DurableFunctionKind.Activity).ToList();
    }

    public IReadOnlyList<DurableFunction> Orchestrators { get; }

    public IReadOnlyList<DurableFunction> Activities { get; }

    public static DurableFunctionCatalog Discover(Assembly assembly) => From(new FunctionCatalog(assembly));

    public static DurableFunctionCatalog From(FunctionCatalog catalog)
    {
        var found = new List<DurableFunction>();
        foreach (var function in catalog.All)
        {
            var kind = function.Trigger switch
            {
                OrchestrationTriggerAttribute => DurableFunctionKind.Orchestrator,
                ActivityTriggerAttribute => DurableFunctionKind.Activity,
                _ => (DurableFunctionKind?)null,
            };
            if (kind is null)
            {
                continue; // an HTTP, queue or timer function: not ours
            }

            var method = function.Method;
            var where = $"{function.DeclaringType.FullName}.{method.Name} ([Function(\"{function.Name}\")])";
            if (kind == DurableFunctionKind.Orchestrator && function.TriggerParameter.ParameterType != typeof(TaskOrchestrationContext))
            {
                throw new InvalidOperationException($"{where}: an [OrchestrationTrigger] parameter must be a TaskOrchestrationContext.");
            }

            if (method.ReturnType == typeof(ValueTask) || (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
            {
                throw new InvalidOperationException($"{where}: return Task or Task<T>, not ValueTask.");
            }

            // Only what the local host can bind: the trigger and a cancellation token (a FunctionContext exists only under the Functions worker).
            Invocation.Validate(function, _ => false);
            found.Add(new DurableFunction(function, kind.Value));
        }

        return new DurableFunctionCatalog(found);
    }
}
