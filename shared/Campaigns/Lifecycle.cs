using System.Text.Json;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>The next thing a campaign's clock will do, and when.</summary>
public sealed record LifecycleStep(string Action, DateTimeOffset DueAt);

/// <summary>
/// The lifecycle plan (API.md "Lifecycle") that the campaign's durable orchestration follows: preheat at <c>preheatAt</c>, live at <c>liveStartAt</c>, close at
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

/// <summary>
/// Tells a campaign's lifecycle orchestration that its phase or schedule changed (a person's action, creation, a
/// commit that moved the campaign): a small <c>replan</c> message on the <c>campaign-work</c> queue, whose handler
/// raises the orchestration's <c>Replan</c> event or starts the orchestration. Through the queue rather than straight
/// to the task hub so the signal survives a crash right after the commit (the queue retries, the handler is idempotent).
/// </summary>
public sealed class LifecycleReplans(IQueueStore queues)
{
    public Task RequestAsync(string campaignId, CancellationToken ct) =>
        queues.SendAsync(CampaignCommitEffects.WorkQueueName, JsonSerializer.Serialize(new CampaignWork(campaignId, CampaignWork.Replan), JsonSerializerOptions.Web), cancellationToken: ct);

    /// <summary>Wakes the campaign's outbox dispatcher (events written outside a desk round, e.g. an edit).</summary>
    public Task WakeOutboxAsync(string campaignId, CancellationToken ct) =>
        queues.SendAsync(CampaignOutbox.QueueName, CampaignOutbox.WakeMessage(campaignId), cancellationToken: ct);
}
