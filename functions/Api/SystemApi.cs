using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.Local;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Health and the OpenAPI document.</summary>
public sealed class SystemApi(ITableStore tables, AppHost host, TimeProvider clock, LiveRoomService liveRoom)
{
    private static readonly Lazy<string> Document = new(() => OpenApiDocument.Build(FunctionCatalog.App).ToJsonString());

    /// <param name="Desk">This instance's order capture since it started (the bench reads ETag conflicts per order from it).</param>
    /// <param name="LiveRoom">This instance's live-room storage operations since it started (<see cref="LiveRoomStorageCounts"/>).</param>
    /// <param name="StorageCalls">This instance's storage calls since it started, by service, verb and table, queue or container (<see cref="StorageCallMeter"/>).</param>
    public sealed record HealthResponse(string Status, string Mode, string Storage, string Version, DateTimeOffset Time, Dictionary<string, DateTimeOffset> TimersLastRun, DeskCounters Desk, LiveRoomStorageCounts LiveRoom,
        Dictionary<string, long> StorageCalls);

    public sealed record DeskCounters(long OrdersPlaced, long CommittedRounds, long EtagConflicts);

    [Function("Health")]
    [OpenApiOperation("System", "200 once storage is reachable; also says which host runs the app, when timers last ran and the live room's storage operations on this instance.")]
    public async Task<Ok<HealthResponse>> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest req)
    {
        // A read that must reach storage: throws (→ 503 problem) when it cannot.
        var timers = await SystemStatus.TimersLastRunAsync(tables, req.HttpContext.RequestAborted);

        var version = typeof(SystemApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
        return TypedResults.Ok(new HealthResponse("ok", host.Name, "ok", version, clock.GetUtcNow(), timers,
            new DeskCounters(ServerlessCommerce.Campaigns.DeskMetrics.OrdersPlaced, ServerlessCommerce.Campaigns.DeskMetrics.CommittedRounds, ServerlessCommerce.Campaigns.DeskMetrics.EtagConflicts),
            liveRoom.StorageMeter.Snapshot(), StorageCallMeter.Snapshot()));
    }

    [Function("OpenApi")]
    [OpenApiOperation("System", "This document (OpenAPI 3.1), built from the HTTP functions' declarations.")]
    public IResult OpenApi([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/openapi.json")] HttpRequest req) =>
        Results.Text(Document.Value, "application/json; charset=utf-8");
}

/// <summary>The <c>SystemStatus</c> table: operational facts such as when each timer last ran.</summary>
public static class SystemStatus
{
    public const string Table = "SystemStatus";
    public const string TimersPartition = "timers";

    /// <summary>When each timer last ran (its row is written by the timer).</summary>
    public static async Task<Dictionary<string, DateTimeOffset>> TimersLastRunAsync(ITableStore tables, CancellationToken ct)
    {
        var timers = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var row in tables.QueryAsync(Table, TableQuery.Partition(TimersPartition), ct))
        {
            if (row.GetDateTimeOffset("LastRunAt") is { } at)
            {
                timers[row.RowKey] = at;
            }
        }

        return timers;
    }
}
