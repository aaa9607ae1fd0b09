using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Identity;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Members joining, their tokens, and <c>GET /api/me</c>.</summary>
public sealed class MembersApi(MemberService memberService, ChainService chainService, CallerContext callerContext, MemberVerification verification, ClientRateLimits limits)
{
    public sealed record JoinRequest(string? Name, string? Phone, string? StoreId, string? ReferralCode, string? Code);

    public sealed record VerificationRequest(string? Phone);

    public sealed record VerificationAccepted(string Status);

    public sealed record Joined(string MemberId, string MemberToken, string ReferralCode, string Name, string StoreId, string MaskedPhone);

    public sealed record TokenResponse(string MemberToken);

    public sealed record MeResponse(string Role, string? ChainId, string? LeaderId, string? MemberId, string? StoreId, string? Name, string? ChainName, string? TimeZone);

    [Function("JoinChain")]
    [OpenApiOperation("Chains and people", "Join a chain as a member (public). Returns a 90-day member token. With MemberVerification on (the default), `code` from the verification route is required, and a known phone with the right code gets 200 with a token for that member. 429 over the per-address limit.")]
    [OpenApiRequest(typeof(JoinRequest))]
    public async Task<Results<Created<Joined>, Ok<Joined>>> Join([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/chains/{chainId}/members")] HttpRequest req, string chainId)
    {
        limits.Join(req);
        var body = await req.ReadJsonAsync<JoinRequest>();
        var joined = await memberService.JoinAsync(chainId, body.Name, body.Phone, body.StoreId, body.ReferralCode, req.IdempotencyKey(), req.HttpContext.RequestAborted, body.Code);
        var member = joined.Value;
        return ChainsApi.CreatedOrReplayed(joined, "/api/me", new Joined(member.MemberId, joined.Secret!, member.ReferralCode, member.Name, member.StoreId, member.MaskedPhone));
    }

    [Function("RequestMemberCode")]
    [OpenApiOperation("Chains and people", "Send a one-time code (手机验证码) to the phone through the configured sender: 202 whether or not the phone is a member. 429 within 60 s of the last code, over the per-phone hourly count or the per-address limit.")]
    [OpenApiRequest(typeof(VerificationRequest))]
    public async Task<Accepted<VerificationAccepted>> RequestCode([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/chains/{chainId}/members/verification")] HttpRequest req, string chainId)
    {
        limits.Verification(req);
        var body = await req.ReadJsonAsync<VerificationRequest>();
        await verification.SendCodeAsync(chainId, body.Phone, req.HttpContext.RequestAborted);
        return TypedResults.Accepted((string?)null, new VerificationAccepted("sent"));
    }

    [Function("RefreshMemberToken")]
    [OpenApiOperation("Chains and people", "Swap a valid member token for a fresh one.")]
    public async Task<Ok<TokenResponse>> Refresh([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/members/me/token")] HttpRequest req) =>
        TypedResults.Ok(new TokenResponse(await memberService.RefreshTokenAsync(await callerContext.GetAsync(req), req.HttpContext.RequestAborted)));

    [Function("ReissueMemberToken")]
    [OpenApiOperation("Chains and people", "Re-issue a member's token (their store's leader, or the admin); older tokens stop working.")]
    public async Task<Ok<TokenResponse>> Reissue([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/members/{memberId}/token")] HttpRequest req, string memberId) =>
        TypedResults.Ok(new TokenResponse(await memberService.ReissueTokenAsync(await callerContext.GetAsync(req), memberId, req.HttpContext.RequestAborted)));

    [Function("GetMe")]
    [OpenApiOperation("Chains and people", "Who the presented secret belongs to.")]
    public async Task<Ok<MeResponse>> Me([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me")] HttpRequest req)
    {
        var caller = await callerContext.RequireAsync(req, Role.Platform, Role.Admin, Role.Leader, Role.Member);
        // The chain's name and time zone let the pages show times as the chain's people read them.
        var chain = caller.ChainId is null ? null : await chainService.GetChainAsync(caller.ChainId, req.HttpContext.RequestAborted);
        return TypedResults.Ok(new MeResponse(caller.Role.ToString().ToLowerInvariant(), caller.ChainId, caller.LeaderId, caller.MemberId, caller.StoreId, caller.Name,
            chain?.Name, chain?.TimeZone));
    }
}
