namespace ServerlessCommerce.Events;

/// <summary>
/// An in-process consumer of a campaign's outbox. <see cref="Campaigns.CampaignOutbox"/> hands it every page of events
/// it publishes, in order, before it moves the watermark past them: a crash or a throw before that publishes the page
/// again, so a subscriber sees each event at least once and must be idempotent (deterministic row keys, insert if
/// absent). A subscriber that throws holds the outbox back until it succeeds, which is the point: nothing it owes is
/// skipped.
/// </summary>
public interface ICampaignEventSubscriber
{
    Task HandleAsync(IReadOnlyList<DomainEvent> events, CancellationToken cancellationToken);
}
