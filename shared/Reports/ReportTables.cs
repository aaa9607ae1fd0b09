using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Reports;

/// <summary>
/// Where reports read and write. Follow-up answers live in <see cref="FollowUp"/> (PartitionKey = campaignId; survey
/// rows <c>s_{orderId}</c>, review rows <c>rv_{orderId}</c>); a missing table or row counts as nothing answered. The
/// report's own record is the row <see cref="ReportRow"/> in the campaign's partition of <c>Campaigns</c> (never the
/// campaign row, which the desk replaces with If-Match). Its files are blobs in <c>media</c>.
/// </summary>
public static class ReportTables
{
    // The follow-up rows are FollowUpTables' contract; reports only read them.
    public const string FollowUp = ServerlessCommerce.FollowUp.FollowUpTables.FollowUp;

    public const string SurveyPrefix = ServerlessCommerce.FollowUp.FollowUpTables.SurveyPrefix;
    public const string ReviewPrefix = ServerlessCommerce.FollowUp.FollowUpTables.ReviewPrefix;

    public const string ReportRow = "report";

    public static string Container => CatalogueTables.Media;

    /// <summary>The report page in one language: report.html in Chinese (the default), report.{lang}.html otherwise.</summary>
    public static string HtmlBlob(string campaignId, string lang = "zh-CN") =>
        lang == "zh-CN" ? $"reports/{campaignId}/report.html" : $"reports/{campaignId}/report.{lang}.html";

    public static string CsvBlob(string campaignId) => $"reports/{campaignId}/report.csv";

    public static string JsonBlob(string campaignId) => $"reports/{campaignId}/report.json";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static TableEntity ToEntity(CampaignReport report) => new(report.Metrics.CampaignId, ReportRow)
    {
        ["Kind"] = "report",
        ["ReportGeneratedAt"] = report.GeneratedAt,
        ["Metrics"] = JsonSerializer.Serialize(report.Metrics, Json),
    };

    public static CampaignReport ToReport(TableEntity e) => new(
        JsonSerializer.Deserialize<CampaignMetrics>(e.RequireString("Metrics"), Json) ?? throw new InvalidDataException($"Report row of {e.PartitionKey} holds no metrics."),
        e.GetDateTimeOffset("ReportGeneratedAt") ?? default);

    public static SurveyAnswer ToSurvey(TableEntity e) => new(
        e.RowKey[SurveyPrefix.Length..], e.GetString("MemberId") ?? string.Empty, Whole(e, "Satisfaction"), Whole(e, "Nps"));

    public static ReviewFacts ToReview(TableEntity e)
    {
        // PhotosUploaded (what arrived) wins over PhotoCount (what was announced); either may be a number or a flag.
        var announced = Whole(e, "PhotoCount") ?? 0;
        var uploaded = e.Properties.GetValueOrDefault("PhotosUploaded") switch
        {
            bool b => b ? announced : 0,
            null => announced,
            _ => Whole(e, "PhotosUploaded") ?? 0,
        };
        return new ReviewFacts(e.RowKey[ReviewPrefix.Length..], e.GetString("MemberId") ?? string.Empty, Whole(e, "Rating"), uploaded);
    }

    private static int? Whole(TableEntity e, string name) => e.Properties.GetValueOrDefault(name) switch
    {
        null => null,
        double d => (int)Math.Round(d),
        string s => int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : null,
        _ => (int?)e.GetInt64(name),
    };

    /// <summary>The order rows of a campaign, as orders.</summary>
    internal static TableQuery Orders(string campaignId) => TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(CampaignTables.OrderPrefix));
}
