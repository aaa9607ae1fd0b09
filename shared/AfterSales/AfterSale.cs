using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Common;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.AfterSales;

public enum AfterSaleStatus
{
    Pending,
    Approved,
    Refused,
}

public enum AfterSaleKind
{
    Refund,
    Return,
}

/// <summary>
/// A member's after-sale request (售后) for one order line: refund (仅退款) or return (退货退款) of some of its units, with a
/// reason and photos; decided once by the leader of the campaign's store or the chain admin.
/// </summary>
public sealed record AfterSale(
    string RequestId, string CampaignId, string OrderId, string ChainId, string StoreId, string MemberId, string MemberName,
    string ItemId, string ItemName, AfterSaleKind Kind, int Quantity, long UnitPriceFen, string Reason, AfterSaleStatus Status,
    int PhotoCount, int PhotosUploaded, DateTimeOffset RequestedAt, DateTimeOffset? DecidedAt, string? DecidedBy, string? DecisionReason,
    bool EffectsApplied, int PointsReversed, string RequestHash, string? ETag = null)
{
    public long AmountFen => UnitPriceFen * Quantity;

    public static string Wire(AfterSaleStatus s) => s.ToString().ToLowerInvariant();

    public static string Wire(AfterSaleKind k) => k.ToString().ToLowerInvariant();
}

/// <summary>
/// A chain's after-sale policy: how many days after pickup or delivery a member may ask (0–30; 0 = no after-sale
/// requests), and the text members read (≤ 200 characters).
/// </summary>
public sealed record AfterSalePolicy(int WindowDays, string Text)
{
    public const int MaxWindowDays = 30;
    public const int MaxTextLength = 200;

    public static readonly AfterSalePolicy Default = new(7, "7天无理由，未拆封");

    public static AfterSalePolicy Validate(int? windowDays, string? text)
    {
        var v = new Validator();
        if (windowDays is null or < 0 or > MaxWindowDays)
        {
            v.Add("windowDays", $"windowDays must be between 0 and {MaxWindowDays}.");
        }

        var policyText = v.Text("text", text, MaxTextLength);
        v.ThrowIfInvalid();
        return new AfterSalePolicy(windowDays!.Value, policyText);
    }
}

/// <summary>The problem codes of after-sale (409 unless said).</summary>
public static class AfterSaleProblems
{
    /// <summary>The order was handed over longer ago than the chain's window.</summary>
    public const string WindowClosed = "after-sale-window-closed";

    /// <summary>The order is confirmed but not yet picked up or delivered.</summary>
    public const string NotHandedOver = "not-handed-over";

    /// <summary>Before the campaign closed: cancel the order instead (<c>POST /api/orders/{orderId}/cancel</c>).</summary>
    public const string UseCancel = "use-cancel";

    /// <summary>The line already has an open (pending) request.</summary>
    public const string Open = "after-sale-open";

    /// <summary>The request was already decided the other way.</summary>
    public const string Decided = "after-sale-decided";
}

/// <summary>
/// Where after-sale lives. <c>AfterSales</c>: PartitionKey = campaignId, RowKey = requestId (<c>{campaignId}-a…</c>,
/// derived from the member's Idempotency-Key, or from the order line and its request count). A pending request also
/// holds the line's open marker <c>~open_{orderRow}_{itemId}</c>, inserted in the same transaction as the request and
/// deleted in the same transaction as its decision: one open request per order line. A chain's policy is row
/// <c>policy</c> of partition <c>chainId</c>. Photos are blobs <c>aftersales/{campaignId}/{requestId}/{n}.jpg</c> in
/// <c>media</c>.
/// </summary>
public static class AfterSaleTables
{
    public const string AfterSales = "AfterSales";

    public static readonly IReadOnlyList<string> All = [AfterSales];

    public const string PolicyRow = "policy";
    public const string OpenPrefix = "~open_";

    public static string OpenRow(string orderId, string itemId) => $"{OpenPrefix}{CampaignTables.OrderRow(orderId)}_{itemId}";

    public static string PhotoPrefix(string campaignId, string requestId) => $"aftersales/{campaignId}/{requestId}/";

    public static string PhotoBlob(string campaignId, string requestId, int n) => $"{PhotoPrefix(campaignId, requestId)}{n}.jpg";

    /// <summary>The campaign of a request id, or null when it is not one.</summary>
    public static string? CampaignOf(string requestId)
    {
        var dash = requestId.LastIndexOf('-');
        return dash > 0 && requestId.Length - dash > 2 && requestId[dash + 1] == 'a' && Ids.ChainOf(requestId[..dash]) is not null ? requestId[..dash] : null;
    }

    public static TableEntity ToEntity(AfterSale a)
    {
        var e = new TableEntity(a.CampaignId, a.RequestId)
        {
            ["Kind"] = "afterSale",
            ["RequestId"] = a.RequestId,
            ["OrderId"] = a.OrderId,
            ["ChainId"] = a.ChainId,
            ["StoreId"] = a.StoreId,
            ["MemberId"] = a.MemberId,
            ["MemberName"] = a.MemberName,
            ["ItemId"] = a.ItemId,
            ["ItemName"] = a.ItemName,
            ["RequestKind"] = AfterSale.Wire(a.Kind),
            ["Quantity"] = a.Quantity,
            ["UnitPriceFen"] = a.UnitPriceFen,
            ["Reason"] = a.Reason,
            ["Status"] = AfterSale.Wire(a.Status),
            ["PhotoCount"] = a.PhotoCount,
            ["PhotosUploaded"] = a.PhotosUploaded,
            ["RequestedAt"] = a.RequestedAt,
            ["DecidedAt"] = a.DecidedAt,
            ["DecidedBy"] = a.DecidedBy,
            ["DecisionReason"] = a.DecisionReason,
            ["EffectsApplied"] = a.EffectsApplied,
            ["PointsReversed"] = a.PointsReversed,
            ["RequestHash"] = a.RequestHash,
        };
        e.ETag = a.ETag;
        return e;
    }

    public static AfterSale ToAfterSale(TableEntity e) => new(
        e.RequireString("RequestId"), e.PartitionKey, e.RequireString("OrderId"), e.RequireString("ChainId"), e.GetString("StoreId") ?? string.Empty,
        e.RequireString("MemberId"), e.GetString("MemberName") ?? string.Empty, e.RequireString("ItemId"), e.GetString("ItemName") ?? string.Empty,
        e.GetString("RequestKind") == "return" ? AfterSaleKind.Return : AfterSaleKind.Refund,
        e.GetInt32("Quantity") ?? 0, e.GetInt64("UnitPriceFen") ?? 0, e.GetString("Reason") ?? string.Empty,
        Enum.TryParse<AfterSaleStatus>(e.GetString("Status"), ignoreCase: true, out var s) ? s : AfterSaleStatus.Pending,
        e.GetInt32("PhotoCount") ?? 0, e.GetInt32("PhotosUploaded") ?? 0, e.GetDateTimeOffset("RequestedAt") ?? default, e.GetDateTimeOffset("DecidedAt"),
        e.GetString("DecidedBy"), e.GetString("DecisionReason"), e.GetBoolean("EffectsApplied") ?? false, e.GetInt32("PointsReversed") ?? 0,
        e.GetString("RequestHash") ?? string.Empty, e.ETag);

    public static TableEntity ToEntity(string chainId, AfterSalePolicy p) => new(chainId, PolicyRow)
    {
        ["WindowDays"] = p.WindowDays,
        ["Text"] = p.Text,
    };

    public static AfterSalePolicy ToPolicy(TableEntity? e) => e is null
        ? AfterSalePolicy.Default
        : new AfterSalePolicy(Math.Clamp(e.GetInt32("WindowDays") ?? AfterSalePolicy.Default.WindowDays, 0, AfterSalePolicy.MaxWindowDays), e.GetString("Text") ?? AfterSalePolicy.Default.Text);
}
