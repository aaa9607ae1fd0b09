using System.Text.Json.Nodes;
using ServerlessCommerce.Functions.Hosting.Local;
using ServerlessCommerce.Functions.Hosting.OpenApi;

namespace ServerlessCommerce.Tests.Hosting;

/// <summary>The OpenAPI document says which request fields are required, as API.md does, and states the date limits.</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly JsonObject Doc = OpenApiDocument.Build(FunctionCatalog.App);

    private static JsonObject RequestSchema(string route, string method = "post") =>
        Doc["paths"]![route]![method]!["requestBody"]!["content"]!["application/json"]!["schema"]!.AsObject();

    private static string[] Required(JsonNode schema) => schema["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToArray() ?? [];

    [Fact]
    public void OptionalRequestFieldsAreNotMarkedRequired()
    {
        var chain = RequestSchema("/api/chains");
        Assert.Contains("name", Required(chain));
        Assert.DoesNotContain("timeZone", Required(chain));

        var campaign = RequestSchema("/api/chains/{chainId}/campaigns");
        Assert.Equal(["items", "leaderId", "liveEndAt", "liveStartAt", "storeId", "title"], Required(campaign).Order(StringComparer.Ordinal));
        var item = campaign["properties"]!["items"]!["items"]!;
        Assert.Equal(["priceFen", "productId", "stock"], Required(item).Order(StringComparer.Ordinal));

        var join = RequestSchema("/api/chains/{chainId}/members");
        Assert.DoesNotContain("referralCode", Required(join));
        Assert.Contains("phone", Required(join));
        Assert.DoesNotContain("code", Required(join)); // required only while MemberVerification is on
        Assert.Contains("MemberVerification", join["properties"]!["code"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);

        var verification = RequestSchema("/api/chains/{chainId}/members/verification");
        Assert.Contains("phone", Required(verification));
        Assert.NotNull(Doc["paths"]!["/api/chains/{chainId}/members/verification"]!["post"]!["responses"]!["202"]);
        Assert.Null(Doc["paths"]!["/api/dev/messages"]); // local development only, no part of the API
        Assert.Null(Doc["paths"]!["/api/dev/outreach"]);
        Assert.NotNull(Doc["paths"]!["/api/campaigns/{campaignId}/follow-up-tasks/{memberId}/done"]!["post"]);

        var order = RequestSchema("/api/campaigns/{campaignId}/orders");
        Assert.DoesNotContain("address", Required(order));
        Assert.Contains("items", Required(order));
    }

    [Fact]
    public void CampaignDatesStateTheirLimits()
    {
        var campaign = RequestSchema("/api/chains/{chainId}/campaigns");
        foreach (var date in new[] { "preheatAt", "liveStartAt", "liveEndAt", "pickupUntil" })
        {
            Assert.Contains("366 days", campaign["properties"]![date]!["description"]?.GetValue<string>() ?? string.Empty, StringComparison.Ordinal);
        }

        Assert.Contains("30 days", campaign["properties"]!["pickupUntil"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("720", campaign["properties"]!["followUpAfterHours"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        var dashboard = Doc["paths"]!["/api/chains/{chainId}/dashboard"]!["get"]!;
        Assert.Contains("2000", dashboard.ToJsonString(), StringComparison.Ordinal);
    }
}
