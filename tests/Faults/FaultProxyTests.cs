using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCommerce.Storage;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Faults;

/// <summary>The fault proxy itself: with no faults on, storage through it answers exactly as storage does.</summary>
public sealed class FaultProxyTests
{
    [Fact]
    public async Task KeysWithReservedCharactersSurviveTheProxySoSharedKeySignaturesStillVerify()
    {
        var azurite = await Azurite.SharedAsync();
        await using var proxy = await FaultProxy.StartAsync(azurite);
        var direct = new AzureTableStore(azurite.Account, NullLogger<AzureTableStore>.Instance);
        var through = new AzureTableStore(proxy.Connection, NullLogger<AzureTableStore>.Instance);
        var table = Names.Table();
        await through.CreateTableIfNotExistsAsync(table);

        // Keys like the outreach deliveries' (an event id: dots, colons, tildes) and a few more that URLs escape.
        foreach (var rowKey in new[] { "d_notification.result:members~c1-m1:c1-k1-o1", "a b+c=d&e'f(g)h!i*j$k,l;m@n" })
        {
            await through.InsertAsync(table, new TableEntity("p", rowKey) { ["N"] = 1 });
            Assert.Equal(1, (await through.GetAsync(table, "p", rowKey))?.GetInt32("N"));
            Assert.Equal(1, (await direct.GetAsync(table, "p", rowKey))?.GetInt32("N"));
        }

        Assert.True(proxy.Forwarded >= 5);
    }
}
