using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Health and the OpenAPI document.</summary>
public static class SystemApi
{
    public static void MapSystemApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", Health).AsFunction("Health").WithTags("System").WithSummary("200 once storage is reachable; also says the hosting mode and when timers last ran.");
        app.MapOpenApi("/api/openapi.json").WithMetadata(new HttpFunctionAttribute("OpenApi"));
    }

    public sealed record HealthResponse(string Status, string Mode, string Storage, string Version, DateTimeOffset Time, Dictionary<string, DateTimeOffset> TimersLastRun);

    private static async Task<Ok<HealthResponse>> Health(ITableStore tables, HostingMode mode, TimeProvider clock, CancellationToken ct)
    {
        // A read that must reach storage: throws (→ 503 problem) when it cannot.
        var timers = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var row in tables.QueryAsync(SystemStatus.Table, TableQuery.Partition(SystemStatus.TimersPartition), ct))
        {
            if (row.GetDateTimeOffset("LastRunAt") is { } at)
            {
                timers[row.RowKey] = at;
            }
        }

        var version = typeof(SystemApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
        return TypedResults.Ok(new HealthResponse("ok", mode.Name, "ok", version, clock.GetUtcNow(), timers));
    }
}

/// <summary>The <c>SystemStatus</c> table: operational facts such as when each timer last ran.</summary>
public static class SystemStatus
{
    public const string Table = "SystemStatus";
    public const string TimersPartition = "timers";
}
