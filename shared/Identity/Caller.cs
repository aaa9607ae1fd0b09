using ServerlessCommerce.Common;

namespace ServerlessCommerce.Identity;

/// <summary>Who is calling. Every secret belongs to exactly one role and (but for the platform) one chain.</summary>
public enum Role
{
    Anonymous,
    Platform,
    Admin,
    Leader,
    Member,
}

/// <summary>The authenticated caller of one request.</summary>
public sealed record Caller(Role Role, string? ChainId = null, string? LeaderId = null, string? StoreId = null, string? MemberId = null, string? Name = null, string? MaskedPhone = null)
{
    public static readonly Caller Anonymous = new(Role.Anonymous);

    public bool IsAuthenticated => Role != Role.Anonymous;

    /// <summary>401 for anonymous callers, 403 for roles not in <paramref name="roles"/>.</summary>
    public Caller Require(params Role[] roles)
    {
        if (!IsAuthenticated)
        {
            throw AppProblem.Unauthorized("Send your key or member token as 'Authorization: Bearer <secret>'.");
        }

        if (!roles.Contains(Role))
        {
            throw AppProblem.Forbidden($"This action needs one of: {string.Join(", ", roles.Select(r => r.ToString().ToLowerInvariant()))}; you are signed in as {Role.ToString().ToLowerInvariant()}.");
        }

        return this;
    }

    /// <summary>403 unless the caller belongs to <paramref name="chainId"/> (the platform operator belongs to none).</summary>
    public Caller RequireChain(string chainId)
    {
        if (!string.Equals(ChainId, chainId, StringComparison.Ordinal))
        {
            throw AppProblem.Forbidden("Your key belongs to another chain (or to none); it cannot act on this one.");
        }

        return this;
    }

    /// <summary>
    /// The store a chain-wide view narrows to: the admin's choice (null: the whole chain); a leader's own store always,
    /// 403 when she asks for another (<paramref name="what"/> names the view, e.g. "dashboard").
    /// </summary>
    public string? NarrowToStore(string? storeId, string what)
    {
        storeId = string.IsNullOrWhiteSpace(storeId) ? null : storeId.Trim();
        if (Role != Role.Leader)
        {
            return storeId;
        }

        return storeId is not null && storeId != StoreId
            ? throw AppProblem.Forbidden($"A leader sees the {what} of their own store only.")
            : StoreId;
    }

    /// <summary>403 unless the id belongs to the caller's chain.</summary>
    public Caller RequireChainOf(string id, string what) =>
        RequireChain(Ids.ChainOf(id) ?? throw AppProblem.NotFound(what, id));
}
