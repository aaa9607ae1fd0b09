using System.Globalization;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// Standalone (Kestrel + in-process timers and queue pumps) or Azure Functions custom handler (the host owns the
/// triggers and calls us over HTTP on <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>).
/// </summary>
public sealed record HostingMode(bool IsCustomHandler, int? CustomHandlerPort)
{
    public static HostingMode FromEnvironment(IConfiguration configuration)
    {
        var port = configuration["FUNCTIONS_CUSTOMHANDLER_PORT"] ?? configuration["FUNCTIONS_HTTPWORKER_PORT"];
        if (string.IsNullOrWhiteSpace(port))
        {
            return new HostingMode(false, null);
        }

        return int.TryParse(port, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536
            ? new HostingMode(true, p)
            : throw new InvalidOperationException($"FUNCTIONS_CUSTOMHANDLER_PORT '{port}' is not a port number.");
    }

    public string Name => IsCustomHandler ? "customHandler" : "standalone";
}
