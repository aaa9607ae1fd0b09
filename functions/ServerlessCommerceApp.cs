using System.Net;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Events;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Functions.Api;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.Durable;
using ServerlessCommerce.Functions.Triggers;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Functions.LiveRoom;
using ServerlessCommerce.Functions.Pages;
using ServerlessCommerce.Identity;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Reports;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions;

/// <summary>Builds the one executable: the same app in standalone and custom-handler mode.</summary>
public static class ServerlessCommerceApp
{
    public const string DefaultUrl = "http://127.0.0.1:7071";
    public const long MaxJsonBodyBytes = 256 * 1024;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        LocalSettings.AddTo(builder.Configuration);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        configure?.Invoke(builder);

        var settings = AppSettings.From(builder.Configuration);
        var problems = settings.Problems();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Refusing to start, the settings need attention:\n - " + string.Join("\n - ", problems));
        }

        var mode = HostingMode.FromEnvironment(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxJsonBodyBytes;
            kestrel.AddServerHeader = false;
            if (mode.IsCustomHandler)
            {
                kestrel.Listen(IPAddress.Loopback, mode.CustomHandlerPort!.Value);
            }
        });
        if (!mode.IsCustomHandler && string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        AddServices(builder.Services, settings, mode);
        builder.Services.AddLocalDurable(builder.Configuration);
        var app = builder.Build();
        Configure(app, mode);
        return app;
    }

    private static void AddServices(IServiceCollection services, AppSettings settings, HostingMode mode)
    {
        services.AddSingleton(settings);
        services.AddSingleton(mode);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(settings.Storage);
        services.AddSingleton<ITableStore>(sp => new AzureTableStore(sp.GetRequiredService<StorageAccount>(), sp.GetRequiredService<ILogger<AzureTableStore>>()));
        services.AddSingleton<IQueueStore>(sp => new AzureQueueStore(sp.GetRequiredService<StorageAccount>(), sp.GetRequiredService<ILogger<AzureQueueStore>>()));
        services.AddSingleton<IBlobStore>(sp => new AzureBlobStore(sp.GetRequiredService<StorageAccount>(), sp.GetRequiredService<ILogger<AzureBlobStore>>()));

        services.AddSingleton(sp => new MemberTokens(settings.EffectiveTokenSigningKey, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new PlatformKey(settings.EffectivePlatformAdminKey));
        services.AddSingleton<Authenticator>();
        services.AddSingleton<IDomainEvents, QueuedDomainEvents>();
        services.AddSingleton<EventLog>();
        services.AddEventPublisher(settings);
        services.AddSingleton<ChainService>();
        services.AddSingleton<MemberService>();
        services.AddSingleton<ICampaignCommitObserver, CampaignCommitEffects>();
        services.AddSingleton<CampaignDesks>();
        services.AddSingleton<CampaignService>();
        services.AddSingleton<OrderService>();
        services.AddSingleton<CampaignOutbox>();
        services.AddSingleton<LifecycleReplans>();
        services.AddSingleton<CampaignWorkRunner>();
        services.AddSingleton<FulfilmentService>();
        services.AddSingleton(sp => new LiveRoomTokens(settings.EffectiveTokenSigningKey, sp.GetRequiredService<TimeProvider>()));
        services.AddSignalR();
        if (settings.AzureSignalRConnectionString is { } signalR)
        {
            // In Azure: the Service in serverless mode over its REST API (the Functions host passes no WebSockets).
            var connection = AzureSignalRConnection.Parse(signalR);
            services.TryAddSingleton<ILiveRoomTransport>(sp => new AzureSignalRTransport(connection, sp.GetRequiredService<ILogger<AzureSignalRTransport>>(), sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            services.TryAddSingleton<ILiveRoomTransport, EmbeddedHubTransport>();
        }
        services.AddSingleton<LiveRoomBroadcaster>();
        services.AddSingleton<LiveRoomService>();
        services.AddSingleton<ProductService>();
        services.AddSingleton<CampaignFactsReader>();
        services.AddSingleton<CampaignReportService>();
        services.AddSingleton<ICampaignReportGenerator>(sp => sp.GetRequiredService<CampaignReportService>());
        services.AddSingleton<DashboardService>();
        services.AddSingleton<FollowUpService>();

        services.AddHttpContextAccessor();
        services.AddScoped<CallerContext>();
        services.AddAppTriggers();
        services.AddSingleton<TriggerInvoker>();
        services.AddHostedService<StorageInitializer>();
        if (!mode.IsCustomHandler)
        {
            services.AddHostedService<TimerScheduler>();
            services.AddHostedService<QueuePump>();
        }

        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddProblemDetails();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
            o.SerializerOptions.MaxDepth = 16;
        });
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "ServerlessCommerce API";
            doc.Info.Description = "Community group-buying driven by private live streams. Errors are problem+json with a fixed `code` (see API.md).";
            doc.Info.Version = "v1";
            return Task.CompletedTask;
        }));
    }

    private static void Configure(WebApplication app, HostingMode mode)
    {
        app.UseMiddleware<CorrelationMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(Problems.StatusCodePage);
        app.MapSystemApi();
        app.MapPages();
        app.MapChainsApi();
        app.MapMembersApi();
        app.MapCampaignsApi();
        app.MapOrdersApi();
        app.MapLiveApi();
        app.MapFulfilmentApi();
        app.MapHub<LiveHub>(LiveHub.Path).WithMetadata(new HttpFunctionAttribute("LiveHub"));
        app.MapProductsApi();
        app.MapReportsApi();
        app.MapFollowUpApi();
        if (mode.IsCustomHandler)
        {
            app.MapInvocations(app.Services.GetRequiredService<TriggerCatalog>());
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ServerlessCommerce");
            logger.LogInformation("ServerlessCommerce started in {Mode} mode on {Urls}", mode.Name, string.Join(", ", app.Urls));
        });
    }

    /// <summary>Every function of the app as the Functions host sees it (HTTP routes and triggers).</summary>
    public static IReadOnlyList<FunctionDefinition> Functions(WebApplication app) =>
        FunctionManifest.Build(((IEndpointRouteBuilder)app).DataSources.Count == 1
                ? ((IEndpointRouteBuilder)app).DataSources.First()
                : new CompositeEndpointDataSource(((IEndpointRouteBuilder)app).DataSources),
            app.Services.GetRequiredService<TriggerCatalog>());
}
