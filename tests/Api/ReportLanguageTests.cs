using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// Issue 16: the report page is in the reader's language, not bilingual on every label: <c>?lang=en</c> links a page
/// with no Chinese label, the default (zh-CN) one with no "(English)" label; Accept-Language decides without ?lang.
/// </summary>
public sealed partial class ReportLanguageTests : ChainTest
{
    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex Chinese();

    [GeneratedRegex(@"\([A-Z][A-Za-z ]+\)")]
    private static partial Regex EnglishInParentheses();

    private async Task<string> PageAsync(JsonElement report, string property = "reportUrl")
    {
        using var plain = new HttpClient();
        var html = await plain.GetAsync(new Uri(report.GetProperty(property).GetString()!));
        Assert.True(html.IsSuccessStatusCode, $"report page: {(int)html.StatusCode}");
        return Encoding.UTF8.GetString(await html.Content.ReadAsByteArrayAsync());
    }

    private async Task<JsonElement> ReportAsync(string campaignId, string query = "", string? acceptLanguage = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/campaigns/{campaignId}/report{query}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.LeaderKey);
        if (acceptLanguage is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        }

        return await TestApp.OkJsonAsync(await App.Client.SendAsync(request));
    }

    [Fact]
    public async Task TheEnglishReportHasNoChineseLabelsAndTheDefaultChineseOneNoEnglishLabels()
    {
        var (campaignId, itemId) = await App.NewLiveCampaignAsync(Chain);
        await TestApp.OkJsonAsync(await App.OrderAsync(campaignId, Chain.MemberToken, itemId, 2), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/report", secret: Chain.LeaderKey));

        // English: the people's own words (the campaign's title, the store's and the product's names) may be Chinese; no label is.
        var english = await ReportAsync(campaignId, "?lang=en");
        Assert.Equal("en", english.GetProperty("lang").GetString());
        var page = await PageAsync(english);
        Assert.Contains("<html lang=\"en\">", page, StringComparison.Ordinal);
        Assert.Contains("Post-campaign report", page, StringComparison.Ordinal);
        Assert.Contains("Group success rate", page, StringComparison.Ordinal);
        var campaign = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
        var labelsOnly = page;
        foreach (var own in new[] { campaign.GetProperty("title").GetString()!, "幸福里店", campaign.GetProperty("items")[0].GetProperty("name").GetString()! })
        {
            labelsOnly = labelsOnly.Replace(own, string.Empty, StringComparison.Ordinal);
        }

        Assert.False(Chinese().IsMatch(labelsOnly), "a Chinese label in the English report: " + Chinese().Match(labelsOnly).Index + " " +
            labelsOnly.Substring(Math.Max(0, Chinese().Match(labelsOnly).Index - 40), 80));

        // The default: Chinese only, no "(English)" beside each label.
        var chinese = await ReportAsync(campaignId);
        Assert.Equal("zh-CN", chinese.GetProperty("lang").GetString());
        var zhPage = await PageAsync(chinese);
        Assert.Contains("<html lang=\"zh-CN\">", zhPage, StringComparison.Ordinal);
        Assert.Contains("复盘报告", zhPage, StringComparison.Ordinal);
        Assert.Contains("成团率", zhPage, StringComparison.Ordinal);
        var body = zhPage[zhPage.IndexOf("<body>", StringComparison.Ordinal)..];
        Assert.DoesNotMatch(EnglishInParentheses(), body);
        Assert.DoesNotContain("Group success rate", zhPage, StringComparison.Ordinal);

        // Without ?lang, Accept-Language decides (zh-CN when it names neither); both pages are linked either way.
        Assert.Equal("en", (await ReportAsync(campaignId, acceptLanguage: "en-US,en;q=0.9")).GetProperty("lang").GetString());
        Assert.Equal("zh-CN", (await ReportAsync(campaignId, acceptLanguage: "zh-CN,zh;q=0.9,en;q=0.8")).GetProperty("lang").GetString());
        Assert.Equal("zh-CN", (await ReportAsync(campaignId, acceptLanguage: "fr-FR")).GetProperty("lang").GetString());
        Assert.Contains("Key metrics", await PageAsync(chinese.GetProperty("reportUrls"), "en"), StringComparison.Ordinal);
        Assert.Contains("核心指标", await PageAsync(english.GetProperty("reportUrls"), "zh"), StringComparison.Ordinal);

        // A language the report does not have is a 400 naming lang.
        var wrong = await TestApp.ProblemAsync(await App.GetAsync($"/api/campaigns/{campaignId}/report?lang=fr", Chain.LeaderKey), 400, "validation");
        Assert.True(wrong.GetProperty("errors").TryGetProperty("lang", out _));
    }
}
