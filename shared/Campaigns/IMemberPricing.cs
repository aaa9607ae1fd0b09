namespace ServerlessCommerce.Campaigns;

/// <summary>
/// Whether a member's orders get the items' 会员价 now (her level grants it). Asked once per order, before the desk, only
/// when one of the ordered items has a member price; the growth module answers (levels and points live there).
/// </summary>
public interface IMemberPricing
{
    ValueTask<bool> GrantsMemberPriceAsync(string chainId, string memberId, CancellationToken ct);
}
