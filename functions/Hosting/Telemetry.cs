using System.Diagnostics;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServerlessCommerce.Functions.Hosting;

/// <summary>
/// Traces, metrics and logs to Application Insights over OpenTelemetry, when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
/// is set (the Bicep sets it in Azure). Without it nothing is registered: no exporter, no listener, no cost.
/// </summary>
public static class Telemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string ServiceName = "ServerlessCommerce";

    /// <summary>Every Azure SDK client's ActivitySource (<c>Azure.Data.Tables.TableClient</c>, <c>Azure.Core.Http</c>, …).</summary>
    public const string AzureSdkSources = "Azure.*";

    /// <summary>
    /// Azure.Core creates its activities through an ActivitySource only with this switch on (it reads it once, when the
    /// first Azure client is used; the <c>AZURE_EXPERIMENTAL_ENABLE_ACTIVITY_SOURCE</c> environment variable does the same).
    /// </summary>
    public const string AzureActivitySourceSwitch = "Azure.Experimental.EnableActivitySource";

    private const string AzureCoreHttpSource = "Azure.Core.Http";

    public static IServiceCollection AddAppTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return services;
        }

        AppContext.SetSwitch(AzureActivitySourceSwitch, true);
        void Exporter(AzureMonitorExporterOptions o) => o.ConnectionString = connectionString;

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing => tracing
                .AddSource(AzureSdkSources)
                .AddAspNetCoreInstrumentation()
                // An Azure SDK call already has its own HTTP span (Azure.Core.Http): no second one for its HttpClient call.
                .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = _ => Activity.Current?.Parent?.Source.Name != AzureCoreHttpSource)
                .AddAzureMonitorTraceExporter(Exporter))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddAzureMonitorMetricExporter(Exporter))
            .WithLogging(logging => logging.AddAzureMonitorLogExporter(Exporter), options => options.IncludeFormattedMessage = true);
        return services;
    }
}
