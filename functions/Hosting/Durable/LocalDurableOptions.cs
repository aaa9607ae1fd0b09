using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ServerlessCommerce.Functions.Hosting.Durable;

/// <summary>
/// Settings of the local durable runtime (DurableTask.Core + DurableTask.AzureStorage on <c>AzureWebJobsStorage</c>).
/// The task hub is the one the Functions host would use (host.json <c>extensions.durableTask.hubName</c>); a second app
/// or test run on the same storage needs a hub of its own (<c>DurableTaskHubName</c>), or the two steal each other's
/// work (AZURE-CONTRACTS.md "Durable Task").
/// </summary>
public sealed partial record LocalDurableOptions
{
    public const string HubNameSetting = "DurableTaskHubName";
    public const string PartitionCountSetting = "DurableTaskPartitionCount";

    /// <summary>host.json <c>extensions.durableTask.hubName</c> (a test keeps the two in step).</summary>
    public const string DefaultHubName = "ServerlessCommerce";

    public string HubName { get; init; } = DefaultHubName;

    /// <summary>Control queues of the hub; fixed when the hub is first created (changing it later has no effect).</summary>
    public int PartitionCount { get; init; } = 4;

    /// <summary>
    /// False: this instance only starts orchestrations and raises events; another process runs the hub (the Functions
    /// host, or one instance of several). Not a setting: code decides it (tests do).
    /// </summary>
    public bool RunWorker { get; init; } = true;

    /// <summary>Longest idle poll of the hub's queues: a due timer acts within about this much (the default 30 s is too late for people).</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a dequeued message stays hidden. After a crash, work in flight waits this long before another try; the
    /// dispatchers renew it 30 s before it runs out, so it must stay well above 30 s (the library's default is 5 min).
    /// </summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(45);

    public static LocalDurableOptions From(IConfiguration configuration)
    {
        var hub = configuration[HubNameSetting];
        var options = new LocalDurableOptions
        {
            HubName = string.IsNullOrWhiteSpace(hub) ? DefaultHubName : hub.Trim(),
            PartitionCount = int.TryParse(configuration[PartitionCountSetting], NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : 4,
        };
        if (!HubNamePattern().IsMatch(options.HubName))
        {
            throw new InvalidOperationException($"{HubNameSetting} '{options.HubName}' is not a task hub name: use 3–45 letters and digits, starting with a letter.");
        }

        if (options.PartitionCount is < 1 or > 16)
        {
            throw new InvalidOperationException($"{PartitionCountSetting} must be between 1 and 16.");
        }

        return options;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex HubNamePattern();
}

public static class LocalDurableServiceCollectionExtensions
{
    /// <summary>
    /// The local durable runtime: the <see cref="LocalDurableHost"/> runs every orchestrator and activity that the app
    /// declares as a <c>[Function]</c>, and <see cref="DurableTaskClient"/> talks to the same task hub.
    /// </summary>
    public static IServiceCollection AddLocalDurable(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(LocalDurableOptions.From(configuration));
        services.AddSingleton(_ => DurableFunctionCatalog.From(Local.FunctionCatalog.App));
        services.AddSingleton<LocalDurableRuntime>();
        services.AddSingleton<DurableTaskClient, TaskHubDurableClient>();
        services.AddHostedService<LocalDurableHost>();

        // The framework logs every poll, lease and dispatch at Information: keep its warnings, not its chatter.
        services.Configure<LoggerFilterOptions>(o =>
        {
            o.AddFilter("DurableTask", LogLevel.Warning);
            o.AddFilter("Microsoft.DurableTask", LogLevel.Warning);
        });
        return services;
    }
}
