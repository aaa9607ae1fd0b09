using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Chains, stores, leaders and their keys (API.md "Routes").</summary>
public static class ChainsApi
{
    public static void MapChainsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("Chains and people");
        api.MapPost("/chains", CreateChain).AsFunction("CreateChain").WithSummary("Create a chain (platform key). Returns its admin key once.");
        api.MapPost("/chains/{chainId}/admin-key/rotate", RotateAdminKey).AsFunction("RotateAdminKey").WithSummary("Replace the chain's admin key; the old one stops working.");
        api.MapPost("/chains/{chainId}/stores", CreateStore).AsFunction("CreateStore").WithSummary("Add a store (admin).");
        api.MapGet("/chains/{chainId}/stores", ListStores).AsFunction("ListStores").WithSummary("The chain's stores (public: members pick theirs when joining).");
        api.MapPost("/chains/{chainId}/leaders", CreateLeader).AsFunction("CreateLeader").WithSummary("Add a leader to a store (admin). Returns the leader key once.");
        api.MapGet("/chains/{chainId}/leaders", ListLeaders).AsFunction("ListLeaders").WithSummary("The chain's leaders (admin).");
        api.MapPost("/leaders/{leaderId}/key/rotate", RotateLeaderKey).AsFunction("RotateLeaderKey").WithSummary("Replace a leader's key (admin); the old one stops working.");
    }

    public sealed record CreateChainRequest(string? Name, string? TimeZone);

    public sealed record ChainCreated(string ChainId, string Name, string TimeZone, string AdminKey);

    public sealed record AdminKeyResponse(string AdminKey);

    public sealed record CreateStoreRequest(string? Name, string? Address);

    public sealed record StoreResponse(string StoreId, string ChainId, string Name, string Address, DateTimeOffset CreatedAt)
    {
        public static StoreResponse From(Store s) => new(s.StoreId, s.ChainId, s.Name, s.Address, s.CreatedAt);
    }

    public sealed record CreateLeaderRequest(string? Name, string? StoreId);

    public sealed record LeaderCreated(string LeaderId, string LeaderKey, string Name, string StoreId);

    public sealed record LeaderResponse(string LeaderId, string Name, string StoreId, DateTimeOffset CreatedAt);

    public sealed record LeaderKeyResponse(string LeaderKey);

    public sealed record Services(
        ChainService Chains,
        CallerContext Caller,
        [property: FromHeader(Name = Idempotency.HeaderName)] string? IdempotencyKey,
        CancellationToken Cancellation);

    private static async Task<Results<Created<ChainCreated>, Ok<ChainCreated>>> CreateChain(CreateChainRequest body, [AsParameters] Services s)
    {
        var created = await s.Chains.CreateChainAsync(await s.Caller.GetAsync(), body.Name, body.TimeZone, s.IdempotencyKey, s.Cancellation);
        var chain = created.Value;
        return CreatedOrReplayed(created, $"/api/chains/{chain.ChainId}/stores", new ChainCreated(chain.ChainId, chain.Name, chain.TimeZone, created.Secret!));
    }

    /// <summary>201 the first time; 200 with the same resource when an idempotent retry finds it already made.</summary>
    internal static Results<Created<TBody>, Ok<TBody>> CreatedOrReplayed<T, TBody>(CreateResult<T> created, string location, TBody body) =>
        created.Replayed ? TypedResults.Ok(body) : TypedResults.Created(location, body);

    private static async Task<Ok<AdminKeyResponse>> RotateAdminKey(string chainId, [AsParameters] Services s) =>
        TypedResults.Ok(new AdminKeyResponse(await s.Chains.RotateAdminKeyAsync(await s.Caller.GetAsync(), chainId, s.Cancellation)));

    private static async Task<Results<Created<StoreResponse>, Ok<StoreResponse>>> CreateStore(string chainId, CreateStoreRequest body, [AsParameters] Services s)
    {
        var created = await s.Chains.CreateStoreAsync(await s.Caller.GetAsync(), chainId, body.Name, body.Address, s.IdempotencyKey, s.Cancellation);
        return CreatedOrReplayed(created, $"/api/chains/{chainId}/stores", StoreResponse.From(created.Value));
    }

    private static async Task<Ok<List<StoreResponse>>> ListStores(string chainId, [AsParameters] Services s) =>
        TypedResults.Ok((await s.Chains.ListStoresAsync(chainId, s.Cancellation)).Select(StoreResponse.From).ToList());

    private static async Task<Results<Created<LeaderCreated>, Ok<LeaderCreated>>> CreateLeader(string chainId, CreateLeaderRequest body, [AsParameters] Services s)
    {
        var created = await s.Chains.CreateLeaderAsync(await s.Caller.GetAsync(), chainId, body.Name, body.StoreId, s.IdempotencyKey, s.Cancellation);
        var leader = created.Value;
        return CreatedOrReplayed(created, $"/api/chains/{chainId}/leaders", new LeaderCreated(leader.LeaderId, created.Secret!, leader.Name, leader.StoreId));
    }

    private static async Task<Ok<List<LeaderResponse>>> ListLeaders(string chainId, [AsParameters] Services s) =>
        TypedResults.Ok((await s.Chains.ListLeadersAsync(await s.Caller.GetAsync(), chainId, s.Cancellation))
            .Select(l => new LeaderResponse(l.LeaderId, l.Name, l.StoreId, l.CreatedAt)).ToList());

    private static async Task<Ok<LeaderKeyResponse>> RotateLeaderKey(string leaderId, [AsParameters] Services s) =>
        TypedResults.Ok(new LeaderKeyResponse(await s.Chains.RotateLeaderKeyAsync(await s.Caller.GetAsync(), leaderId, s.Cancellation)));
}
