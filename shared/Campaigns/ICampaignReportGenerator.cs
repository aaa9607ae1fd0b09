namespace ServerlessCommerce.Campaigns;

/// <summary>Writes a campaign's post-campaign report (复盘); run when a campaign completes. Idempotent.</summary>
public interface ICampaignReportGenerator
{
    Task GenerateAsync(string campaignId, CancellationToken cancellationToken);
}
