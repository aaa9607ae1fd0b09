using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ServerlessCommerce.Functions.Hosting.Durable;
using ServerlessCommerce.Functions.Lifecycle;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Lifecycle;

public sealed class LocalDurableHostTests
{
    [Fact]
    public void DiscoveryFindsTheLifecycleOrchestratorAndEveryActivityFromTheirFunctionDeclarations()
    {
        var catalog = DurableFunctionCatalog.Discover(typeof(CampaignLifecycleFunctions).Assembly);

        Assert.Equal([CampaignLifecycleFunctions.Orchestrator], catalog.Orchestrators.Select(o => o.Name));
        Assert.Equal(
            new[]
            {
                CampaignLifecycleFunctions.NextStepActivity, CampaignLifecycleFunctions.TransitionActivity, CampaignLifecycleFunctions.PlacedOrdersActivity,
                CampaignLifecycleFunctions.EvaluateOrdersActivity, CampaignLifecycleFunctions.FinishEvaluationActivity, CampaignLifecycleFunctions.NotifyActivity,
                CampaignLifecycleFunctions.ReportActivity,
            }.Order(StringComparer.Ordinal),
            catalog.Activities.Select(a => a.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheLocalTaskHubDefaultsToTheOneHostJsonNamesForTheFunctionsHost()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "host.json")));
        var durable = host.RootElement.GetProperty("extensions").GetProperty("durableTask");
        var options = LocalDurableOptions.From(new ConfigurationBuilder().Build());

        Assert.Equal(durable.GetProperty("hubName").GetString(), options.HubName);
        Assert.Equal(durable.GetProperty("storageProvider").GetProperty("partitionCount").GetInt32(), options.PartitionCount);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("has-dash")]
    [InlineData("9startsWithDigit")]
    [InlineData("aVeryLongTaskHubNameThatGoesOnAndOnPastTheLimit")]
    public void ATaskHubNameTheStorageWouldRefuseStopsTheStart(string hub)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [LocalDurableOptions.HubNameSetting] = hub }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => LocalDurableOptions.From(configuration));
        Assert.Contains(LocalDurableOptions.HubNameSetting, error.Message, StringComparison.Ordinal);
    }
}
