using Microsoft.Playwright;
using MiniExcelLibs;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>采购与自提单 (console-sheets.js): the leader reads her purchase and pickup sheets and downloads them, in Chromium.</summary>
public sealed class SheetsPageTests : ChainTest
{
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 20_000 };

    [Fact]
    public async Task TheLeaderSeesHerPurchaseAndPickupSheetsAndDownloadsThemAsExcelAndCsv()
    {
        var (_, second) = await App.NewMemberAsync(Chain, "周师傅");
        var (_, orderIds) = await App.ConfirmedOrdersAsync(Chain, (Chain.MemberToken, "pickup"), (second, "pickup"));
        await App.PickUpAsync(Chain, orderIds[1], second);

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress);
        var (page, errors) = await ConsolePageTests.SignedInAsync(context, Chain.LeaderKey, "#/sheets");
        await Browser.ExplainFailureAsync(async () =>
        {
            // The purchase sheet: the campaign's peaches, 2 confirmed, in her store.
            await page.Locator("#purchase-show").ClickAsync();
            var total = page.Locator("#purchase-table tr.sheet-total");
            await Expect(total).ToContainTextAsync("阳山水蜜桃", Soon);
            await Expect(total.Locator("td").Nth(1)).ToHaveTextAsync("2");
            await Expect(page.Locator("#purchase-table tr.sheet-store")).ToContainTextAsync("幸福里店");

            // The pickup sheet: 李阿姨 waiting first, 周师傅 picked up after her.
            await page.Locator("#pickup-show").ClickAsync();
            var rows = page.Locator("#pickup-table tbody tr");
            await Expect(rows).ToHaveCountAsync(2, new() { Timeout = 20_000 });
            await Expect(rows.Nth(0)).ToContainTextAsync("李阿姨");
            await Expect(rows.Nth(0)).ToContainTextAsync("待提货");
            await Expect(rows.Nth(1)).ToContainTextAsync("周师傅");
            await Expect(rows.Nth(1)).ToContainTextAsync("已提货");
            await Expect(page.Locator("#pickup-summary")).ToContainTextAsync("待提货 1 人 · 已提货 1 人");
            await Expect(page.Locator("#pickup-totals")).ToContainTextAsync("阳山水蜜桃×1");
            await Browser.ScreenshotAsync(page, "console-sheets");

            var excel = await page.RunAndWaitForDownloadAsync(() => page.Locator("#pickup-xlsx").ClickAsync());
            Assert.EndsWith(".xlsx", excel.SuggestedFilename, StringComparison.Ordinal);
            await using (var stream = File.OpenRead((await excel.PathAsync())!))
            {
                var sheetRows = stream.Query(useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
                Assert.Equal(["李阿姨", "周师傅"], sheetRows.Select(r => (string)r["会员"]));
                Assert.Equal(["待提货", "已提货"], sheetRows.Select(r => (string)r["状态"]));
            }

            var csv = await page.RunAndWaitForDownloadAsync(() => page.Locator("#purchase-csv").ClickAsync());
            Assert.EndsWith(".csv", csv.SuggestedFilename, StringComparison.Ordinal);
            Assert.Contains("阳山水蜜桃,全部门店,2,0,2,1", await File.ReadAllTextAsync((await csv.PathAsync())!), StringComparison.Ordinal);
        }, (page, "sheets"));
        Assert.Empty(errors);
    }
}
