using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace ServerlessCommerce.Functions.Hosting.Local;

/// <summary>
/// Calls a <c>[Function]</c> method as the isolated worker does: an instance of its class from the invocation's DI
/// scope (constructor injection), its parameters bound from the trigger, the route and the services.
/// </summary>
public static class Invocation
{
    /// <summary>Fails at start-up (not at the first request) on a parameter the local host cannot bind.</summary>
    public static void Validate(LocalFunction function, Func<ParameterInfo, bool> canBind)
    {
        foreach (var p in function.Method.GetParameters())
        {
            if (p != function.TriggerParameter && p.ParameterType != typeof(CancellationToken) && !IsDurableClient(p) && !canBind(p))
            {
                throw new InvalidOperationException(
                    $"Function {function.Name}: the local host cannot bind parameter '{p.Name}' ({p.ParameterType.Name}).");
            }
        }
    }

    public static bool IsDurableClient(ParameterInfo p) =>
        p.GetCustomAttribute<DurableClientAttribute>() is not null && p.ParameterType == typeof(DurableTaskClient);

    /// <summary>Creates the function's class in <paramref name="services"/> and runs the method; returns what it returned (awaited).</summary>
    public static async Task<object?> InvokeAsync(LocalFunction function, IServiceProvider services, Func<ParameterInfo, object?> bind, CancellationToken ct)
    {
        var method = function.Method;
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, function.DeclaringType);
        var args = method.GetParameters().Select(p =>
            p.ParameterType == typeof(CancellationToken) ? ct
            : IsDurableClient(p) ? services.GetRequiredService<DurableTaskClient>()
            : bind(p)).ToArray();
        object? returned;
        try
        {
            returned = method.Invoke(target, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }

        switch (returned)
        {
            case Task task:
                await task;
                var type = task.GetType();
                return type.IsGenericType && type.GetProperty("Result") is { } result && result.PropertyType.Name != "VoidTaskResult" ? result.GetValue(task) : null;
            case ValueTask valueTask:
                await valueTask;
                return null;
            default:
                return returned;
        }
    }
}
