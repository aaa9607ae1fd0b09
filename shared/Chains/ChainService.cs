using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Chains;

/// <summary>Chains, their stores and leaders, and the admin and leader keys.</summary>
public sealed class ChainService(ITableStore tables, IDomainEvents events, TimeProvider clock, ILogger<ChainService> logger)
{
    public async Task<(Chain Chain, string AdminKey)> CreateChainAsync(Caller caller, string? name, string? timeZone, CancellationToken ct)
    {
        caller.Require(Role.Platform);
        var v = new Validator();
        var chainName = v.Text("name", name, 60);
        var zone = string.IsNullOrWhiteSpace(timeZone) ? TimeZones.Default : timeZone.Trim();
        if (!TimeZones.TryFind(zone, out _))
        {
            v.Add("timeZone", $"'{(zone.Length > 40 ? zone[..40] : zone)}' is not an IANA time zone (e.g. Asia/Shanghai).");
        }

        v.ThrowIfInvalid();
        var chain = new Chain(Ids.NewChainId(), chainName, zone, clock.GetUtcNow());
        var adminKey = Secrets.NewAdminKey(chain.ChainId);
        await tables.InsertAsync(ChainTables.Chains, ChainTables.ToEntity(chain, Secrets.Hash(adminKey)), ct);
        logger.LogInformation("Chain {ChainId} created", chain.ChainId);
        await events.RaiseAsync(DomainEvent.Create("chain.created", chain.ChainId, $"chains/{chain.ChainId}", new { chain.ChainId, chain.Name, chain.TimeZone }, chain.CreatedAt), ct);
        return (chain, adminKey);
    }

    public async Task<Chain> GetChainAsync(string chainId, CancellationToken ct)
    {
        if (!Ids.IsChainId(chainId))
        {
            throw AppProblem.NotFound("chain", chainId);
        }

        var row = await tables.GetAsync(ChainTables.Chains, chainId, ChainTables.ChainRow, cancellationToken: ct);
        return row is null ? throw AppProblem.NotFound("chain", chainId) : ChainTables.ToChain(row);
    }

    public async Task<string> RotateAdminKeyAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var adminKey = Secrets.NewAdminKey(chainId);
        var row = await tables.GetAsync(ChainTables.Chains, chainId, ChainTables.ChainRow, cancellationToken: ct)
                  ?? throw AppProblem.NotFound("chain", chainId);
        row["AdminKeyHash"] = Secrets.Hash(adminKey);
        // If-Match: a concurrent rotation wins or we do, never a mix; the loser gets a clear 409 to retry.
        await UpdateOrConflictAsync(ChainTables.Chains, row, ct);
        logger.LogInformation("Admin key of chain {ChainId} rotated", chainId);
        return adminKey;
    }

    public async Task<Store> CreateStoreAsync(Caller caller, string chainId, string? name, string? address, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var v = new Validator();
        var storeName = v.Text("name", name, 60);
        var storeAddress = v.Text("address", address, 200);
        v.ThrowIfInvalid();
        var store = new Store(Ids.New(chainId, 's'), chainId, storeName, storeAddress, clock.GetUtcNow());
        await tables.InsertAsync(ChainTables.Stores, ChainTables.ToEntity(store), ct);
        logger.LogInformation("Store {StoreId} created in chain {ChainId}", store.StoreId, chainId);
        await events.RaiseAsync(DomainEvent.Create("store.created", chainId, $"stores/{store.StoreId}", new { store.StoreId, store.Name }, store.CreatedAt), ct);
        return store;
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

    public async Task<Store?> FindStoreAsync(string chainId, string? storeId, CancellationToken ct)
    {
        if (storeId is null || Ids.ChainOf(storeId) != chainId)
        {
            return null;
        }

        var row = await tables.GetAsync(ChainTables.Stores, chainId, storeId, cancellationToken: ct);
        return row is null ? null : ChainTables.ToStore(row);
    }

    public async Task<(Leader Leader, string LeaderKey)> CreateLeaderAsync(Caller caller, string chainId, string? name, string? storeId, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        var v = new Validator();
        var leaderName = v.Text("name", name, 40);
        var store = await FindStoreAsync(chainId, storeId, ct);
        if (store is null)
        {
            v.Add("storeId", string.IsNullOrWhiteSpace(storeId) ? "storeId is required." : $"There is no store '{storeId}' in this chain.");
        }

        v.ThrowIfInvalid();
        var leader = new Leader(Ids.New(chainId, 'l'), chainId, store!.StoreId, leaderName, clock.GetUtcNow());
        var leaderKey = Secrets.NewLeaderKey(leader.LeaderId);
        await tables.InsertAsync(ChainTables.Leaders, ChainTables.ToEntity(leader, Secrets.Hash(leaderKey)), ct);
        logger.LogInformation("Leader {LeaderId} created for store {StoreId}", leader.LeaderId, leader.StoreId);
        await events.RaiseAsync(DomainEvent.Create("leader.created", chainId, $"leaders/{leader.LeaderId}", new { leader.LeaderId, leader.StoreId }, leader.CreatedAt), ct);
        return (leader, leaderKey);
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
        var row = await tables.GetAsync(ChainTables.Leaders, caller.ChainId!, leaderId, cancellationToken: ct)
                  ?? throw AppProblem.NotFound("leader", leaderId);
        var leaderKey = Secrets.NewLeaderKey(leaderId);
        row["KeyHash"] = Secrets.Hash(leaderKey);
        await UpdateOrConflictAsync(ChainTables.Leaders, row, ct);
        logger.LogInformation("Key of leader {LeaderId} rotated", leaderId);
        return leaderKey;
    }

    private async Task UpdateOrConflictAsync(string table, TableEntity row, CancellationToken ct)
    {
        try
        {
            await tables.UpdateAsync(table, row, TableUpdateMode.Replace, row.ETag!, ct);
        }
        catch (ConcurrencyException)
        {
            throw AppProblem.Conflict(ProblemCodes.IdempotencyConflict, "Changed meanwhile",
                "Someone changed this at the same moment. Nothing was changed by this request; try again.");
        }
    }
}
