using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Chains, stores, leaders and their keys (API.md "Routes").</summary>
public sealed class ChainsApi(ChainService chainService, CallerContext callerContext)
{
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

    [Function("CreateChain")]
    [OpenApiOperation("Chains and people", "Create a chain (platform key). Returns its admin key once.")]
    [OpenApiRequest(typeof(CreateChainRequest))]
    public async Task<Results<Created<ChainCreated>, Ok<ChainCreated>>> CreateChain([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/chains")] HttpRequest req)
    {
        var body = await req.ReadJsonAsync<CreateChainRequest>();
        var created = await chainService.CreateChainAsync(await callerContext.GetAsync(req), body.Name, body.TimeZone, req.IdempotencyKey(), req.HttpContext.RequestAborted);
        var chain = created.Value;
        return CreatedOrReplayed(created, $"/api/chains/{chain.ChainId}/stores", new ChainCreated(chain.ChainId, chain.Name, chain.TimeZone, created.Secret!));
    }

    /// <summary>201 the first time; 200 with the same resource when an idempotent retry finds it already made.</summary>
    internal static Results<Created<TBody>, Ok<TBody>> CreatedOrReplayed<T, TBody>(CreateResult<T> created, string location, TBody body) =>
        created.Replayed ? TypedResults.Ok(body) : TypedResults.Created(location, body);

    [Function("RotateAdminKey")]
    [OpenApiOperation("Chains and people", "Replace the chain's admin key; the old one stops working.")]
    public async Task<Ok<AdminKeyResponse>> RotateAdminKey([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/chains/{chainId}/admin-key/rotate")] HttpRequest req, string chainId) =>
        TypedResults.Ok(new AdminKeyResponse(await chainService.RotateAdminKeyAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted)));

    [Function("CreateStore")]
    [OpenApiOperation("Chains and people", "Add a store (admin).")]
    [OpenApiRequest(typeof(CreateStoreRequest))]
    public async Task<Results<Created<StoreResponse>, Ok<StoreResponse>>> CreateStore([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/chains/{chainId}/stores")] HttpRequest req, string chainId)
    {
        var body = await req.ReadJsonAsync<CreateStoreRequest>();
        var created = await chainService.CreateStoreAsync(await callerContext.GetAsync(req), chainId, body.Name, body.Address, req.IdempotencyKey(), req.HttpContext.RequestAborted);
        return CreatedOrReplayed(created, $"/api/chains/{chainId}/stores", StoreResponse.From(created.Value));
    }

    [Function("ListStores")]
    [OpenApiOperation("Chains and people", "The chain's stores (public: members pick theirs when joining).")]
    public async Task<Ok<List<StoreResponse>>> ListStores([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/stores")] HttpRequest req, string chainId) =>
        TypedResults.Ok((await chainService.ListStoresAsync(chainId, req.HttpContext.RequestAborted)).Select(StoreResponse.From).ToList());

    [Function("CreateLeader")]
    [OpenApiOperation("Chains and people", "Add a leader to a store (admin). Returns the leader key once.")]
    [OpenApiRequest(typeof(CreateLeaderRequest))]
    public async Task<Results<Created<LeaderCreated>, Ok<LeaderCreated>>> CreateLeader([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/chains/{chainId}/leaders")] HttpRequest req, string chainId)
    {
        var body = await req.ReadJsonAsync<CreateLeaderRequest>();
        var created = await chainService.CreateLeaderAsync(await callerContext.GetAsync(req), chainId, body.Name, body.StoreId, req.IdempotencyKey(), req.HttpContext.RequestAborted);
        var leader = created.Value;
        return CreatedOrReplayed(created, $"/api/chains/{chainId}/leaders", new LeaderCreated(leader.LeaderId, created.Secret!, leader.Name, leader.StoreId));
    }

    [Function("ListLeaders")]
    [OpenApiOperation("Chains and people", "The chain's leaders (admin).")]
    public async Task<Ok<List<LeaderResponse>>> ListLeaders([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/leaders")] HttpRequest req, string chainId) =>
        TypedResults.Ok((await chainService.ListLeadersAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted))
            .Select(l => new LeaderResponse(l.LeaderId, l.Name, l.StoreId, l.CreatedAt)).ToList());

    [Function("RotateLeaderKey")]
    [OpenApiOperation("Chains and people", "Replace a leader's key (admin); the old one stops working.")]
    public async Task<Ok<LeaderKeyResponse>> RotateLeaderKey([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/leaders/{leaderId}/key/rotate")] HttpRequest req, string leaderId) =>
        TypedResults.Ok(new LeaderKeyResponse(await chainService.RotateLeaderKeyAsync(await callerContext.GetAsync(req), leaderId, req.HttpContext.RequestAborted)));
}
