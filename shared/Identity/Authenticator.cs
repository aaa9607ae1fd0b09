using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Identity;

/// <summary>
/// Turns the bearer secret of a request into a <see cref="Caller"/>: the platform key (a setting), a chain admin key,
/// a leader key or a member token. An unknown, revoked or expired secret is a 401, never a silent anonymous.
/// </summary>
public sealed class Authenticator(ITableStore tables, MemberTokens tokens, PlatformKey platformKey, TimeProvider clock)
{
    /// <summary>
    /// How long a checked member token is trusted without reading the member again. Order bursts authenticate the same
    /// members many times a second; a re-issued token stops working at once on this instance and within this time on
    /// the others.
    /// </summary>
    public static readonly TimeSpan MemberCacheLifetime = TimeSpan.FromSeconds(30);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Caller Caller, int Version, DateTimeOffset Until)> _members = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _minimumVersion = new(StringComparer.Ordinal);

    /// <summary>Tokens of <paramref name="memberId"/> older than <paramref name="version"/> stop working here now.</summary>
    public void Revoke(string memberId, int version) => _minimumVersion.AddOrUpdate(memberId, version, (_, v) => Math.Max(v, version));

    public async Task<Caller> AuthenticateAsync(string? authorization, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return Caller.Anonymous;
        }

        const string bearer = "Bearer ";
        if (!authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            throw AppProblem.Unauthorized("Use 'Authorization: Bearer <secret>'.");
        }

        var secret = authorization[bearer.Length..].Trim();
        var caller = secret.Length is 0 or > 1024 ? null : await ResolveAsync(secret, ct);
        return caller ?? throw AppProblem.Unauthorized("This key or token is unknown, rotated or expired. Ask your chain admin (or leader) for a new one.");
    }

    private async Task<Caller?> ResolveAsync(string secret, CancellationToken ct)
    {
        if (platformKey.Matches(secret))
        {
            return new Caller(Role.Platform);
        }

        if (Secrets.OwnerOf(secret, Secrets.AdminPrefix) is { } chainId && Ids.IsChainId(chainId))
        {
            var chain = await tables.GetAsync(ChainTables.Chains, chainId, ChainTables.ChainRow, ["AdminKeyHash", "Name"], ct);
            return chain is not null && Secrets.Matches(secret, chain.GetString("AdminKeyHash"))
                ? new Caller(Role.Admin, chainId, Name: chain.GetString("Name"))
                : null;
        }

        if (Secrets.OwnerOf(secret, Secrets.LeaderPrefix) is { } leaderId && Ids.ChainOf(leaderId) is { } leaderChain)
        {
            var leader = await tables.GetAsync(ChainTables.Leaders, leaderChain, leaderId, cancellationToken: ct);
            return leader is not null && Secrets.Matches(secret, leader.GetString("KeyHash"))
                ? new Caller(Role.Leader, leaderChain, leaderId, leader.GetString("StoreId"), Name: leader.GetString("Name"))
                : null;
        }

        if (tokens.Validate(secret) is { } claims)
        {
            if (claims.Version < _minimumVersion.GetValueOrDefault(claims.MemberId))
            {
                return null;
            }

            var now = clock.GetUtcNow();
            if (_members.TryGetValue(secret, out var cached) && cached.Until > now)
            {
                return cached.Caller;
            }

            var member = await tables.GetAsync(ChainTables.Members, claims.ChainId, ChainTables.MemberRow(claims.MemberId), ["TokenVersion", "StoreId", "Name", "Phone"], ct);
            if (member is null || member.GetInt32("TokenVersion") != claims.Version)
            {
                return null;
            }

            var caller = new Caller(Role.Member, claims.ChainId, StoreId: member.GetString("StoreId"), MemberId: claims.MemberId, Name: member.GetString("Name"),
                MaskedPhone: member.GetString("Phone") is { } phone ? Phones.Mask(phone) : null);
            if (_members.Count > 50_000)
            {
                _members.Clear();
            }

            _members[secret] = (caller, claims.Version, now + MemberCacheLifetime);
            return caller;
        }

        return null;
    }
}

/// <summary>The platform operator's key (setting <c>PlatformAdminKey</c>), compared in constant time.</summary>
public sealed class PlatformKey(string? key)
{
    private readonly string? _hash = string.IsNullOrEmpty(key) ? null : Secrets.Hash(key);

    public bool Matches(string presented) => _hash is not null && Secrets.Matches(presented, _hash);
}
