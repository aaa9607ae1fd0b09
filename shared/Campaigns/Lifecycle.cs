using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>The next thing a campaign's clock will do, and when.</summary>
public sealed record LifecycleStep(string Action, DateTimeOffset DueAt);

/// <summary>
/// The durable lifecycle plan (API.md "Lifecycle"): preheat at <c>preheatAt</c>, live at <c>liveStartAt</c>, close at
/// <c>liveEndAt</c>, 成团 evaluation and fulfilling right after close, a pickup reminder before <c>pickupUntil</c>,
/// follow-up <c>followUpAfterHours</c> after the earlier of "all handed over" and <c>pickupUntil</c>, completion
/// <c>followUpWindowHours</c> later. Pure: it only reads the campaign.
/// </summary>
public static class LifecyclePlan
{
    public static LifecycleStep? Next(Campaign c)
    {
        var s = c.Schedule;
        switch (c.Phase)
        {
            case CampaignPhase.Draft:
                return s.PreheatAt < s.LiveStartAt ? new("preheat", s.PreheatAt) : new("go-live", s.LiveStartAt);
            case CampaignPhase.Preheat:
                return c.Done.Contains("preview") ? new("go-live", s.LiveStartAt) : new("notify-preview", c.PhaseEnteredAt ?? s.PreheatAt);
            case CampaignPhase.Live:
                return c.Done.Contains("live-reminder") ? new("close", s.LiveEndAt) : new("notify-live", c.PhaseEnteredAt ?? s.LiveStartAt);
            case CampaignPhase.Closed:
                return c.EvaluationDone ? new("fulfil", c.PhaseEnteredAt ?? s.LiveEndAt) : new("evaluate", c.PhaseEnteredAt ?? s.LiveEndAt);
            case CampaignPhase.Fulfilling:
                var handedOver = c.FulfilledAt is { } done && done < s.PickupUntil ? done : s.PickupUntil;
                var followUp = new LifecycleStep("follow-up", handedOver.AddHours(s.FollowUpAfterHours));
                if (!c.PickupReminderSent && c.ToFulfil > 0)
                {
                    var lead = TimeSpan.FromTicks(Math.Min(TimeSpan.FromHours(6).Ticks, (s.PickupUntil - s.LiveEndAt).Ticks / 4));
                    var remind = new LifecycleStep("remind-pickup", s.PickupUntil - lead);
                    return remind.DueAt < followUp.DueAt ? remind : followUp;
                }

                return followUp;
            case CampaignPhase.FollowUp:
                return c.Done.Contains("survey")
                    ? new("complete", (c.PhaseEnteredAt ?? s.PickupUntil).AddHours(s.FollowUpWindowHours))
                    : new("notify-survey", c.PhaseEnteredAt ?? s.PickupUntil);
            case CampaignPhase.Completed:
                return c.Done.Contains("report") ? null : new("report", c.PhaseEnteredAt ?? s.PickupUntil);
            default:
                return null;
        }
    }
}

/// <summary>A lifecycle message: run what is due for a campaign (re-sent when the delay exceeds the queue's 7 days).</summary>
public sealed record LifecycleMessage(string CampaignId, string Action, DateTimeOffset DueAt);

/// <summary>
/// Arms campaign clocks (our stand-in for Durable Functions timers): each next step is armed twice — a queue message
/// with a visibility delay (re-sent when beyond the queue's 7 days) and a row in the due index — and a sweeper runs
/// anything overdue, so a lost message only delays a step.
/// </summary>
public sealed class LifecycleTimers(ITableStore tables, IQueueStore queues, TimeProvider clock)
{
    public const string QueueName = "campaign-lifecycle";
    public const string DueTable = "LifecycleDue";
    public const string DuePartition = "due";
    private static readonly TimeSpan MaxQueueDelay = TimeSpan.FromDays(6.9);

    /// <summary>Arms the campaign's next step (a step already due runs as soon as the message is read).</summary>
    public async Task ArmNextAsync(Campaign campaign, CancellationToken ct)
    {
        if (LifecyclePlan.Next(campaign) is { } step)
        {
            await ArmAsync(campaign.CampaignId, step, ct);
        }
        else
        {
            await DisarmAsync(campaign.CampaignId, ct);
        }
    }

    public async Task ArmAsync(string campaignId, LifecycleStep step, CancellationToken ct)
    {
        await tables.UpsertAsync(DueTable, new TableEntity(DuePartition, campaignId) { ["DueAt"] = step.DueAt, ["Action"] = step.Action }, cancellationToken: ct);
        await SendAsync(new LifecycleMessage(campaignId, step.Action, step.DueAt), ct);
    }

    public async Task SendAsync(LifecycleMessage message, CancellationToken ct)
    {
        var delay = message.DueAt - clock.GetUtcNow();
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxQueueDelay ? MaxQueueDelay : delay;
        await queues.SendAsync(QueueName, JsonSerializer.Serialize(message, JsonSerializerOptions.Web), delay + TimeSpan.FromMilliseconds(50), cancellationToken: ct);
    }

    public async Task DisarmAsync(string campaignId, CancellationToken ct)
    {
        try
        {
            await tables.DeleteAsync(DueTable, DuePartition, campaignId, cancellationToken: ct);
        }
        catch (StorageNotFoundException)
        {
        }
    }

    /// <summary>Campaigns whose next step is overdue (the sweeper's work list).</summary>
    public async Task<IReadOnlyList<string>> OverdueAsync(CancellationToken ct) =>
        await tables.QueryAsync(DueTable, TableQuery.Partition(DuePartition, TableFilter.Compare("DueAt", "le", clock.GetUtcNow())), ct)
            .Select(r => r.RowKey).ToListAsync(ct);
}

/// <summary>Runs what is due for a campaign: transitions through its desk, the 成团 evaluation, the pickup reminder. Idempotent.</summary>
public sealed class LifecycleRunner(ITableStore tables, LifecycleTimers timers, CampaignDesks desks, CampaignWorkRunner work, IEnumerable<ICampaignReportGenerator> reports, TimeProvider clock, ILogger<LifecycleRunner> logger)
{
    /// <summary>Runs every step that is due now (with <paramref name="cause"/> in the history), then arms the next.</summary>
    public async Task RunAsync(string campaignId, string cause, CancellationToken ct)
    {
        for (var i = 0; i < 12; i++)
        {
            var row = await tables.GetAsync(CampaignTables.Campaigns, campaignId, CampaignTables.CampaignRow, cancellationToken: ct);
            if (row is null)
            {
                await timers.DisarmAsync(campaignId, ct);
                return;
            }

            var campaign = CampaignTables.ToCampaign(row);
            var step = LifecyclePlan.Next(campaign);
            if (step is null)
            {
                await timers.DisarmAsync(campaignId, ct);
                return;
            }

            if (step.DueAt > clock.GetUtcNow())
            {
                await timers.ArmAsync(campaignId, step, ct);
                return;
            }

            logger.LogInformation("Campaign {CampaignId}: running {Action} (due {DueAt:o}, cause {Cause})", campaignId, step.Action, step.DueAt, cause);
            await PerformAsync(campaign, step.Action, cause);
        }
    }

    private async Task PerformAsync(Campaign campaign, string action, string cause)
    {
        switch (action)
        {
            case "evaluate":
                await work.EvaluateAsync(campaign.CampaignId, CancellationToken.None);
                break;
            case "remind-pickup":
                await work.RemindPickupAsync(campaign.CampaignId, CancellationToken.None);
                break;
            case "notify-preview":
                await work.NotifyReservedAsync(campaign.CampaignId, "preview", "您预约的团购开始预热了，先来看看今天的好物！", CancellationToken.None);
                break;
            case "notify-live":
                await work.NotifyReservedAsync(campaign.CampaignId, "live-reminder", "您预约的直播开始了，快进直播间抢购吧！", CancellationToken.None);
                break;
            case "notify-survey":
                await work.NotifyBuyersAsync(campaign.CampaignId, "survey", "感谢参团！花一分钟评价一下这次的商品和服务吧。", CancellationToken.None);
                break;
            case "report":
                foreach (var report in reports)
                {
                    await report.GenerateAsync(campaign.CampaignId, CancellationToken.None);
                }

                await work.MarkDoneAsync(campaign.CampaignId, "report", CancellationToken.None);
                break;
            default:
                try
                {
                    await desks.SubmitAsync(campaign.CampaignId, new TransitionCommand { Action = action, Cause = cause });
                }
                catch (AppProblem problem) when (problem.Code == ProblemCodes.InvalidTransition)
                {
                    logger.LogInformation("Campaign {CampaignId}: {Action} no longer applies ({Detail})", campaign.CampaignId, action, problem.Message);
                }

                break;
        }
    }
}
