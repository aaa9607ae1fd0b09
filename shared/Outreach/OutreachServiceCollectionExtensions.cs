using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Events;
using ServerlessCommerce.Hosting;

namespace ServerlessCommerce.Outreach;

public static class OutreachServiceCollectionExtensions
{
    /// <summary>Outreach: the senders <c>OutreachSenders</c> names (in its order), the delivery service, the 回访 call list.</summary>
    public static IServiceCollection AddOutreach(this IServiceCollection services, AppSettings settings)
    {
        var http = new Lazy<HttpClient>(() => new HttpClient { Timeout = TimeSpan.FromSeconds(10) });
        foreach (var name in settings.EffectiveOutreachSenders)
        {
            switch (name)
            {
                case "local":
                    services.AddSingleton<LocalMemberMessageSender>();
                    services.AddSingleton<IMemberMessageSender>(sp => sp.GetRequiredService<LocalMemberMessageSender>());
                    break;
                case "tencent-sms":
                    services.AddSingleton<IMemberMessageSender>(sp => new TencentSmsSender(http.Value,
                        new TencentSmsOptions(settings.TencentSmsSecretId!, settings.TencentSmsSecretKey!, settings.TencentSmsSdkAppId!, settings.TencentSmsSignName!,
                            settings.TencentSmsTemplateId!, settings.TencentSmsRegion, new Uri(settings.TencentSmsEndpoint)),
                        sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TencentSmsSender>>()));
                    break;
                case "wechat":
                    services.AddSingleton<IMemberMessageSender>(sp => new WeChatSubscribeSender(http.Value,
                        new WeChatOptions(settings.WeChatAppId!, settings.WeChatAppSecret!, settings.WeChatTemplateId!, settings.WeChatPage,
                            new Uri(settings.WeChatApiBase.EndsWith('/') ? settings.WeChatApiBase : settings.WeChatApiBase + "/")),
                        sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WeChatSubscribeSender>>()));
                    break;
            }
        }

        services.AddSingleton(new OutreachOptions(QuietHours.TryParse(settings.OutreachQuietHours) ?? QuietHours.Default));
        services.AddSingleton<OutreachService>();
        services.AddSingleton<ICampaignEventSubscriber>(sp => sp.GetRequiredService<OutreachService>());
        services.AddSingleton<FollowUpTasks>();
        return services;
    }
}
