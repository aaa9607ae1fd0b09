using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Chains;

/// <summary>What a create returns: the thing, its one-time secret (if any), and whether this was a retry of an earlier create.</summary>
public sealed record CreateResult<T>(T Value, string? Secret, bool Replayed);

/// <summary>Chains, their stores and leaders, and the admin and leader keys.</summary>
public sealed class ChainService(ITableStore tables, IDomainEvents events, TimeProvider clock, ILogger<ChainService> logger)
{
    private const string RequestHash = "RequestHash";

    /// <summary>
    /// Creates a chain and its admin key. With an idempotency key, a retry returns the same chain with a fresh admin
    /// key (the lost one stops working), since keys are never stored.
    /// </summary>
    public async Task<CreateResult<Chain>> CreateChainAsync(Caller caller, string? name, string? timeZone, string? idempotencyKey, CancellationToken ct)
    {
        caller.Require(Role.Platform);
        var key = Idempotency.Normalize(idempotencyKey);
        var v = new Validator();
        var chainName = v.Text("name", name, 60);
        var zone = string.IsNullOrWhiteSpace(timeZone) ? TimeZones.Default : timeZone.Trim();
        if (!TimeZones.TryFind(zone, out _))
        {
            v.Add("timeZone", $"'{(zone.Length > 40 ? zone[..40] : zone)}' is not an IANA time zone (e.g. Asia/Shanghai).");
        }

        v.ThrowIfInvalid();
        var fingerprint = Idempotency.Fingerprint(new { chainName, zone });
        var chain = new Chain(key is null ? Ids.NewChainId() : Ids.ChainIdFor(key), chainName, zone, clock.GetUtcNow());
        var adminKey = Secrets.NewAdminKey(chain.ChainId);
        var row = ChainTables.ToEntity(chain, Secrets.Hash(adminKey));
        row[RequestHash] = fingerprint;
        var replayed = false;
        try
        {
            await tables.InsertAsync(ChainTables.Chains, row, ct);
            logger.LogInformation("Chain {ChainId} created", chain.ChainId);
        }
        catch (StorageConflictException) when (key is not null)
        {
            var existing = await ReplayAsync(ChainTables.Chains, chain.ChainId, ChainTables.ChainRow, fingerprint, ct);
            chain = ChainTables.ToChain(existing);
            adminKey = await ReplaceSecretAsync(ChainTables.Chains, chain.ChainId, ChainTables.ChainRow, "AdminKeyHash", () => Secrets.NewAdminKey(chain.ChainId), ct);
            replayed = true;
        }

        await events.RaiseAsync(DomainEvent.Create("chain.created", chain.ChainId, $"chains/{chain.ChainId}", new { chain.ChainId, chain.Name, chain.TimeZone }, chain.CreatedAt), ct);
        return new CreateResult<Chain>(chain, adminKey, replayed);
    }

    public async Task<Chain> GetChainAsync(string chainId, CancellationToken ct)
    {
        if (!Ids.IsChainId(chainId))
        {
            throw AppProblem.NotFound("chain", chainId);
        }

        if (_chains.TryGetValue(chainId, out var known))
        {
            return known;
        }

        var row = await tables.GetAsync(ChainTables.Chains, chainId, ChainTables.ChainRow, cancellationToken: ct);
        var chain = row is null ? throw AppProblem.NotFound("chain", chainId) : ChainTables.ToChain(row);
        Remember(_chains, chainId, chain);
        return chain;
    }

    // A chain's and a store's public facts (name, time zone, address) never change once made: every public campaign
    // read shows them, so each instance keeps what it has read (bounded) instead of reading them per request.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Chain> _chains = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Store> _stores = new(StringComparer.Ordinal);

    private static void Remember<T>(System.Collections.Concurrent.ConcurrentDictionary<string, T> cache, string key, T value)
    {
        if (cache.Count >= 20_000)
        {
            cache.Clear();
        }

        cache[key] = value;
    }

    public async Task<string> RotateAdminKeyAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var adminKey = await ReplaceSecretAsync(ChainTables.Chains, chainId, ChainTables.ChainRow, "AdminKeyHash", () => Secrets.NewAdminKey(chainId), ct);
        logger.LogInformation("Admin key of chain {ChainId} rotated", chainId);
        return adminKey;
    }

    public async Task<CreateResult<Store>> CreateStoreAsync(Caller caller, string chainId, string? name, string? address, string? idempotencyKey, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var key = Idempotency.Normalize(idempotencyKey);
        var v = new Validator();
        var storeName = v.Text("name", name, 60);
        var storeAddress = v.Text("address", address, 200);
        v.ThrowIfInvalid();
        var fingerprint = Idempotency.Fingerprint(new { storeName, storeAddress });
        var store = new Store(key is null ? Ids.New(chainId, 's') : Ids.For(chainId, 's', key), chainId, storeName, storeAddress, clock.GetUtcNow());
        var row = ChainTables.ToEntity(store);
        row[RequestHash] = fingerprint;
        var replayed = false;
        try
        {
            await tables.InsertAsync(ChainTables.Stores, row, ct);
            logger.LogInformation("Store {StoreId} created in chain {ChainId}", store.StoreId, chainId);
        }
        catch (StorageConflictException) when (key is not null)
        {
            store = ChainTables.ToStore(await ReplayAsync(ChainTables.Stores, chainId, store.StoreId, fingerprint, ct));
            replayed = true;
        }

        await events.RaiseAsync(DomainEvent.Create("store.created", chainId, $"stores/{store.StoreId}", new { store.StoreId, store.Name }, store.CreatedAt), ct);
        return new CreateResult<Store>(store, null, replayed);
    }

    public async Task<IReadOnlyList<Store>> ListStoresAsync(string chainId, CancellationToken ct)
    {
        await GetChainAsync(chainId, ct);
        var stores = new List<Store>();
        await foreach (var row in tables.QueryAsync(ChainTables.Stores, TableQuery.Partition(chainId), ct))
        {
            stores.Add(ChainTables.ToStore(row));
        }

        return stores;
    }

    /// <summary>
    /// The store, when the caller is its leader or the chain's admin: 404 for no such store, 403 for another store's
    /// leader (<paramref name="what"/> names the feature in the message, e.g. "evening clearance"). Every store-scoped
    /// route of the staff goes through it.
    /// </summary>
    public async Task<Store> RequireStoreOfStaffAsync(Caller caller, string storeId, string what, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(storeId, "store");
        var store = Ids.IsKind(storeId, 's') ? await FindStoreAsync(Ids.ChainOf(storeId)!, storeId, ct) : null;
        if (store is null)
        {
            throw AppProblem.NotFound("store", storeId);
        }

        return caller.Role == Role.Leader && caller.StoreId != storeId
            ? throw AppProblem.Forbidden($"A leader reaches the {what} of their own store only.")
            : store;
    }

    /// <summary>The store's chain id, after <see cref="RequireStoreOfStaffAsync"/>.</summary>
    public async Task<string> RequireStoreStaffAsync(Caller caller, string storeId, string what, CancellationToken ct) =>
        (await RequireStoreOfStaffAsync(caller, storeId, what, ct)).ChainId;

    public async Task<Store?> FindStoreAsync(string chainId, string? storeId, CancellationToken ct)
    {
        if (storeId is null || Ids.ChainOf(storeId) != chainId)
        {
            return null;
        }

        if (_stores.TryGetValue(storeId, out var known))
        {
            return known;
        }

        var row = await tables.GetAsync(ChainTables.Stores, chainId, storeId, cancellationToken: ct);
        if (row is null)
        {
            return null;
        }

        var store = ChainTables.ToStore(row);
        Remember(_stores, storeId, store);
        return store;
    }

    /// <summary>Creates a leader and their key; a retry with the same idempotency key returns the same leader with a fresh key.</summary>
    public async Task<CreateResult<Leader>> CreateLeaderAsync(Caller caller, string chainId, string? name, string? storeId, string? idempotencyKey, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var key = Idempotency.Normalize(idempotencyKey);
        var v = new Validator();
        var leaderName = v.Text("name", name, 40);
        var store = await FindStoreAsync(chainId, storeId, ct);
        if (store is null)
        {
            v.Add("storeId", string.IsNullOrWhiteSpace(storeId) ? "storeId is required." : $"There is no store '{storeId}' in this chain.");
        }

        v.ThrowIfInvalid();
        var fingerprint = Idempotency.Fingerprint(new { leaderName, store!.StoreId });
        var leader = new Leader(key is null ? Ids.New(chainId, 'l') : Ids.For(chainId, 'l', key), chainId, store.StoreId, leaderName, clock.GetUtcNow());
        var leaderKey = Secrets.NewLeaderKey(leader.LeaderId);
        var row = ChainTables.ToEntity(leader, Secrets.Hash(leaderKey));
        row[RequestHash] = fingerprint;
        var replayed = false;
        try
        {
            await tables.InsertAsync(ChainTables.Leaders, row, ct);
            logger.LogInformation("Leader {LeaderId} created for store {StoreId}", leader.LeaderId, leader.StoreId);
        }
        catch (StorageConflictException) when (key is not null)
        {
            leader = ChainTables.ToLeader(await ReplayAsync(ChainTables.Leaders, chainId, leader.LeaderId, fingerprint, ct));
            var leaderId = leader.LeaderId;
            leaderKey = await ReplaceSecretAsync(ChainTables.Leaders, chainId, leaderId, "KeyHash", () => Secrets.NewLeaderKey(leaderId), ct);
            replayed = true;
        }

        await events.RaiseAsync(DomainEvent.Create("leader.created", chainId, $"leaders/{leader.LeaderId}", new { leader.LeaderId, leader.StoreId }, leader.CreatedAt), ct);
        return new CreateResult<Leader>(leader, leaderKey, replayed);
    }

    public async Task<IReadOnlyList<Leader>> ListLeadersAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var leaders = new List<Leader>();
        await foreach (var row in tables.QueryAsync(ChainTables.Leaders, TableQuery.Partition(chainId), ct))
        {
            leaders.Add(ChainTables.ToLeader(row));
        }

        return leaders;
    }

    public async Task<string> RotateLeaderKeyAsync(Caller caller, string leaderId, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChainOf(leaderId, "leader");
        var leaderKey = await ReplaceSecretAsync(ChainTables.Leaders, caller.ChainId!, leaderId, "KeyHash", () => Secrets.NewLeaderKey(leaderId), ct);
        logger.LogInformation("Key of leader {LeaderId} rotated", leaderId);
        return leaderKey;
    }

    /// <summary>The row an earlier create under the same key made, if it was made from the same request.</summary>
    private async Task<TableEntity> ReplayAsync(string table, string partitionKey, string rowKey, string fingerprint, CancellationToken ct)
    {
        var existing = await tables.GetAsync(table, partitionKey, rowKey, cancellationToken: ct)
                       ?? throw new InvalidOperationException($"{table} row {rowKey} conflicted on insert but cannot be read.");
        return existing.GetString(RequestHash) == fingerprint ? existing : throw Idempotency.Conflict();
    }

    /// <summary>Stores the hash of a new secret on a row (If-Match, re-read on a race); returns the secret.</summary>
    private async Task<string> ReplaceSecretAsync(string table, string partitionKey, string rowKey, string hashProperty, Func<string> newSecret, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetAsync(table, partitionKey, rowKey, cancellationToken: ct)
                      ?? throw AppProblem.NotFound(table == ChainTables.Chains ? "chain" : "leader", rowKey);
            var secret = newSecret();
            row[hashProperty] = Secrets.Hash(secret);
            try
            {
                await tables.UpdateAsync(table, row, TableUpdateMode.Replace, row.ETag!, ct);
                return secret;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                // Two rotations raced; the later one must win cleanly, so re-read and go again.
            }
        }
    }
}
