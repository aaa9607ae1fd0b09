using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Events;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Functions.Api;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.Durable;
using ServerlessCommerce.Functions.Hosting.Local;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Functions.LiveRoom;
using ServerlessCommerce.Functions.Pages;
using ServerlessCommerce.Identity;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Messaging;
using ServerlessCommerce.Outreach;
using ServerlessCommerce.Reports;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions;

/// <summary>
/// Composes the app. <see cref="AddAppServices"/> registers the core once for both hosts (the Azure Functions isolated
/// worker and the local host); <see cref="Build"/> is the local host: Kestrel for the HTTP functions (and the embedded
/// live-room hub), NCrontab timers, queue polling with the host's poison rules, all read from the <c>[Function]</c>
/// declarations (<see cref="FunctionCatalog"/>).
/// </summary>
public static class ServerlessCommerceApp
{
    public const string DefaultUrl = "http://127.0.0.1:7071";
    public const long MaxJsonBodyBytes = HttpRequestExtensions.MaxJsonBodyBytes;

    /// <summary>The local host, ready to run.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        LocalSettings.AddTo(builder.Configuration);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        configure?.Invoke(builder);

        var settings = ReadSettings(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxJsonBodyBytes;
            kestrel.AddServerHeader = false;
        });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        AddAppServices(builder.Services, settings, new AppHost(IsFunctionsHost: false));
        builder.Services.AddAppTelemetry(builder.Configuration);
        var catalog = FunctionCatalog.App;
        builder.Services.AddSingleton(catalog);
        builder.Services.AddHostedService<LocalTimers>();
        builder.Services.AddHostedService<LocalQueues>();
        builder.Services.AddLocalDurable(builder.Configuration);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.UseMiddleware<CorrelationMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(Problems.StatusCodePage);
        app.UseMiddleware<ApiEdgeMiddleware>();
        app.MapHttpFunctions(catalog);
        app.MapHub<LiveHub>(LiveHub.Path);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ServerlessCommerce");
            logger.LogInformation("ServerlessCommerce started on the local host on {Urls} ({Count} functions)", string.Join(", ", app.Urls), catalog.All.Count);
        });
        return app;
    }

    /// <summary>The settings, or a start-up refusal that lists what needs attention.</summary>
    public static AppSettings ReadSettings(IConfiguration configuration)
    {
        var settings = AppSettings.From(configuration);
        var problems = settings.Problems();
        return problems.Count == 0
            ? settings
            : throw new InvalidOperationException("Refusing to start, the settings need attention:\n - " + string.Join("\n - ", problems));
    }

    /// <summary>The core's services, the same on both hosts.</summary>
    public static void AddAppServices(IServiceCollection services, AppSettings settings, AppHost host)
    {
        services.AddSingleton(settings);
        services.AddSingleton(host);
        services.TryAddSingleton(TimeProvider.System);
        services.AddAppStorage(settings.Storage);

        services.AddSingleton(sp => new MemberTokens(settings.EffectiveTokenSigningKey, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new PlatformKey(settings.EffectivePlatformAdminKey));
        services.AddSingleton<Authenticator>();
        services.AddSingleton<IDomainEvents, QueuedDomainEvents>();
        services.AddSingleton<EventLog>();
        services.AddEventPublisher(settings);
        services.AddSingleton<ChainService>();
        if (settings.EffectiveMessageSender == "webhook")
        {
            services.AddSingleton<IMessageSender>(sp => new WebhookMessageSender(new HttpClient { Timeout = TimeSpan.FromSeconds(10) },
                new Uri(settings.MessageWebhookUrl!), System.Text.Encoding.UTF8.GetBytes(settings.MessageWebhookSecret!), sp.GetRequiredService<ILogger<WebhookMessageSender>>()));
        }
        else
        {
            // Local development (the settings refuse a start outside it with no real sender while verification is on).
            services.AddSingleton<LocalMessageSender>();
            services.AddSingleton<IMessageSender>(sp => sp.GetRequiredService<LocalMessageSender>());
        }

        services.AddSingleton(sp => new MemberVerification(sp.GetRequiredService<ITableStore>(), sp.GetRequiredService<ChainService>(), sp.GetRequiredService<IMessageSender>(),
            settings.EffectiveTokenSigningKey, settings.VerificationCodesPerPhonePerHour, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MemberVerification>>()));
        services.AddSingleton(sp => new MemberService(sp.GetRequiredService<ITableStore>(), sp.GetRequiredService<ChainService>(), sp.GetRequiredService<MemberTokens>(),
            sp.GetRequiredService<Authenticator>(), sp.GetRequiredService<IDomainEvents>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MemberService>>(),
            settings.MemberVerification ? sp.GetRequiredService<MemberVerification>() : null, sp.GetRequiredService<MemberVerification>()));
        services.AddSingleton<ClientRateLimits>();
        services.AddSingleton<ICampaignCommitObserver, CampaignCommitEffects>();
        services.AddSingleton<INotificationTexts, ServerlessCommerce.Functions.Notifications.NotificationTexts>();
        services.AddSingleton(new WaitlistSettings(TimeSpan.FromSeconds(settings.WaitlistClaimSeconds)));
        services.AddSingleton<CampaignDesks>();
        services.AddSingleton<WaitlistService>();
        services.AddSingleton<CampaignService>();
        services.AddSingleton<OrderService>();
        services.AddSingleton<CampaignOutbox>();
        services.AddSingleton<LifecycleReplans>();
        services.AddSingleton<CampaignWorkRunner>();
        services.AddSingleton<FulfilmentService>();
        services.AddSingleton(sp => new LiveRoomTokens(settings.EffectiveTokenSigningKey, sp.GetRequiredService<TimeProvider>()));
        services.AddSignalR(); // the embedded hub (local host); with no clients connected under the Functions host it sends nothing
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
        services.AddSingleton<SheetService>();
        services.AddSingleton<FollowUpService>();
        services.AddSingleton<ServerlessCommerce.Growth.GrowthLedger>();
        services.AddSingleton<ServerlessCommerce.Growth.MemberPricing>();
        services.AddSingleton<IMemberPricing>(sp => sp.GetRequiredService<ServerlessCommerce.Growth.MemberPricing>());
        services.AddSingleton<ServerlessCommerce.Growth.GrowthService>();
        services.AddSingleton<ServerlessCommerce.Growth.ReferralShoutOuts>();
        services.AddSingleton<ICampaignEventSubscriber, ServerlessCommerce.Growth.GrowthRewards>(); // the outbox credits points before it moves on
        services.AddOutreach(settings); // member notifications delivered (SMS, WeChat), the 回访 call list
        services.AddSingleton<ServerlessCommerce.Growth.PointsSpending>();
        services.AddSingleton<IOrderPoints>(sp => sp.GetRequiredService<ServerlessCommerce.Growth.PointsSpending>());
        services.AddSingleton<ICampaignEventSubscriber>(sp => sp.GetRequiredService<ServerlessCommerce.Growth.PointsSpending>()); // spends and returns order points at least once
        services.AddSingleton<ServerlessCommerce.Crm.CrmTagService>();
        services.AddSingleton<ServerlessCommerce.Crm.CrmTargeting>();
        services.AddSingleton<ServerlessCommerce.Crm.CrmTagJobs>();
        services.AddSingleton<ServerlessCommerce.Crm.TrialService>();
        services.AddSingleton<ServerlessCommerce.FollowUp.ReviewModerationService>();
        services.AddSingleton(new ServerlessCommerce.Gatherings.CheckInCodes(settings.EffectiveTokenSigningKey));
        services.AddSingleton<ServerlessCommerce.Gatherings.GatheringService>();
        services.AddSingleton<ServerlessCommerce.Gatherings.GatheringReminders>();
        services.AddSingleton<ServerlessCommerce.Clearance.ClearanceService>();
        services.AddSingleton<ServerlessCommerce.AfterSales.AfterSaleService>();
        services.AddSingleton(new ServerlessCommerce.Streaming.StreamKeyProtector(settings.EffectiveTokenSigningKey));
        services.AddSingleton<ServerlessCommerce.Streaming.StreamProviderService>();
        services.AddSingleton<ServerlessCommerce.Functions.Posters.PosterFonts>();
        services.AddSingleton<ServerlessCommerce.Functions.Posters.PosterService>();
        services.AddSingleton<ServerlessCommerce.Functions.Series.SeriesService>();

        services.AddScoped<CallerContext>();
        services.AddHostedService<StorageInitializer>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
            o.SerializerOptions.MaxDepth = 16;
        });
    }
}
