using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Functions.Posters;

/// <summary>A rendered poster and its entity tag (a hash of what it shows).</summary>
public sealed record Poster(byte[] Png, string ETag);

/// <summary>
/// The campaign poster (README "Campaign poster"). Reading the campaign is one table read; drawing and PNG-encoding
/// is tens of milliseconds of CPU, so a share storm (a leader posts the poster to a 500-person group) must not redraw
/// it per request: the PNG is kept in memory for a few minutes under a hash of everything it shows (title, store,
/// start, phase, the featured item and its price, the link), so any change that shows draws a new one at once and
/// changes that do not show (stock, orders, the event sequence) do not. Bounded to <see cref="MaxPosters"/> posters.
/// </summary>
public sealed class PosterService(CampaignService campaigns, ChainService chains, PosterFonts fonts, TimeProvider clock) : IDisposable
{
    public const int MaxPosters = 200;
    public static readonly TimeSpan Keep = TimeSpan.FromMinutes(5);

    private readonly MemoryCache _rendered = new(new MemoryCacheOptions { SizeLimit = MaxPosters, Clock = new SystemClockAdapter(clock) });

    /// <summary>How many posters were drawn (not served from memory) since start: for tests and the log.</summary>
    public int Renders => _renders;

    private int _renders;

    /// <summary>The poster of the campaign; its QR code links to <paramref name="origin"/>/live/{campaignId}. 404 for an unknown campaign.</summary>
    public async Task<Poster> GetAsync(string campaignId, string origin, CancellationToken ct)
    {
        var content = await ContentAsync(campaignId, origin, ct);
        var key = Fingerprint(content);
        var lazy = _rendered.GetOrCreate(key, entry =>
        {
            entry.Size = 1;
            entry.AbsoluteExpirationRelativeToNow = Keep;
            // One drawing per content even when a hundred requests arrive together.
            return new Lazy<byte[]>(() =>
            {
                Interlocked.Increment(ref _renders);
                return CampaignPoster.Render(content, fonts);
            }, LazyThreadSafetyMode.ExecutionAndPublication);
        })!;
        try
        {
            return new Poster(lazy.Value, $"\"{key}\"");
        }
        catch
        {
            _rendered.Remove(key);
            throw;
        }
    }

    public async Task<PosterContent> ContentAsync(string campaignId, string origin, CancellationToken ct)
    {
        var campaign = await campaigns.GetAsync(campaignId, ct);
        var chain = await chains.GetChainAsync(campaign.ChainId, ct);
        var store = await chains.FindStoreAsync(campaign.ChainId, campaign.StoreId, ct);
        TimeZones.TryFind(chain.TimeZone, out var zone);
        var item = (campaign.PinnedItemId is { } pinned ? campaign.FindItem(pinned) : null) ?? campaign.Items.FirstOrDefault();
        return new PosterContent(
            campaign.Title, store?.Name ?? "", Campaign.Wire(campaign.Phase), TimeZoneInfo.ConvertTime(campaign.Schedule.LiveStartAt, zone),
            item is null ? null : new PosterItem(item.Name, item.Unit, item.PriceFen, item.LivePriceFen),
            $"{origin}/live/{Uri.EscapeDataString(campaign.CampaignId)}");
    }

    public void Dispose() => _rendered.Dispose();

    private static string Fingerprint(PosterContent content) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(content))))[..32];

    private sealed class SystemClockAdapter(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
}
