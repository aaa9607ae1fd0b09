using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace ServerlessCommerce.Functions.Hosting.Durable;

public enum DurableFunctionKind
{
    Orchestrator,
    Activity,
}

/// <summary>
/// One orchestrator or activity as declared for Azure Functions: a <c>[Function]</c> method with an
/// <c>[OrchestrationTrigger]</c> or <c>[ActivityTrigger]</c> parameter.
/// </summary>
public sealed record DurableFunction(string Name, DurableFunctionKind Kind, MethodInfo Method, ParameterInfo Trigger)
{
    /// <summary>What the method answers (null for <c>Task</c>/<c>void</c>).</summary>
    public Type? ResultType { get; } =
        Method.ReturnType == typeof(void) || Method.ReturnType == typeof(Task) ? null
        : Method.ReturnType.IsGenericType && Method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>) ? Method.ReturnType.GetGenericArguments()[0]
        : Method.ReturnType;

    /// <summary>
    /// Calls the method on a new instance of its class built from <paramref name="services"/> (constructor injection,
    /// as the Functions worker does), binding each parameter with <paramref name="bind"/>; awaits it and returns its result.
    /// </summary>
    public async Task<object?> InvokeAsync(IServiceProvider services, Func<ParameterInfo, object?> bind)
    {
        var target = Method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, Method.DeclaringType!);
        object? returned;
        try
        {
            returned = Method.Invoke(target, Method.GetParameters().Select(bind).ToArray());
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        if (returned is Task task)
        {
            await task;
            return ResultType is null ? null : task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
        }

        return returned;
    }
}

/// <summary>
/// The orchestrators and activities of an assembly, found by reflection from the same declarations the Functions host
/// reads (no second registration table): <c>[Function(name)]</c> methods whose trigger parameter is
/// <c>[OrchestrationTrigger] TaskOrchestrationContext</c> or <c>[ActivityTrigger] TInput</c>.
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

    public static DurableFunctionCatalog Discover(Assembly assembly)
    {
        var found = new List<DurableFunction>();
        foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsGenericTypeDefinition))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                var parameters = method.GetParameters();
                var orchestration = parameters.SingleOrDefault(p => p.IsDefined(typeof(OrchestrationTriggerAttribute)));
                var activity = parameters.SingleOrDefault(p => p.IsDefined(typeof(ActivityTriggerAttribute)));
                var trigger = orchestration ?? activity;
                if (trigger is null)
                {
                    continue; // an HTTP, queue or timer function: not ours
                }

                var kind = orchestration is not null ? DurableFunctionKind.Orchestrator : DurableFunctionKind.Activity;
                var where = $"{type.FullName}.{method.Name} ([Function(\"{function.Name}\")])";
                if (kind == DurableFunctionKind.Orchestrator && trigger.ParameterType != typeof(TaskOrchestrationContext))
                {
                    throw new InvalidOperationException($"{where}: an [OrchestrationTrigger] parameter must be a TaskOrchestrationContext.");
                }

                if (method.ReturnType == typeof(ValueTask) || (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
                {
                    throw new InvalidOperationException($"{where}: return Task or Task<T>, not ValueTask.");
                }

                // Only what the local host can bind: the trigger and a cancellation token (a FunctionContext exists only under the Functions worker).
                if (parameters.FirstOrDefault(p => p != trigger && p.ParameterType != typeof(CancellationToken)) is { } unbound)
                {
                    throw new InvalidOperationException($"{where}: the local host cannot bind parameter '{unbound.Name}' ({unbound.ParameterType.Name}).");
                }

                found.Add(new DurableFunction(function.Name, kind, method, trigger));
            }
        }

        if (found.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidOperationException($"Two functions are named '{twice.Key}'.");
        }

        return new DurableFunctionCatalog(found);
    }
}
