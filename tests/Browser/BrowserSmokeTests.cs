using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>Chromium loads both pages with their scripts and switches language.</summary>
public sealed class BrowserSmokeTests
{
    [Fact]
    public async Task BothPagesLoadInChromiumWithoutScriptErrorsAndSwitchToEnglish()
    {
        var app = await TestApp.SharedAsync();
        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(app.BaseAddress);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);

        await page.GotoAsync("/");
        Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));
        Assert.True(await page.EvaluateAsync<bool>("typeof signalR === 'object' && typeof SC === 'object'"));
        await page.ClickAsync("#lang-toggle");
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));

        await page.GotoAsync("/live/c_none");
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang")); // the choice is remembered
        Assert.Empty(errors);
    }
}
