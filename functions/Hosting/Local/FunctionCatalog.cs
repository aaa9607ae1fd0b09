using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessCommerce.Functions.Hosting.Local;

/// <summary>A <c>[Function]</c> method as the local host sees it: its name, method and trigger.</summary>
public sealed record LocalFunction(string Name, MethodInfo Method, ParameterInfo TriggerParameter, Attribute Trigger)
{
    public Type DeclaringType => Method.DeclaringType!;
}

/// <summary>
/// Every <c>[Function]</c> method of the app, read from the same attributes the Worker SDK reads to write
/// <c>functions.metadata</c> (the file the Functions host reads): the local host has no route or trigger table of its
/// own. A test checks that this catalogue and the published <c>functions.metadata</c> agree.
/// </summary>
public sealed class FunctionCatalog
{
    public FunctionCatalog(Assembly assembly)
    {
        var all = new List<LocalFunction>();
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true }))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                var triggers = method.GetParameters()
                    .SelectMany(p => p.GetCustomAttributes().Where(a => a.GetType().Name.EndsWith("TriggerAttribute", StringComparison.Ordinal)).Select(a => (p, a)))
                    .ToList();
                if (triggers.Count != 1)
                {
                    throw new InvalidOperationException($"Function {function.Name} ({type.Name}.{method.Name}) must have exactly one trigger parameter.");
                }

                all.Add(new LocalFunction(function.Name, method, triggers[0].p, triggers[0].a));
            }
        }

        var duplicate = all.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Function name '{duplicate.Key}' is declared twice.");
        }

        All = all.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The app's own functions (this assembly).</summary>
    public static FunctionCatalog App { get; } = new(typeof(FunctionCatalog).Assembly);

    public IReadOnlyList<LocalFunction> All { get; }

    public IEnumerable<(LocalFunction Function, HttpTriggerAttribute Http)> Http =>
        All.Where(f => f.Trigger is HttpTriggerAttribute).Select(f => (f, (HttpTriggerAttribute)f.Trigger));

    public IEnumerable<(LocalFunction Function, TimerTriggerAttribute Timer)> Timers =>
        All.Where(f => f.Trigger is TimerTriggerAttribute).Select(f => (f, (TimerTriggerAttribute)f.Trigger));

    public IEnumerable<(LocalFunction Function, QueueTriggerAttribute Queue)> Queues =>
        All.Where(f => f.Trigger is QueueTriggerAttribute).Select(f => (f, (QueueTriggerAttribute)f.Trigger));

    public LocalFunction? Find(string name) => All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The route as ASP.NET Core routing reads it (the host's route templates are the same syntax).</summary>
    public static string LocalRoute(HttpTriggerAttribute http, string functionName) => "/" + (http.Route ?? functionName).TrimStart('/');

    /// <summary>The HTTP methods a trigger accepts (upper case); none named means all the host allows.</summary>
    public static IReadOnlyList<string> Methods(HttpTriggerAttribute http) =>
        http.Methods is { Length: > 0 } m ? m.Select(x => x.ToUpperInvariant()).ToList() : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
}
