using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Health, the OpenAPI document and the page at <c>/</c>.</summary>
public static class SystemApi
{
    public static void MapSystemApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", Health).AsFunction("Health").WithTags("System").WithSummary("200 once storage is reachable; also says the hosting mode and when timers last ran.");
        app.MapOpenApi("/api/openapi.json").WithMetadata(new HttpFunctionAttribute("OpenApi"));
        app.MapGet("/", Home).AsFunction("ConsolePage").ExcludeFromDescription();
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

    private static ContentHttpResult Home() => TypedResults.Content(
        """
        <!doctype html>
        <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>社区团购直播 · ServerlessCommerce</title></head>
        <body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
        <h1>ServerlessCommerce</h1>
        <p>服务已运行。团长控制台页面尚在建设中；现在可以通过 API 管理连锁、门店、团长和会员。</p>
        <p lang="en">The service is running. The leader console page is not built yet; use the API meanwhile.</p>
        <ul><li><a href="/api/health">/api/health</a></li><li><a href="/api/openapi.json">/api/openapi.json</a></li></ul>
        </body></html>
        """, "text/html; charset=utf-8");
}

/// <summary>The <c>SystemStatus</c> table: operational facts such as when each timer last ran.</summary>
public static class SystemStatus
{
    public const string Table = "SystemStatus";
    public const string TimersPartition = "timers";
}
