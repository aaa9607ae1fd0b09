using ServerlessCommerce.Common;

namespace ServerlessCommerce.Campaigns;

/// <summary>A 补货 during the live: <see cref="Quantity"/> more units of an item, once per <see cref="RestockId"/>.</summary>
public sealed record Restock(string RestockId, string ItemId, int Quantity, DateTimeOffset At);

public sealed partial class Campaign
{
    /// <summary>At most this many 补货 per campaign (each is kept on the campaign row).</summary>
    public const int MaxRestocks = 50;

    /// <summary>At most this many units in one 补货.</summary>
    public const int MaxRestockQuantity = 10_000;

    /// <summary>The 补货 done during the live, oldest first.</summary>
    public List<Restock> Restocks { get; init; } = [];

    /// <summary>
    /// 补货: while live, the leader adds units to an item (the supplier brought more). The units go to the pool, where the
    /// item's waitlist takes them first. The same <paramref name="restockId"/> again changes nothing and answers the
    /// first (a retried request). Before go-live the stock is edited with the campaign; after close nothing is added.
    /// </summary>
    public (Restock Restock, bool Added) AddStock(string restockId, string itemId, int quantity, DateTimeOffset now)
    {
        if (Restocks.FirstOrDefault(r => r.RestockId == restockId) is { } done)
        {
            return (done, false);
        }

        var item = FindItem(itemId) ?? throw AppProblem.NotFound("item", itemId);
        if (Phase != CampaignPhase.Live)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Not live",
                Phase < CampaignPhase.Live
                    ? "补货 is for a live campaign; before go-live, change the item's stock by editing the campaign."
                    : "The live has ended: no more units can be added.");
        }

        var v = new Validator();
        if (quantity is < 1 or > MaxRestockQuantity)
        {
            v.Add("quantity", $"quantity must be between 1 and {MaxRestockQuantity}.");
        }
        else if ((long)item.Stock + quantity > CampaignService.MaxStock)
        {
            v.Add("quantity", $"{item.Name} would have more than {CampaignService.MaxStock} units; at most {CampaignService.MaxStock - item.Stock} more.");
        }

        if (Restocks.Count >= MaxRestocks)
        {
            v.Add("quantity", $"A campaign takes at most {MaxRestocks} 补货; start a new campaign for more.");
        }

        v.ThrowIfInvalid();
        item.Stock += quantity;
        Pool[Buckets.Item(itemId)] = Pool.GetValueOrDefault(Buckets.Item(itemId)) + quantity;
        var restock = new Restock(restockId, itemId, quantity, now);
        Restocks.Add(restock);
        return (restock, true);
    }
}
