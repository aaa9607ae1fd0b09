using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Members joining, their tokens, and <c>GET /api/me</c>.</summary>
public static class MembersApi
{
    public static void MapMembersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("Chains and people");
        api.MapPost("/chains/{chainId}/members", Join).AsFunction("JoinChain").WithSummary("Join a chain as a member (public). Returns a 90-day member token.");
        api.MapPost("/members/me/token", Refresh).AsFunction("RefreshMemberToken").WithSummary("Swap a valid member token for a fresh one.");
        api.MapPost("/members/{memberId}/token", Reissue).AsFunction("ReissueMemberToken").WithSummary("Re-issue a member's token (their store's leader, or the admin); older tokens stop working.");
        api.MapGet("/me", Me).AsFunction("GetMe").WithSummary("Who the presented secret belongs to.");
    }

    public sealed record JoinRequest(string? Name, string? Phone, string? StoreId, string? ReferralCode);

    public sealed record Joined(string MemberId, string MemberToken, string ReferralCode, string Name, string StoreId, string MaskedPhone);

    public sealed record TokenResponse(string MemberToken);

    public sealed record MeResponse(string Role, string? ChainId, string? LeaderId, string? MemberId, string? StoreId, string? Name, string? ChainName, string? TimeZone);

    public sealed record Services(
        MemberService Members,
        ChainService Chains,
        CallerContext Caller,
        [property: FromHeader(Name = Idempotency.HeaderName)] string? IdempotencyKey,
        CancellationToken Cancellation);

    private static async Task<Results<Created<Joined>, Ok<Joined>>> Join(string chainId, JoinRequest body, [AsParameters] Services s)
    {
        var joined = await s.Members.JoinAsync(chainId, body.Name, body.Phone, body.StoreId, body.ReferralCode, s.IdempotencyKey, s.Cancellation);
        var member = joined.Value;
        return ChainsApi.CreatedOrReplayed(joined, "/api/me", new Joined(member.MemberId, joined.Secret!, member.ReferralCode, member.Name, member.StoreId, member.MaskedPhone));
    }

    private static async Task<Ok<TokenResponse>> Refresh([AsParameters] Services s) =>
        TypedResults.Ok(new TokenResponse(await s.Members.RefreshTokenAsync(await s.Caller.GetAsync(), s.Cancellation)));

    private static async Task<Ok<TokenResponse>> Reissue(string memberId, [AsParameters] Services s) =>
        TypedResults.Ok(new TokenResponse(await s.Members.ReissueTokenAsync(await s.Caller.GetAsync(), memberId, s.Cancellation)));

    private static async Task<Ok<MeResponse>> Me([AsParameters] Services s)
    {
        var caller = await s.Caller.RequireAsync(Role.Platform, Role.Admin, Role.Leader, Role.Member);
        // The chain's name and time zone let the pages show times as the chain's people read them.
        var chain = caller.ChainId is null ? null : await s.Chains.GetChainAsync(caller.ChainId, s.Cancellation);
        return TypedResults.Ok(new MeResponse(caller.Role.ToString().ToLowerInvariant(), caller.ChainId, caller.LeaderId, caller.MemberId, caller.StoreId, caller.Name,
            chain?.Name, chain?.TimeZone));
    }
}
