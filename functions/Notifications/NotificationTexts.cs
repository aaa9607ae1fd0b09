using System.Text.Json;
using ServerlessCommerce.Campaigns;

namespace ServerlessCommerce.Functions.Notifications;

/// <summary>What members read, in Simplified Chinese, for each notification kind (the senders and the outbox view use it).</summary>
public sealed class NotificationTexts : INotificationTexts
{
    public string Text(JsonElement data)
    {
        var kind = data.TryGetProperty("kind", out var k) ? k.GetString() : null;
        return kind switch
        {
            "preview" => "您预约的团购开始预热了，先来看看今天的好物！",
            "live-reminder" => "您预约的直播开始了，快进直播间抢购吧！",
            "pickup-reminder" => "您的团购商品已到店，请尽快凭提货码到门店自提。",
            "survey" => "感谢参团！花一分钟评价一下这次的商品和服务吧。",
            "result" when Flag(data, "confirmed") => Str(data, "fulfilment") == "delivery"
                ? "成团成功！我们会尽快为您配送。"
                : "成团成功！请在“我的订单”里查看提货码，到门店自提。",
            "result" => "很遗憾，本次商品未达到成团人数，订单已取消。",
            "gathering-reminder" => Str(data, "before") == "2h"
                ? $"您报名的活动「{Str(data, "title")}」还有 2 小时开始（{Str(data, "when")}），地点：{Str(data, "place")}。到场请出示签到码。"
                : $"提醒：您报名的活动「{Str(data, "title")}」将于 {Str(data, "when")} 开始，地点：{Str(data, "place")}。到场请出示签到码。",
            "waitlist" => $"轮到你了！你候补的「{Str(data, "itemName")}」已为你保留，请尽快进直播间下单，超时将顺延给下一位。",
            // A kind without a text yet: a plain sentence, never the internal kind name.
            _ => "您参加的团购有新消息，请进直播间查看。",
        };
    }

    private static bool Flag(JsonElement data, string name) => data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static string? Str(JsonElement data, string name) => data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
