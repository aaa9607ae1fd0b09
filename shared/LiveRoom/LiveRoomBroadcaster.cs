using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;

namespace ServerlessCommerce.LiveRoom;

/// <summary>
/// Turns committed rounds into live-room messages. Order, phase, pin and flash-sale messages go out as they come;
/// <c>stockChanged</c> is coalesced per campaign and item (the latest remaining value within ≤ 100 ms), so a burst of
/// orders costs viewers one message per item per tick, and every viewer ends on the true final value. Sending never
/// runs on the order's request path, and a failing transport only loses real-time messages, never orders.
/// </summary>
public sealed class LiveRoomBroadcaster : IAsyncDisposable
{
    public static readonly TimeSpan StockTick = TimeSpan.FromMilliseconds(100);

    /// <summary>A send that takes longer is abandoned (logged): a stuck real-time service must not stall the room.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    private readonly ILiveRoomTransport _transport;
    private readonly ILogger<LiveRoomBroadcaster> _logger;
    private readonly ConcurrentDictionary<(string CampaignId, string ItemId), (long Version, int Remaining)> _stock = new();
    private readonly ConcurrentDictionary<(string CampaignId, string ItemId), long> _sent = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _ticker;

    public LiveRoomBroadcaster(ILiveRoomTransport transport, TimeProvider clock, ILogger<LiveRoomBroadcaster> logger)
    {
        _transport = transport;
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
        var campaign = round.Campaign;
        foreach (var itemId in round.StockChangedItems)
        {
            if (campaign.FindItem(itemId) is { } item)
            {
                // Rounds' effects may arrive out of order; the event sequence tells which value is newer.
                _stock.AddOrUpdate((campaign.CampaignId, itemId), (campaign.EventSeq, item.Remaining),
                    (_, old) => old.Version >= campaign.EventSeq ? old : (campaign.EventSeq, item.Remaining));
            }
        }

        foreach (var message in round.LiveMessages)
        {
            await SendAsync(campaign.CampaignId, message.Target, message.Payload, ct);
        }
    }

    public Task SendAsync(string campaignId, string target, object payload, CancellationToken ct) => SafeAsync(campaignId, target, () => _transport.SendToCampaignAsync(campaignId, target, payload, ct));

    private async Task FlushStockAsync()
    {
        foreach (var ((campaignId, itemId), (version, remaining)) in _stock)
        {
            if (_sent.TryGetValue((campaignId, itemId), out var sentVersion) && sentVersion >= version)
            {
                continue;
            }

            _sent[(campaignId, itemId)] = version;
            await SafeAsync(campaignId, "stockChanged", () => _transport.SendToCampaignAsync(campaignId, "stockChanged", new { itemId, remaining }, _stop.Token));
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
