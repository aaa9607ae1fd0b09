using ServerlessCommerce.Functions;
using ServerlessCommerce.Functions.Hosting;

// `--seed-demo <baseUrl>` seeds the demo chain through the running app's API (idempotent) and prints what to open.
var seedAt = Array.IndexOf(args, "--seed-demo");
if (seedAt >= 0)
{
    var baseUrl = seedAt + 1 < args.Length ? args[seedAt + 1] : ServerlessCommerceApp.DefaultUrl;
    await using var settingsApp = ServerlessCommerceApp.Build([]);
    var settings = settingsApp.Services.GetRequiredService<ServerlessCommerce.Hosting.AppSettings>();
    using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    var demo = await DemoSeed.RunAsync(http, settings.EffectivePlatformAdminKey, TimeProvider.System);
    var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    Console.WriteLine($"""

      Demo chain ready (re-running finds the same chain; keys below are fresh each run).
        Leader key (王团长):  {demo.LeaderKey}
        Chain admin key:     {demo.AdminKey}
        Campaign:            {demo.CampaignId} — goes live at {TimeZoneInfo.ConvertTime(demo.LiveStartAt, zone):HH:mm} (Asia/Shanghai)
        Live room:           {baseUrl.TrimEnd('/')}/live/{demo.CampaignId}
        Public view:         {baseUrl.TrimEnd('/')}/api/campaigns/{demo.CampaignId}
      """);
    return 0;
}

// Started by the Azure Functions host: the isolated worker, the same functions and services.
if (AppHost.StartedByFunctionsHost(args))
{
    await FunctionsWorker.RunAsync(args);
    return 0;
}

try
{
    await using var app = ServerlessCommerceApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (InvalidOperationException ex) when (ex.Message.StartsWith("Refusing to start", StringComparison.Ordinal) || ex.Message.StartsWith("Storage at", StringComparison.Ordinal))
{
    Console.Error.WriteLine(ex.Message);
    return 3;
}
