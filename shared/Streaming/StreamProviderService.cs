using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Streaming;

/// <summary>What the admin reads back: the provider without its keys (only whether each is set and still opens).</summary>
public sealed record StreamProviderInfo(
    string Kind, string? PushDomain, string? PlayDomain, string AppName, string? PushUrlTemplate, string? PlaybackUrlTemplate, int ValidHours,
    bool HasPushKey, bool HasPlayKey, bool KeysReadable, DateTimeOffset? UpdatedAt);

/// <summary>The leader's push target for a campaign and the URL members play.</summary>
public sealed record StreamPush(string StreamName, PushTarget Target, string? PlaybackUrl);

/// <summary>
/// A chain's live-stream provider (README "Live stream provider"): the admin sets it, the leader reads a signed push
/// URL per campaign, and a campaign without its own playback URL plays the provider's. Stored in the <c>Chains</c>
/// table, partition = chainId, row <c>stream-provider</c>, keys sealed by <see cref="StreamKeyProtector"/>; every
/// write is conditional on the ETag read. Public reads go through a per-instance cache of 30 s.
/// </summary>
public sealed class StreamProviderService(ITableStore tables, ChainService chains, StreamKeyProtector protector, TimeProvider clock, ILogger<StreamProviderService> logger)
{
    public const string Row = "stream-provider";
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);
    private const int MaxCached = 20_000;
    private const string PushKeyColumn = "PushKeySealed";
    private const string PlayKeyColumn = "PlayKeySealed";

    private readonly ConcurrentDictionary<string, (StreamProvider? Provider, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);

    private sealed record Stored(StreamProvider Provider, bool HasPushKey, bool HasPlayKey, bool KeysReadable, DateTimeOffset? UpdatedAt, TableEntity Row);

    public async Task<StreamProviderInfo?> GetAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var stored = await ReadAsync(chainId, ct);
        return stored is null ? null : Info(stored);
    }

    public async Task<StreamProviderInfo> PutAsync(Caller caller, string chainId, StreamProviderDraft draft, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        await chains.GetChainAsync(chainId, ct);
        for (var attempt = 1; ; attempt++)
        {
            var stored = await ReadAsync(chainId, ct);
            var provider = StreamProvider.Validate(draft, stored?.Provider);
            var row = new TableEntity(chainId, Row)
            {
                ["Kind"] = provider.Kind,
                ["PushDomain"] = provider.PushDomain,
                ["PlayDomain"] = provider.PlayDomain,
                ["AppName"] = provider.AppName,
                ["PushUrlTemplate"] = provider.PushUrlTemplate,
                ["PlaybackUrlTemplate"] = provider.PlaybackUrlTemplate,
                ["ValidHours"] = provider.ValidHours,
                ["UpdatedAt"] = clock.GetUtcNow(),
                // An absent key keeps what is stored as it is (even one that no longer opens); "" removes it.
                [PushKeyColumn] = draft.PushKey is null ? stored?.Row.GetString(PushKeyColumn) : Seal(provider.PushKey, chainId, "push"),
                [PlayKeyColumn] = draft.PlayKey is null ? stored?.Row.GetString(PlayKeyColumn) : Seal(provider.PlayKey, chainId, "play"),
            };
            try
            {
                if (stored is null)
                {
                    await tables.InsertAsync(ChainTables.Chains, row, ct);
                }
                else
                {
                    await tables.UpdateAsync(ChainTables.Chains, row, TableUpdateMode.Replace, stored.Row.ETag!, ct);
                }
            }
            catch (Exception ex) when (ex is ConcurrencyException or StorageConflictException && attempt < 5)
            {
                continue; // another admin's write came first: merge with what is there now
            }

            _cache.TryRemove(chainId, out _);
            logger.LogInformation("Stream provider of chain {ChainId} set ({Kind}, push key {PushKey}, play key {PlayKey})", chainId, provider.Kind,
                provider.PushKey is null ? "none" : "set", provider.PlayKey is null ? "none" : "set");
            return Info((await ReadAsync(chainId, ct))!);
        }
    }

    public async Task DeleteAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        try
        {
            await tables.DeleteAsync(ChainTables.Chains, chainId, Row, "*", ct);
            logger.LogInformation("Stream provider of chain {ChainId} removed", chainId);
        }
        catch (StorageNotFoundException)
        {
            // already gone: the delete is idempotent
        }

        _cache.TryRemove(chainId, out _);
    }

    /// <summary>The push URL of a campaign for its store's leader or the admin; 409 <c>no-stream-provider</c> when the chain has none.</summary>
    public async Task<StreamPush> PushAsync(Campaign campaign, CancellationToken ct)
    {
        var stored = await ReadAsync(campaign.ChainId, ct)
                     ?? throw AppProblem.Conflict("no-stream-provider", "No live-stream provider",
                         "The chain has no live-stream provider yet: HQ (the chain admin) sets one in the console's 直播推流 settings (PUT /api/chains/{chainId}/stream-provider).");
        if (!stored.KeysReadable)
        {
            throw AppProblem.Conflict("stream-provider-key-unreadable", "Stream key unreadable",
                "The provider's stored signing key can no longer be read (the app's TokenSigningKey changed): HQ enters the push and playback keys again.");
        }

        var now = clock.GetUtcNow();
        var playback = campaign.Stream?.PlaybackUrl ?? stored.Provider.Playback(campaign.CampaignId, campaign.Schedule.LiveEndAt, now);
        return new StreamPush(StreamSigning.StreamName(campaign.CampaignId), stored.Provider.Push(campaign.CampaignId, now), playback);
    }

    /// <summary>
    /// The stream a public view shows: the campaign's own, or — when it has no playback URL — the provider's playback
    /// URL for it (cached provider read, at most <see cref="Fresh"/> old). Null when there is none.
    /// </summary>
    public async Task<LiveStream?> EffectiveStreamAsync(Campaign campaign, CancellationToken ct)
    {
        if (campaign.Stream?.PlaybackUrl is not null)
        {
            return campaign.Stream;
        }

        var provider = await CachedAsync(campaign.ChainId, ct);
        var playback = provider?.Playback(campaign.CampaignId, campaign.Schedule.LiveEndAt, clock.GetUtcNow());
        return playback is null ? campaign.Stream : new LiveStream(playback, campaign.Stream?.ChannelsUrl);
    }

    private async Task<StreamProvider?> CachedAsync(string chainId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(chainId, out var hit) && now - hit.ReadAt < Fresh)
        {
            return hit.Provider;
        }

        var stored = await ReadAsync(chainId, ct);
        // A key that no longer opens signs nothing: members get no provider URL rather than one that cannot play.
        var provider = stored is { KeysReadable: true } ? stored.Provider : null;
        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }

        _cache[chainId] = (provider, now);
        return provider;
    }

    private string? Seal(string? key, string chainId, string field) => key is null ? null : protector.Seal(key, chainId, field);

    private async Task<Stored?> ReadAsync(string chainId, CancellationToken ct)
    {
        if (!Ids.IsChainId(chainId))
        {
            throw AppProblem.NotFound("chain", chainId);
        }

        var row = await tables.GetAsync(ChainTables.Chains, chainId, Row, cancellationToken: ct);
        if (row is null)
        {
            return null;
        }

        var sealedPush = row.GetString(PushKeyColumn);
        var sealedPlay = row.GetString(PlayKeyColumn);
        var pushKey = protector.Open(sealedPush, chainId, "push");
        var playKey = protector.Open(sealedPlay, chainId, "play");
        var readable = (sealedPush is null || pushKey is not null) && (sealedPlay is null || playKey is not null);
        var provider = new StreamProvider(row.GetString("Kind") ?? StreamProvider.TencentCss, row.GetString("PushDomain"), row.GetString("PlayDomain"),
            row.GetString("AppName") ?? StreamProvider.DefaultAppName, row.GetString("PushUrlTemplate"), row.GetString("PlaybackUrlTemplate"),
            row.GetInt32("ValidHours") ?? StreamProvider.DefaultValidHours, pushKey, playKey);
        if (!readable)
        {
            logger.LogWarning("A stored stream key of chain {ChainId} does not open (TokenSigningKey changed?): the admin must enter it again", chainId);
        }

        return new Stored(provider, sealedPush is not null, sealedPlay is not null, readable, row.GetDateTimeOffset("UpdatedAt"), row);
    }

    private static StreamProviderInfo Info(Stored s) => new(s.Provider.Kind, s.Provider.PushDomain, s.Provider.PlayDomain, s.Provider.AppName,
        s.Provider.PushUrlTemplate, s.Provider.PlaybackUrlTemplate, s.Provider.ValidHours, s.HasPushKey, s.HasPlayKey, s.KeysReadable, s.UpdatedAt);
}
