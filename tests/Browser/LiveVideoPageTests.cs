using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using ServerlessCommerce.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ServerlessCommerce.Tests.Browser;

/// <summary>
/// 直播画面: the live room plays the campaign's HLS stream, in Chromium against the real app. The stream is made by
/// ffmpeg during the test (Debian's, installed by infra/test.sh) and served from 127.0.0.1 as a live service would.
/// </summary>
public sealed class LiveVideoPageTests : ChainTest
{
    /// <summary>A 20 s test-pattern HLS stream (H.264, 2 s segments) in a temporary folder; returns the folder.</summary>
    private static async Task<string> MakeHlsAsync()
    {
        var folder = Directory.CreateTempSubdirectory("sc-hls-").FullName;
        var ffmpeg = new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=15", "-t", "20",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30", "-f", "hls", "-hls_time", "2", "-hls_list_size", "0",
            "-hls_playlist_type", "vod", Path.Combine(folder, "live.m3u8")])
        { RedirectStandardError = true, UseShellExecute = false };
        Process process;
        try
        {
            process = Process.Start(ffmpeg)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("ffmpeg is missing: infra/test.sh installs Debian's 'ffmpeg' for this test.", e);
        }

        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "ffmpeg failed: " + errors);
        Assert.True(File.Exists(Path.Combine(folder, "live.m3u8")));
        return folder;
    }

    /// <summary>Serves the folder over HTTP on 127.0.0.1 with CORS, as a CDN serves a live stream to any page.</summary>
    private static async Task<WebApplication> ServeAsync(string folder)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = folder });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Use(async (context, next) => { context.Response.Headers.AccessControlAllowOrigin = "*"; await next(); });
        var types = new Microsoft.AspNetCore.StaticFiles.FileExtensionContentTypeProvider();
        types.Mappings[".m3u8"] = "application/vnd.apple.mpegurl";
        types.Mappings[".ts"] = "video/mp2t";
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(folder), ContentTypeProvider = types });
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task TheLiveRoomWaitsForTheLiveThenPlaysTheCampaignsHlsStreamWithSoundOff()
    {
        var folder = await MakeHlsAsync();
        await using var cdn = await ServeAsync(folder);
        var playbackUrl = new Uri(new Uri(cdn.Urls.Single()), "/live.m3u8").ToString();
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain, goLive: false);
        var edited = await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Patch, $"/api/campaigns/{campaignId}", new
        {
            stream = new { playbackUrl, channelsUrl = "https://channels.weixin.qq.com/live/demo" },
            intro = "今晚直播：现场试吃阳山水蜜桃，团长手持检测报告讲解。",
        }, Chain.LeaderKey));
        Assert.Equal(playbackUrl, edited.GetProperty("stream").GetProperty("playbackUrl").GetString());

        var browser = await Browser.SharedAsync();
        await using var context = await browser.NewContextAsync(App.BaseAddress, phone: true);
        var page = await context.NewPageAsync();
        var errors = Browser.CaptureErrors(page);
        await page.GotoAsync($"/live/{campaignId}");

        // Before the live: the player says so, the intro and the Channels link show.
        await Expect(page.Locator("#video-state")).ToHaveTextAsync("直播尚未开始，开播后这里会自动播放。", new() { Timeout = 15_000 });
        await Expect(page.Locator("#intro-text")).ToContainTextAsync("现场试吃");
        await Expect(page.Locator("#video-channels")).ToHaveAttributeAsync("href", "https://channels.weixin.qq.com/live/demo");

        // Live: it plays, muted (browsers autoplay only muted), and the video time advances.
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/actions/go-live", secret: Chain.LeaderKey));
        await Expect(page.Locator("#video-state")).ToBeHiddenAsync(new() { Timeout = 20_000 });
        var first = await page.EvaluateAsync<double>("() => document.getElementById('live-video').currentTime");
        await page.WaitForFunctionAsync("t => document.getElementById('live-video').currentTime > t + 1.5", first, new() { Timeout = 20_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('live-video').muted"));
        await page.Locator("#video-mute").ClickAsync();
        await Expect(page.Locator("#video-mute")).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.False(await page.EvaluateAsync<bool>("() => document.getElementById('live-video').muted"));
        await Browser.ScreenshotAsync(page, "live-video");

        // The video sits above the items: the order buttons stay reachable below it.
        var video = await page.Locator("#video").BoundingBoxAsync();
        var items = await page.Locator("#items").BoundingBoxAsync();
        Assert.True(video!.Y < items!.Y);
        Assert.Empty(errors);
        Directory.Delete(folder, recursive: true);
    }
}
