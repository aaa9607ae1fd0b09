using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Events;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Hosting;

/// <summary>
/// The executable in custom-handler mode, driven exactly as the Functions host drives it: readiness probe, forwarded
/// HTTP on the original path, and <c>POST /{FunctionName}</c> invocations with the host's JSON. It has its own Azurite
/// so that no other app's queue pump can touch its queues.
/// </summary>
public sealed class CustomHandlerTests : IAsyncLifetime
{
    private Azurite _azurite = null!;
    private AppProcess _app = null!;
    private AzureTableStore _tables = null!;
    private AzureQueueStore _queues = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        var port = Azurite.FreePort();
        _app = await AppProcess.StartAsync(port, new Dictionary<string, string>
        {
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = Guid.NewGuid().ToString(),
            ["FUNCTIONS_WORKER_RUNTIME"] = "custom",
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["PlatformAdminKey"] = TestApp.PlatformKey,
            ["TokenSigningKey"] = "custom-handler-test-signing-key-0123456789",
        });
        _tables = new AzureTableStore(_azurite.Account, NullLogger<AzureTableStore>.Instance);
        _queues = new AzureQueueStore(_azurite.Account, NullLogger<AzureQueueStore>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private Task<JsonElement> InvokeAsync(string function, string body, int expectedStatus = 200) => _app.InvokeAsync(function, body, expectedStatus);

    private static string EventJson(string chainId, string id) => JsonSerializer.Serialize(
        DomainEvent.Create("test.happened", chainId, "tests/1", new { n = 1 }, DateTimeOffset.UtcNow) with { Id = id }, JsonSerializerOptions.Web);

    [Fact]
    public async Task AnswersTheHostsReadinessProbeAndForwardedApiRequests()
    {
        using var probe = await _app.Client.GetAsync("/");
        Assert.True(probe.IsSuccessStatusCode);

        var health = await _app.Client.GetFromJsonAsync<JsonElement>("/api/health");
        Assert.Equal("customHandler", health.GetProperty("mode").GetString());

        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/chains") { Content = Json("""{"name":"宿主转发"}""") };
        create.Headers.Authorization = new("Bearer", TestApp.PlatformKey);
        using var created = await _app.Client.SendAsync(create);
        Assert.Equal(201, (int)created.StatusCode);
    }

    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/live/c_x", "text/html")]
    [InlineData("/assets/live.js", "text/javascript")]
    [InlineData("/assets/signalr.min.js", "text/javascript")]
    public async Task ForwardedPageRequestsAreServedUnderTheHostToo(string path, string mediaType)
    {
        using var response = await _app.Client.GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task QueueInvocationWithQuotedDataAndMetadataIsDecodedAndHandledOnce()
    {
        const string chainId = "cqueuetest01";
        var eventId = "evt-" + Guid.NewGuid().ToString("N");
        var quotedMessage = JsonSerializer.Serialize(EventJson(chainId, eventId)); // the message text as a JSON string literal
        var body = "{\"Data\": {\"msg\": " + JsonSerializer.Serialize(quotedMessage) + "}," + """
             "Metadata": {"DequeueCount": "\"1\"", "Id": "\"0f4a-test\"", "PopReceipt": "\"AgAAAA==\"",
                          "InsertionTime": "\"2026-11-22T01:00:00+00:00\"", "ExpirationTime": "\"2026-11-29T01:00:00+00:00\"",
                          "NextVisibleTime": "\"2026-11-22T01:10:00+00:00\"",
                          "sys": {"MethodName": "DomainEvents", "UtcNow": "2026-11-22T01:00:01Z", "RandGuid": "6f0d"}}}
            """;

        var reply = await InvokeAsync("DomainEvents", body);
        Assert.Contains(reply.GetProperty("Logs").EnumerateArray(), l => l.GetString()!.Contains("0f4a-test", StringComparison.Ordinal));
        await InvokeAsync("DomainEvents", body.Replace("\\\"1\\\"", "\\\"2\\\"", StringComparison.Ordinal)); // redelivery

        var events = await new EventLog(_tables).ListAsync(chainId);
        Assert.Equal(eventId, Assert.Single(events).Id);
    }

    [Fact]
    public async Task QueueInvocationWithPlainObjectDataIsAlsoAccepted()
    {
        const string chainId = "cqueuetest02";
        var eventId = "evt-" + Guid.NewGuid().ToString("N");
        var body = "{\"Data\": {\"msg\": " + EventJson(chainId, eventId) + "}, \"Metadata\": {\"DequeueCount\": 1, \"Id\": \"plain\"}}";

        await InvokeAsync("DomainEvents", body);

        Assert.Equal(eventId, Assert.Single(await new EventLog(_tables).ListAsync(chainId)).Id);
    }

    [Fact]
    public async Task AFailingQueueInvocationAnswersNon2xxSoTheHostRetriesThenPoisons()
    {
        var reply = await InvokeAsync("DomainEvents", """{"Data": {"msg": "\"not an event\""}, "Metadata": {"DequeueCount": "\"1\""}}""", 500);
        Assert.Contains(reply.GetProperty("Logs").EnumerateArray(), l => l.GetString()!.Contains("failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TimerInvocationWithNullScheduleStatusRuns()
    {
        var body = """
            {"Data": {"timer": {"Schedule": {"AdjustForDST": true}, "ScheduleStatus": null, "IsPastDue": false}},
             "Metadata": {"sys": {"MethodName": "Heartbeat", "UtcNow": "2026-11-22T02:03:00Z", "RandGuid": "1b2c"}}}
            """;

        await InvokeAsync("Heartbeat", body);

        var row = await _tables.GetAsync("SystemStatus", "timers", "Heartbeat");
        Assert.NotNull(row);
        Assert.Equal(DateTimeOffset.Parse("2026-11-22T02:03:00Z", System.Globalization.CultureInfo.InvariantCulture), row.GetDateTimeOffset("ScheduledAt"));
        Assert.False(row.GetBoolean("IsPastDue"));
    }

    [Fact]
    public async Task UnderTheHostTheAppRunsNoQueuePumpsOfItsOwn()
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/chains") { Content = Json("""{"name":"无泵"}""") };
        create.Headers.Authorization = new("Bearer", TestApp.PlatformKey);
        using var created = await _app.Client.SendAsync(create);
        Assert.Equal(201, (int)created.StatusCode);

        await Task.Delay(1500);
        var waiting = await _queues.PeekAsync(QueuedDomainEvents.QueueName, 32);
        Assert.Contains(waiting, m => m.Text.Contains("chain.created", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnknownFunctionNameIsNotFound()
    {
        using var response = await _app.Client.PostAsync("/NoSuchFunction", Json("{}"));
        Assert.Equal(404, (int)response.StatusCode);
    }
}
