using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright .NET: one browser per test run, a fresh context (its own storage, so its own
/// signed-in person) per page under test. infra/test.sh installs <c>chromium</c> when it is missing; nothing is
/// downloaded. Screenshots land in <c>artifacts/screenshots</c>.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    private static readonly Lazy<Task<Browser>> Shared = new(LaunchAsync);

    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser chromium)
    {
        _playwright = playwright;
        Chromium = chromium;
    }

    public IBrowser Chromium { get; }

    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static Task<Browser> SharedAsync() => Shared.Value;

    private static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not at {ExecutablePath}. Run the tests with 'bash infra/test.sh' (it installs Debian's chromium), or 'apt-get install chromium', or set CHROMIUM_PATH.");
        }

        // Tests run in parallel on two cores beside Azurite and the app: give expectations room (they end as soon as met).
        Assertions.SetDefaultExpectTimeout(15_000);
        var playwright = await Playwright.CreateAsync();
        var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
        return new Browser(playwright, chromium);
    }

    /// <summary>A new person at a phone-sized (or desktop) screen, talking to <paramref name="baseUrl"/>.</summary>
    public async Task<IBrowserContext> NewContextAsync(Uri baseUrl, bool phone = false, string locale = "zh-CN")
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.ToString(),
            Locale = locale,
            TimezoneId = "Europe/London", // deliberately not the chain's zone: pages must show the chain's time, not the device's
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
            IsMobile = phone,
            HasTouch = phone,
        });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    /// <summary>
    /// Signs a member in the way the live room's join form leaves her: her token (freshly issued, so the page does not
    /// refresh it) in the chain's localStorage key, before any page script runs. <paramref name="onlyOnce"/>: only on the
    /// tab's first page, so a test can sign her out and reload.
    /// </summary>
    public static Task SignInMemberAsync(IBrowserContext context, string chainId, string token, bool onlyOnce = false)
    {
        var key = System.Text.Json.JsonSerializer.Serialize("sc.member." + chainId);
        var set = $"localStorage.setItem({key}, {System.Text.Json.JsonSerializer.Serialize(token)}); localStorage.setItem({key} + '.issuedAt', new Date().toISOString());";
        return context.AddInitScriptAsync(onlyOnce ? $"if (!sessionStorage.getItem('t')) {{ {set} sessionStorage.setItem('t', '1'); }}" : set);
    }

    /// <summary>Saves a full-page screenshot as a test artefact: artifacts/screenshots/{name}.png.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Path.Combine(Repo.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = true });
    }

    /// <summary>
    /// Runs a browser scenario; when it fails, saves each page's screenshot and HTML as <c>failed-{name}</c> artefacts
    /// (what the person would have seen), then rethrows.
    /// </summary>
    public static async Task ExplainFailureAsync(Func<Task> scenario, params (IPage Page, string Name)[] pages)
    {
        try
        {
            await scenario();
        }
        catch (Exception)
        {
            await SaveFailureAsync(pages);
            throw;
        }
    }

    private static async Task SaveFailureAsync((IPage Page, string Name)[] pages)
    {
        var dir = Path.Combine(Repo.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        foreach (var (page, name) in pages)
        {
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, $"failed-{name}.png"), FullPage = true, Timeout = 5_000 });
                await File.WriteAllTextAsync(Path.Combine(dir, $"failed-{name}.html"), await page.ContentAsync());
            }
            catch (PlaywrightException)
            {
                // The page may be gone; the failure itself is what matters.
            }
        }
    }

    /// <summary>Collects console errors and failed page scripts, so a test can assert a page ran cleanly.</summary>
    public static List<string> CaptureErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.Contains("Failed to load resource", StringComparison.Ordinal))
            {
                lock (errors)
                {
                    errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add(error);
            }
        };
        return errors;
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
