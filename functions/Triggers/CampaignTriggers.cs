using System.Text.Json;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>Publishes a campaign's outbox when a commit wakes it. Redelivery is harmless (watermark, stable ids).</summary>
public sealed class CampaignOutboxHandler(CampaignOutbox outbox) : IQueueHandler
{
    public Task HandleAsync(QueueInvocation message, CancellationToken cancellationToken) =>
        outbox.DispatchAsync(CampaignWorkMessage.Parse(message).CampaignId, cancellationToken);
}

/// <summary>
/// Background work on one campaign. <c>cancel-orders</c>: after a campaign is cancelled, every order still standing
/// is cancelled through the campaign's desk (stock and tallies stay true); already-cancelled ones are skipped, so a
/// redelivered message repeats nothing.
/// </summary>
public sealed class CampaignWorkHandler(ITableStore tables, CampaignDesks desks, ILogger<CampaignWorkHandler> logger) : IQueueHandler
{
    public async Task HandleAsync(QueueInvocation message, CancellationToken cancellationToken)
    {
        var work = CampaignWorkMessage.Parse(message);
        if (work.Work == CampaignWork.EndFlashSale && work.FlashSaleId is { } flashSaleId)
        {
            var ended = await desks.SubmitAsync(work.CampaignId, new EndFlashSaleCommand { FlashSaleId = flashSaleId });
            logger.LogInformation("Campaign {CampaignId}: flash sale {FlashSaleId} ended on its timer ({Sold} sold)", work.CampaignId, flashSaleId, ended?.Sold);
            return;
        }

        if (work.Work != CampaignWork.CancelOrders)
        {
            throw new InvalidDataException($"Unknown campaign work '{work.Work}'.");
        }

        var filter = TableFilter.And(TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix), TableFilter.Equal("Status", "placed"));
        var cancelled = 0;
        await foreach (var chunk in tables.QueryAsync(CampaignTables.Campaigns, TableQuery.Partition(work.CampaignId, filter) with { Select = ["OrderId"] }, cancellationToken)
                           .Chunk(500).WithCancellation(cancellationToken))
        {
            await Task.WhenAll(chunk.Select(row => desks.SubmitAsync(work.CampaignId,
                new CancelOrderCommand { OrderId = row.RequireString("OrderId"), Reason = "campaign-cancelled" })));
            cancelled += chunk.Length;
        }

        logger.LogInformation("Campaign {CampaignId}: {Count} orders cancelled with the campaign", work.CampaignId, cancelled);
    }
}

/// <summary>
/// The outbox's safety net: every minute, any campaign whose events are not all published (a wake-up lost in a
/// crash) is dispatched.
/// </summary>
public sealed class OutboxSweeper(ITableStore tables, CampaignOutbox outbox, ILogger<OutboxSweeper> logger) : ITimerHandler
{
    public async Task RunAsync(TimerInvocation timer, CancellationToken cancellationToken)
    {
        var query = new TableQuery(TableFilter.And(TableFilter.Compare("Phase", "ne", "completed"), TableFilter.Compare("Phase", "ne", "cancelled")), ["Phase"]);
        await foreach (var row in tables.QueryAsync(CampaignTables.CampaignIndex, query, cancellationToken))
        {
            if (await outbox.LagAsync(row.RowKey, cancellationToken) > 0)
            {
                var published = await outbox.DispatchAsync(row.RowKey, cancellationToken);
                logger.LogWarning("Outbox sweeper published {Count} overdue events of {CampaignId}", published, row.RowKey);
            }
        }
    }
}

internal static class CampaignWorkMessage
{
    public static CampaignWork Parse(QueueInvocation message)
    {
        try
        {
            var work = JsonSerializer.Deserialize<CampaignWork>(message.Text, JsonSerializerOptions.Web);
            return work is { CampaignId.Length: > 0 } ? work : throw new InvalidDataException($"Message {message.MessageId} names no campaign.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Message {message.MessageId} is not campaign work.", ex);
        }
    }
}

/// <summary>Every 10 s, each live campaign's viewer count (from storage) goes to its live room.</summary>
public sealed class ViewerCountTimer(ITableStore tables, ServerlessCommerce.LiveRoom.LiveRoomService live) : ITimerHandler
{
    public async Task RunAsync(TimerInvocation timer, CancellationToken cancellationToken)
    {
        var query = new TableQuery(TableFilter.Equal("Phase", "live"), ["Phase"]);
        await foreach (var row in tables.QueryAsync(CampaignTables.CampaignIndex, query, cancellationToken))
        {
            await live.BroadcastViewerCountAsync(row.RowKey, cancellationToken);
        }
    }
}
