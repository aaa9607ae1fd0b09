using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Outreach;

namespace ServerlessCommerce.Functions.Triggers;

/// <summary>Delivers one member notification per queue message; redelivery and several instances send it once.</summary>
public sealed class OutreachTriggers(OutreachService outreach)
{
    [Function("OutreachDeliver")]
    public Task Deliver([QueueTrigger(OutreachService.QueueName)] string message, CancellationToken cancellationToken) =>
        outreach.DeliverAsync(message, cancellationToken);
}
