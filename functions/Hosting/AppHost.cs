namespace ServerlessCommerce.Functions.Hosting;

/// <summary>Which host runs the functions: the Azure Functions host (isolated worker) or our local host.</summary>
public sealed record AppHost(bool IsFunctionsHost)
{
    public string Name => IsFunctionsHost ? "functions" : "local";

    /// <summary>
    /// The Functions host starts the worker with its gRPC endpoint on the command line (<c>--functions-uri</c>, or the
    /// older <c>--host</c>/<c>--port</c>/<c>--workerId</c>); anything else is a person or a script running the local host.
    /// </summary>
    public static bool StartedByFunctionsHost(string[] args) =>
        args.Any(a => a.StartsWith("--functions-", StringComparison.Ordinal) || a is "--workerId" or "--requestId" or "--grpcMaxMessageLength");
}
