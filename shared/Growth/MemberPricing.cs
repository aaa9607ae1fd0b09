using System.Collections.Concurrent;
using ServerlessCommerce.Campaigns;

namespace ServerlessCommerce.Growth;

/// <summary>
/// 会员价 eligibility: the member's level (from her points balance and the chain's levels) grants member prices. Answers
/// are kept <see cref="Fresh"/> per instance, so a burst of orders costs at most one ledger read per member and one
/// settings read per chain in that time; a chain whose levels grant no member price never reads a ledger. The member's
/// points view asks the same cache, so the price the live room shows is the price the order route charges.
/// </summary>
public sealed class MemberPricing(GrowthLedger ledger, TimeProvider clock) : IMemberPricing
{
    /// <summary>How long an answer holds on one instance: a level change or a settings change shows within this.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);

    private const int MaxCached = 100_000;

    private readonly ConcurrentDictionary<string, (GrowthSettings Settings, DateTimeOffset Until)> _settings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (bool Grants, DateTimeOffset Until)> _members = new(StringComparer.Ordinal);

    public async ValueTask<bool> GrantsMemberPriceAsync(string chainId, string memberId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_members.TryGetValue(memberId, out var known) && known.Until > now)
        {
            return known.Grants;
        }

        var settings = await SettingsAsync(chainId, now, ct);
        var grants = false;
        if (settings.Levels.Any(l => l.MemberPrice))
        {
            var account = await ledger.AccountAsync(memberId, ct);
            grants = settings.StandingFor(account.Balance).Level.MemberPrice;
        }

        Remember(_members, memberId, (grants, now + Fresh));
        return grants;
    }

    private async ValueTask<GrowthSettings> SettingsAsync(string chainId, DateTimeOffset now, CancellationToken ct)
    {
        if (_settings.TryGetValue(chainId, out var known) && known.Until > now)
        {
            return known.Settings;
        }

        var settings = await ledger.SettingsAsync(chainId, ct);
        Remember(_settings, chainId, (settings, now + Fresh));
        return settings;
    }

    /// <summary>Forgets a chain's settings here at once (this instance just saved them); others follow within <see cref="Fresh"/>.</summary>
    public void Forget(string chainId)
    {
        _settings.TryRemove(chainId, out _);
        _members.Clear();
    }

    /// <summary>Forgets one member's answer here at once (her points just changed on this instance).</summary>
    public void ForgetMember(string memberId) => _members.TryRemove(memberId, out _);

    private static void Remember<T>(ConcurrentDictionary<string, T> cache, string key, T value)
    {
        if (cache.Count >= MaxCached)
        {
            cache.Clear();
        }

        cache[key] = value;
    }
}
