using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessCommerce.Functions.Hosting;

namespace ServerlessCommerce.Tests.Hosting;

/// <summary>Application Insights over OpenTelemetry: on with the connection string, absent without it.</summary>
public sealed class TelemetryTests
{
    /// <summary>Well-formed, and nothing listens there: no test telemetry leaves the machine.</summary>
    private const string FakeConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:1/";

    private static IConfiguration Settings(string? connectionString) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [Telemetry.ConnectionStringSetting] = connectionString }).Build();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void WithoutAConnectionStringNothingIsRegistered(string? connectionString)
    {
        var services = new ServiceCollection().AddLogging();
        var before = services.Count;

        services.AddAppTelemetry(Settings(connectionString));

        Assert.Equal(before, services.Count);
        using var provider = services.BuildServiceProvider();
        Assert.Null(provider.GetService<TracerProvider>());
        Assert.Null(provider.GetService<MeterProvider>());
        Assert.Null(provider.GetService<LoggerProvider>());
    }

    [Fact]
    public void WithAConnectionStringTracesMetricsAndLogsHaveProvidersAndAzureSdkSourcesAreListenedTo()
    {
        var services = new ServiceCollection().AddLogging();

        services.AddAppTelemetry(Settings(FakeConnectionString));

        using var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetService<TracerProvider>());
        Assert.NotNull(provider.GetService<MeterProvider>());
        Assert.NotNull(provider.GetService<LoggerProvider>());
        using var tables = new ActivitySource("Azure.Data.Tables.TableClient");
        Assert.True(tables.HasListeners(), "the Azure SDK's sources are traced");
        Assert.True(AppContext.TryGetSwitch(Telemetry.AzureActivitySourceSwitch, out var on) && on, "Azure.Core emits activities only with the switch on");
    }
}
