using System.Globalization;
using System.Text;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>What a member sends to order.</summary>
public sealed record OrderRequest(IReadOnlyList<OrderRequestLine>? Items, string? Fulfilment, string? Address, int? PointsToUse = null);

/// <summary>One line: the item, how many, and the unit price the member saw (optional; API.md <c>price-changed</c>).</summary>
public sealed record OrderRequestLine(string? ItemId, int? Quantity, long? ExpectedUnitPriceFen = null);

/// <summary>Order capture (接龙) and the order views of members, leaders and admins.</summary>
public sealed class OrderService(ITableStore tables, CampaignDesks desks, CampaignService campaigns, IMemberPricing pricing, IOrderPoints points)
{
    public const int MaxLines = 20;
    public const int MaxQuantity = 999;

    private readonly HashSet<string> _indexed = [];

    // Campaigns already live (items fixed from then on) → whether any item has a 会员价: orders ask for the member's
    // level only where it can change a price.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _memberPriced = new(StringComparer.Ordinal);

    /// <summary>Places an order. The Idempotency-Key is required and scoped to the member.</summary>
    public async Task<OrderOutcome> PlaceAsync(Caller caller, string campaignId, OrderRequest request, string? idempotencyKey, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        var key = Idempotency.Normalize(idempotencyKey)
                  ?? throw AppProblem.Validation(Idempotency.HeaderName, $"Orders need an {Idempotency.HeaderName} header (e.g. a UUID), so a retry never orders twice.");
        var v = new Validator();
        var lines = new List<RequestedLine>();
        if (request.Items is null || request.Items.Count == 0)
        {
            v.Add("items", "An order needs at least one item.");
        }
        else if (request.Items.Count > MaxLines)
        {
            v.Add("items", $"An order has at most {MaxLines} lines.");
        }
        else
        {
            for (var i = 0; i < request.Items.Count; i++)
            {
                var line = request.Items[i];
                if (string.IsNullOrWhiteSpace(line?.ItemId) || line.ItemId.Length > 40)
                {
                    v.Add($"items[{i}].itemId", "itemId is required.");
                }
                else if (lines.Any(l => l.ItemId == line.ItemId))
                {
                    v.Add($"items[{i}].itemId", "Each item appears once per order; put the total in quantity.");
                }

                if (line?.Quantity is not (>= 1 and <= MaxQuantity))
                {
                    v.Add($"items[{i}].quantity", $"quantity must be between 1 and {MaxQuantity}.");
                }

                if (line?.ExpectedUnitPriceFen is < 0 or > 100_000_000)
                {
                    v.Add($"items[{i}].expectedUnitPriceFen", "expectedUnitPriceFen is the unit price in fen the member saw (0 to 100,000,000).");
                }

                if (v.IsValid)
                {
                    lines.Add(new RequestedLine(line!.ItemId!, line.Quantity!.Value, line.ExpectedUnitPriceFen));
                }
            }
        }

        var fulfilment = request.Fulfilment?.Trim().ToLowerInvariant() switch
        {
            null or "" or "pickup" => Fulfilment.Pickup,
            "delivery" => Fulfilment.Delivery,
            _ => (Fulfilment?)null,
        };
        if (fulfilment is null)
        {
            v.Add("fulfilment", "fulfilment must be 'pickup' or 'delivery'.");
        }

        var address = fulfilment == Fulfilment.Delivery ? v.Text("address", request.Address, 200) : null;
        v.ThrowIfInvalid();

        await EnsureMemberIndexAsync(caller.MemberId!, campaignId, ct);
        var orderId = $"{campaignId}-o{Idempotency.Derive(caller.MemberId!, key, 14)}";
        var payment = await points.PrepareAsync(caller.ChainId!, caller.MemberId!, orderId, request.PointsToUse, ct);
        var command = new PlaceOrderCommand
        {
            OrderId = orderId,
            MemberId = caller.MemberId!,
            MemberName = caller.Name ?? string.Empty,
            MaskedPhone = caller.MaskedPhone ?? "****",
            Lines = lines,
            Fulfilment = fulfilment!.Value,
            Address = address,
            RequestHash = payment is null ? Idempotency.Fingerprint(new { lines, fulfilment, address }) : Idempotency.Fingerprint(new { lines, fulfilment, address, points = payment.Points }),
            MemberPrice = await HasMemberPricesAsync(campaignId, ct) && await pricing.GrantsMemberPriceAsync(caller.ChainId!, caller.MemberId!, ct),
            Points = payment,
        };
        var outcome = await desks.SubmitAsync(campaignId, command);
        return outcome.Order.PointsUsed > 0 ? await SettlePointsAsync(campaignId, outcome, ct) : outcome;
    }

    /// <summary>
    /// Spends the order's points in the ledger (once; see <see cref="IOrderPoints"/>). When the balance no longer pays
    /// them — another order spent them meanwhile — the order is cancelled (its stock returns) and the member hears 409.
    /// </summary>
    private async Task<OrderOutcome> SettlePointsAsync(string campaignId, OrderOutcome outcome, CancellationToken ct)
    {
        var order = outcome.Order;
        if (order.Lines.All(l => l.Status == OrderStatus.Cancelled && l.CancelReason == PointsInsufficient)
            || await points.SettleAsync(order, ct) == PointsSettlement.Insufficient)
        {
            var cancelled = await desks.SubmitAsync(campaignId, new CancelOrderCommand { OrderId = order.OrderId, Reason = PointsInsufficient });
            await points.SettleAsync(cancelled, ct);
            throw AppProblem.Conflict("insufficient-points", "Not enough points", $"Your points no longer cover the {order.PointsUsed} points this order asked for (another order used them); nothing was ordered.");
        }

        return outcome;
    }

    /// <summary>Why an order whose points the balance could not pay was cancelled.</summary>
    public const string PointsInsufficient = "points-insufficient";

    private async ValueTask<bool> HasMemberPricesAsync(string campaignId, CancellationToken ct)
    {
        if (_memberPriced.TryGetValue(campaignId, out var known))
        {
            return known;
        }

        var campaign = await campaigns.GetAsync(campaignId, ct);
        var priced = campaign.Items.Any(i => i.MemberPriceFen is not null);
        if (campaign.Phase != CampaignPhase.Draft && campaign.Phase != CampaignPhase.Preheat)
        {
            if (_memberPriced.Count > 10_000)
            {
                _memberPriced.Clear();
            }

            _memberPriced[campaignId] = priced;
        }

        return priced;
    }

    /// <summary>Records once that the member takes part in the campaign, so "my orders" finds it.</summary>
    private async Task EnsureMemberIndexAsync(string memberId, string campaignId, CancellationToken ct)
    {
        var key = memberId + "|" + campaignId;
        lock (_indexed)
        {
            if (_indexed.Contains(key))
            {
                return;
            }
        }

        await tables.UpsertAsync(CampaignTables.MemberCampaigns, new TableEntity(memberId, campaignId) { ["At"] = DateTimeOffset.UtcNow }, TableUpdateMode.Merge, ct);
        lock (_indexed)
        {
            if (_indexed.Count > 100_000)
            {
                _indexed.Clear();
            }

            _indexed.Add(key);
        }
    }

    public async Task<Order> CancelAsync(Caller caller, string orderId, CancellationToken ct)
    {
        caller.Require(Role.Member);
        var campaignId = CampaignTables.CampaignOfOrder(caller, orderId);
        await GetOwnOrderAsync(caller, campaignId, orderId, ct);
        var cancelled = await desks.SubmitAsync(campaignId, new CancelOrderCommand { OrderId = orderId, MemberId = caller.MemberId, Reason = "member-cancelled" });
        await points.SettleAsync(cancelled, ct); // its points come back now (the outbox settles again, at least once)
        return cancelled;
    }

    /// <summary>One order: its member sees everything; the campaign's leader and the admin see it too.</summary>
    public async Task<(Order Order, bool IsOwner)> GetAsync(Caller caller, string orderId, CancellationToken ct)
    {
        caller.Require(Role.Member, Role.Leader, Role.Admin);
        var campaignId = CampaignTables.CampaignOfOrder(caller, orderId);
        if (caller.Role == Role.Member)
        {
            return (await GetOwnOrderAsync(caller, campaignId, orderId, ct), true);
        }

        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        return (await CampaignTables.FindOrderAsync(tables, campaignId, orderId, ct) ?? throw AppProblem.NotFound("order", orderId), false);
    }

    public async Task<IReadOnlyList<Order>> ListForCampaignAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        return await QueryOrdersAsync(campaignId, null, ct);
    }

    public async Task<IReadOnlyList<Order>> ListForMemberAsync(Caller caller, CancellationToken ct)
    {
        caller.Require(Role.Member);
        var campaignIds = await tables.QueryAsync(CampaignTables.MemberCampaigns, TableQuery.Partition(caller.MemberId!), ct).Select(r => r.RowKey).ToListAsync(ct);
        var perCampaign = await Task.WhenAll(campaignIds.Select(id => QueryOrdersAsync(id, caller.MemberId, ct)));
        return perCampaign.SelectMany(o => o).OrderByDescending(o => o.CreatedAt).ToList();
    }

    private async Task<IReadOnlyList<Order>> QueryOrdersAsync(string campaignId, string? memberId, CancellationToken ct)
    {
        var filter = TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix);
        if (memberId is not null)
        {
            filter = TableFilter.And(filter, TableFilter.Equal("MemberId", memberId));
        }

        var rows = await tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(campaignId, filter), ct).ToListAsync(ct);
        return rows.Select(CampaignTables.ToOrder).OrderBy(o => o.CreatedAt).ToList();
    }

    private async Task<Order> GetOwnOrderAsync(Caller caller, string campaignId, string orderId, CancellationToken ct)
    {
        var order = await CampaignTables.FindOrderAsync(tables, campaignId, orderId, ct);
        // Another member's order is "not found" to a member: order ids are not to be probed.
        return order is null || order.MemberId != caller.MemberId ? throw AppProblem.NotFound("order", orderId) : order;
    }

    /// <summary>
    /// The leader's order list as CSV (API.md "CSV"): UTF-8 with BOM, Chinese header, yuan with two decimals, times in
    /// the chain's zone, masked phones, and cells that could start a formula prefixed with <c>'</c>.
    /// </summary>
    public static byte[] ToCsv(IReadOnlyList<Order> orders, TimeZoneInfo zone)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', new[] { "订单号", "下单时间", "会员", "手机", "商品", "数量", "单价(元)", "小计(元)", "商品状态", "订单状态", "订单金额(元)", "取货方式", "地址" }.Select(Cell))).Append("\r\n");
        foreach (var order in orders)
        {
            var at = TimeZoneInfo.ConvertTime(order.CreatedAt, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            foreach (var line in order.Lines)
            {
                sb.Append(string.Join(',', new[]
                {
                    order.OrderId, at, order.MemberName, order.MaskedPhone, line.Name, line.Quantity.ToString(CultureInfo.InvariantCulture),
                    Yuan(line.UnitPriceFen), Yuan(line.TotalFen), StatusText(line.Status), StatusText(order.Status), Yuan(order.TotalFen),
                    order.Fulfilment == Fulfilment.Delivery ? "配送" : "自提", order.Address ?? string.Empty,
                }.Select(Cell))).Append("\r\n");
            }
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(sb.ToString())];
    }

    public static string Yuan(long fen) => (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static string StatusText(OrderStatus status) => status switch
    {
        OrderStatus.Placed => "已下单",
        OrderStatus.Confirmed => "已成团",
        OrderStatus.Cancelled => "已取消",
        OrderStatus.PickedUp => "已取货",
        OrderStatus.Dispatched => "配送中",
        OrderStatus.Delivered => "已送达",
        _ => status.ToString(),
    };

    /// <summary>One CSV cell: formula-leading characters neutralised, quoted when needed.</summary>
    public static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
