using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Events;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.LiveRoom;

/// <summary>
/// Turns committed rounds into live-room messages (API.md "Live room events"), every one carrying the campaign's
/// <c>seq</c> so a client keeps the newer of a read and an event.
/// <list type="bullet">
/// <item>Order, phase, pin and flash-sale messages derive from the round's domain events and go out as they come.</item>
/// <item><c>stockChanged</c> is coalesced per campaign (≤ 100 ms). Stock is spread over the campaign's lanes, and one
/// instance knows only its own, so each tick reads the campaign and every lane once and sends the true totals with
/// that read's <c>seq</c>. The last read after the last sale, on whichever instance made it, has the highest
/// <c>seq</c>: every viewer ends on the true final value. A room this instance's sends reach no one in (the embedded
/// hub with no connection here) costs no read: whoever joins later loads the campaign's view.</item>
/// </list>
/// Sending never runs on the order's request path, and a failing transport only loses real-time messages, never orders.
/// </summary>
public sealed class LiveRoomBroadcaster : IAsyncDisposable
{
    public static readonly TimeSpan StockTick = TimeSpan.FromMilliseconds(100);

    /// <summary>A send that takes longer is abandoned (logged): a stuck real-time service must not stall the room.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    private readonly ILiveRoomTransport _transport;
    private readonly ITableStore _tables;
    private readonly ILogger<LiveRoomBroadcaster> _logger;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _dirty = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _seq = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _ticker;

    public LiveRoomBroadcaster(ILiveRoomTransport transport, ITableStore tables, TimeProvider clock, ILogger<LiveRoomBroadcaster> logger)
    {
        _transport = transport;
        _tables = tables;
        _logger = logger;
        _ticker = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(StockTick, clock);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    await FlushStockAsync();
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>Sends (or, for stock, queues) what a committed round means to the live room.</summary>
    public async Task PublishAsync(CommittedRound round, CancellationToken ct)
    {
        var campaignId = round.Campaign.CampaignId;
        var seq = Observe(campaignId, round.Campaign.Seq);
        if (round.StockChangedItems.Count > 0)
        {
            var items = _dirty.GetOrAdd(campaignId, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
            foreach (var itemId in round.StockChangedItems)
            {
                items[itemId] = 0;
            }
        }

        foreach (var e in round.Events)
        {
            foreach (var (target, payload) in Messages(e))
            {
                await SafeAsync(campaignId, target, () => _transport.SendToCampaignAsync(campaignId, target, WithSeq(payload, seq), ct));
            }
        }
    }

    /// <summary>Sends a live-room message with the latest <c>seq</c> this instance knows for the campaign.</summary>
    public Task SendAsync(string campaignId, string target, object payload, CancellationToken ct) =>
        SafeAsync(campaignId, target, () => _transport.SendToCampaignAsync(campaignId, target, WithSeq(payload, _seq.GetValueOrDefault(campaignId)), ct));

    /// <summary>The live-room messages of a domain event (none for most): never a member id or phone, only masked names.</summary>
    public static IEnumerable<(string Target, object Payload)> Messages(DomainEvent e)
    {
        var d = e.Data;
        switch (e.Type)
        {
            case "order.placed":
                foreach (var line in d.GetProperty("items").EnumerateArray())
                {
                    yield return ("orderPlaced", new
                    {
                        maskedName = d.GetProperty("maskedName").GetString(), itemId = line.GetProperty("itemId").GetString(),
                        quantity = line.GetProperty("quantity").GetInt32(), orderId = d.GetProperty("orderId").GetString(),
                        gift = line.TryGetProperty("gift", out var gift) && gift.ValueKind == JsonValueKind.True,
                    });
                }

                break;
            case "campaign.phaseChanged":
                yield return ("phaseChanged", new { phase = d.GetProperty("to").GetString() });
                break;
            case "campaign.itemPinned":
                yield return ("productPinned", new
                {
                    itemId = d.GetProperty("itemId").GetString(), productId = d.GetProperty("productId").GetString(),
                    name = d.GetProperty("name").GetString(), traceabilityUrl = d.GetProperty("traceabilityUrl").GetString(),
                });
                break;
            case "flashSale.started":
                yield return ("flashSaleStarted", new
                {
                    flashSaleId = d.GetProperty("flashSaleId").GetString(), itemId = d.GetProperty("itemId").GetString(), priceFen = d.GetProperty("priceFen").GetInt64(),
                    quantity = d.GetProperty("quantity").GetInt32(), endsAt = d.GetProperty("endsAt").GetDateTimeOffset(), firstNGift = d.GetProperty("firstNGift").GetInt32(),
                    giftName = d.TryGetProperty("giftName", out var giftName) && giftName.ValueKind == JsonValueKind.String ? giftName.GetString() : null,
                });
                break;
            case "flashSale.ended":
                yield return ("flashSaleEnded", new { flashSaleId = d.GetProperty("flashSaleId").GetString(), itemId = d.GetProperty("itemId").GetString() });
                break;
        }
    }

    private long Observe(string campaignId, long seq) => _seq.AddOrUpdate(campaignId, seq, (_, old) => Math.Max(old, seq));

    private static JsonObject WithSeq(object payload, long seq)
    {
        var node = payload as JsonObject ?? JsonSerializer.SerializeToNode(payload, JsonSerializerOptions.Web)?.AsObject() ?? [];
        node["seq"] = seq;
        return node;
    }

    private async Task FlushStockAsync()
    {
        foreach (var (campaignId, items) in _dirty)
        {
            var changed = items.Keys.ToList();
            if (changed.Count == 0)
            {
                continue;
            }

            foreach (var itemId in changed)
            {
                items.TryRemove(itemId, out _);
            }

            if (!_transport.MayReachAnyone(campaignId))
            {
                continue;
            }

            try
            {
                var campaign = await CampaignTables.ReadAsync(_tables, campaignId, _stop.Token);
                if (campaign is null)
                {
                    continue;
                }

                var seq = Observe(campaignId, campaign.Seq);
                foreach (var item in changed.Select(campaign.FindItem).OfType<CampaignItem>())
                {
                    await SafeAsync(campaignId, "stockChanged", () => _transport.SendToCampaignAsync(campaignId, "stockChanged",
                        WithSeq(new { itemId = item.ItemId, remaining = item.Remaining }, seq), _stop.Token));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Live room {CampaignId}: reading stock failed; retrying on the next tick", campaignId);
                foreach (var itemId in changed)
                {
                    items[itemId] = 0;
                }
            }
        }
    }

    private async Task SafeAsync(string campaignId, string target, Func<Task> send)
    {
        try
        {
            await send().WaitAsync(SendTimeout);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Live room {CampaignId}: sending {Target} failed", campaignId, target);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _ticker;
        _stop.Dispose();
    }
}
