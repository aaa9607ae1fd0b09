using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Functions.Lifecycle;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>Publishes a campaign's outbox when a commit wakes it. Redelivery is harmless (watermark, stable ids).</summary>
public sealed class CampaignOutboxHandler(CampaignOutbox outbox)
{
    [Function("CampaignOutbox")]
    public Task Run([QueueTrigger(CampaignOutbox.QueueName)] string message, CancellationToken cancellationToken)
    {
        var wake = CampaignWorkMessage.Parse(message);
        return outbox.DispatchAsync(wake.CampaignId, cancellationToken, wake.Written);
    }
}

/// <summary>
/// Background work on one campaign (the <c>campaign-work</c> queue): fan-outs and follow-ups of a commit, and the
/// lifecycle orchestration's re-plan signal. Every kind is idempotent, so a redelivered message repeats nothing that
/// was done.
/// </summary>
public sealed class CampaignWorkHandler(CampaignWorkRunner work, CampaignDesks desks, ITableStore tables, ILogger<CampaignWorkHandler> logger)
{
    [Function("CampaignWork")]
    public async Task Run([QueueTrigger(CampaignCommitEffects.WorkQueueName)] string message, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var w = CampaignWorkMessage.Parse(message);
        switch (w.Work)
        {
            case CampaignWork.EndFlashSale when w.FlashSaleId is { } flashSaleId:
                var ended = await desks.SubmitAsync(w.CampaignId, new EndFlashSaleCommand { FlashSaleId = flashSaleId });
                logger.LogInformation("Campaign {CampaignId}: flash sale {FlashSaleId} ended on its timer ({Sold} sold)", w.CampaignId, flashSaleId, ended?.Sold);
                break;
            case CampaignWork.Replan:
                await CampaignLifecycleStarter.ReplanAsync(durable, tables, w.CampaignId, logger, cancellationToken);
                break;
            case CampaignWork.CancelOrders:
                await work.CancelOrdersAsync(w.CampaignId, cancellationToken);
                break;
            case CampaignWork.Waitlist when w.ItemId is { } itemId:
                var claims = await desks.SubmitAsync(w.CampaignId, new PromoteWaitlistCommand { ItemId = itemId });
                logger.LogInformation("Campaign {CampaignId}: waitlist of {ItemId} promoted on a claim's timer ({Claims} new claims)", w.CampaignId, itemId, claims);
                break;
            case CampaignWork.CloseSoldOut:
                try
                {
                    await desks.SubmitAsync(w.CampaignId, new TransitionCommand { Action = "close", Cause = "soldOut", OnlyIfSoldOut = true });
                }
                catch (ServerlessCommerce.Common.AppProblem p) when (p.Code == ServerlessCommerce.Common.ProblemCodes.InvalidTransition)
                {
                    // Closed meanwhile by the leader or the clock.
                }

                break;
            default:
                throw new InvalidDataException($"Unknown campaign work '{w.Work}'.");
        }
    }
}

/// <summary>
/// The outbox's safety net: every minute, any campaign whose events are not all published (a wake-up lost in a
/// crash) is dispatched.
/// </summary>
public sealed class OutboxSweeper(ITableStore tables, CampaignOutbox outbox, ILogger<OutboxSweeper> logger)
{
    [Function("OutboxSweeper")]
    public async Task Run([TimerTrigger("30 */1 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var query = new TableQuery(TableFilter.And(TableFilter.Compare("Phase", "ne", "completed"), TableFilter.Compare("Phase", "ne", "cancelled")), ["Phase"]);
        await PerCampaign.ForEachAsync(CampaignIds(tables, query, cancellationToken), async campaignId =>
        {
            if (await outbox.LagAsync(campaignId, cancellationToken) > 0)
            {
                var published = await outbox.DispatchAsync(campaignId, cancellationToken);
                logger.LogWarning("Outbox sweeper published {Count} overdue events of {CampaignId}", published, campaignId);
            }
        }, logger, "OutboxSweeper", cancellationToken);
    }

    internal static async IAsyncEnumerable<string> CampaignIds(ITableStore tables, TableQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in tables.QueryAsync(CampaignTables.CampaignIndex, query, cancellationToken))
        {
            yield return row.RowKey;
        }
    }
}

internal static class CampaignWorkMessage
{
    public static CampaignWork Parse(string message)
    {
        try
        {
            var work = JsonSerializer.Deserialize<CampaignWork>(message, JsonSerializerOptions.Web);
            return work is { CampaignId.Length: > 0 } ? work : throw new InvalidDataException("The message names no campaign.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The message is not campaign work.", ex);
        }
    }
}

/// <summary>
/// Every 10 s, each live campaign's viewer count (clients connected now) goes to its live room: with the embedded hub
/// this instance's connections plus every other instance's fresh row (one read per campaign, not one row per viewer;
/// see <see cref="ServerlessCommerce.LiveRoom.LiveRoomPresence"/>), on Azure SignalR Service the connection rows its
/// upstream events keep (see <see cref="ServerlessCommerce.LiveRoom.LiveRoomServiceConnections"/>).
/// </summary>
public sealed class ViewerCountTimer(ITableStore tables, ServerlessCommerce.LiveRoom.LiveRoomService live, ILogger<ViewerCountTimer> logger)
{
    [Function("ViewerCount")]
    public async Task Run([TimerTrigger("*/10 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var query = new TableQuery(TableFilter.Equal("Phase", "live"), ["Phase"]);
        await PerCampaign.ForEachAsync(OutboxSweeper.CampaignIds(tables, query, cancellationToken),
            campaignId => live.BroadcastViewerCountAsync(campaignId, cancellationToken), logger, "ViewerCount", cancellationToken);
    }
}
