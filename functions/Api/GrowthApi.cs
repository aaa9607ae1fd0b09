using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Growth;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Referrals (老带新), points and levels (README "Referrals, points and levels").</summary>
public sealed class GrowthApi(GrowthService growth, ReferralShoutOuts shoutOuts, CallerContext callerContext)
{
    public sealed record LevelBody(string? Name, int? MinPoints, IReadOnlyList<string?>? Privileges, bool? MemberPrice);

    public sealed record GrowthSettingsBody(int? ReferrerRewardPoints, int? RefereeRewardPoints, int? PurchasePointsPerYuan, IReadOnlyList<LevelBody>? Levels,
        int? FeaturedReviewPoints = null, int? SpendPointsPerYuan = null, int? MaxPointsSharePercent = null);

    public sealed record GrowthSettingsResponse(string ChainId, int ReferrerRewardPoints, int RefereeRewardPoints, int PurchasePointsPerYuan, IReadOnlyList<MemberLevel> Levels,
        int FeaturedReviewPoints, int SpendPointsPerYuan = 0, int MaxPointsSharePercent = 0, int SpendStep = 1);

    public sealed record PointsResponse(int Balance, IReadOnlyList<PointsEntry> Entries, MemberLevel Level, MemberLevel? NextLevel, int? PointsToNextLevel, bool MemberPrice,
        int SpendPointsPerYuan = 0, int MaxPointsSharePercent = 0, int SpendStep = 1);

    public sealed record ReferralResponse(string ReferralCode, string? ShareUrl, string? CampaignId, string? CampaignTitle, int Referred, int Rewarded);

    public sealed record LeaderboardResponse(string StoreId, IReadOnlyList<ReferrerStanding> Referrers);

    public sealed record ShoutOutBody(int? Top);

    public sealed record AdjustmentBody(int? Amount, string? Reason);

    public sealed record AdjustmentResponse(string AdjustmentId, string MemberId, int Amount, string Reason, DateTimeOffset At, int Balance);

    [Function("GetGrowthSettings")]
    [OpenApiOperation("Growth", "The chain's referral rewards, purchase points rate and member levels (admin; the chain's leaders may read). Defaults until the admin saves: 100/50 referral points, 1 point per yuan, 普通邻居 0 · 银牌邻居 500 · 金牌邻居 2000.")]
    public async Task<Ok<GrowthSettingsResponse>> GetSettings([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/growth-settings")] HttpRequest req, string chainId) =>
        TypedResults.Ok(ToResponse(chainId, await growth.GetSettingsAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted)));

    [Function("PutGrowthSettings")]
    [OpenApiOperation("Growth", "Replace the chain's growth settings (admin). Limits: rewards 0–10000, rate 0–100 points per yuan, 1–10 levels, the first at 0 points and each above the one before, names ≤ 20 characters, ≤ 5 privileges of ≤ 40 characters; featuredReviewPoints (优质晒单 reward) 0–1000, kept when left out (default 50). Privileges are shown to members as text; `memberPrice: true` makes orders of a member at that level get the items' 会员价 (`memberPriceFen`), within 30 s of a change. Spending points (积分抵扣): spendPointsPerYuan 1–10000 points make ¥1 and maxPointsSharePercent 1–100 caps them as a share of an order's goods total; both 0 (the default) turns it off.")]
    [OpenApiRequest(typeof(GrowthSettingsBody))]
    public async Task<Ok<GrowthSettingsResponse>> PutSettings([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/chains/{chainId}/growth-settings")] HttpRequest req, string chainId)
    {
        var caller = await callerContext.GetAsync(req);
        caller.Require(ServerlessCommerce.Identity.Role.Admin).RequireChain(chainId);
        var body = await req.ReadJsonAsync<GrowthSettingsBody>();
        // featuredReviewPoints (优质晒单, README "Review wall") is kept as it is when a body leaves it out.
        var featured = body.FeaturedReviewPoints ?? (await growth.GetSettingsAsync(caller, chainId, req.HttpContext.RequestAborted)).FeaturedReviewPoints;
        var settings = GrowthSettings.Validate(body.ReferrerRewardPoints, body.RefereeRewardPoints, body.PurchasePointsPerYuan,
            body.Levels?.Select(l => (l?.Name, l?.MinPoints, l?.Privileges, l?.MemberPrice)).ToList(), featured, body.SpendPointsPerYuan, body.MaxPointsSharePercent);
        return TypedResults.Ok(ToResponse(chainId, await growth.PutSettingsAsync(caller, chainId, settings, req.HttpContext.RequestAborted)));
    }

    [Function("MyPoints")]
    [OpenApiOperation("Growth", "The member's points: balance (the sum of the whole ledger), the newest 200 entries (reason: purchase, review, photos, referral, referred, adjustment), the level held, the next level and the points still needed; `memberPrice`: whether the member's orders get 会员价 now (as the order route decides it); spendPointsPerYuan, maxPointsSharePercent and spendStep: the chain's 积分抵扣 rules (0: off). Reasons also include spend and return (points that paid an order and came back).")]
    public async Task<Ok<PointsResponse>> MyPoints([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/members/me/points")] HttpRequest req)
    {
        var p = await growth.MyPointsAsync(await callerContext.GetAsync(req), req.HttpContext.RequestAborted);
        return TypedResults.Ok(new PointsResponse(p.Balance, p.Entries, p.Level, p.NextLevel, p.PointsToNextLevel, p.MemberPrice, p.SpendPointsPerYuan, p.MaxPointsSharePercent, p.SpendStep));
    }

    [Function("MyReferral")]
    [OpenApiOperation("Growth", "The member's referral code and share link: the live room of their store's live or next campaign with ?ref=CODE (null when the store has none planned), how many neighbours joined with the code and how many of those earned the reward.")]
    public async Task<Ok<ReferralResponse>> MyReferral([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/members/me/referral")] HttpRequest req)
    {
        var card = await growth.MyReferralAsync(await callerContext.GetAsync(req), req.HttpContext.RequestAborted);
        var shareUrl = card.CampaignId is null ? null
            : $"{req.Scheme}://{req.Host}/live/{Uri.EscapeDataString(card.CampaignId)}?ref={Uri.EscapeDataString(card.ReferralCode)}";
        return TypedResults.Ok(new ReferralResponse(card.ReferralCode, shareUrl, card.CampaignId, card.CampaignTitle, card.Referred, card.Rewarded));
    }

    [Function("ReferralLeaderboard")]
    [OpenApiOperation("Growth", "The store's referrers ranked by neighbours brought, then rewards earned (masked names), for a shout-out in the live. The store's leader or the admin. ?top=1..50 (default 10).")]
    public async Task<Ok<LeaderboardResponse>> Leaderboard([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/stores/{storeId}/referral-leaderboard")] HttpRequest req, string storeId) =>
        TypedResults.Ok(new LeaderboardResponse(storeId,
            await growth.LeaderboardAsync(await callerContext.GetAsync(req), storeId, req.QueryInt("top"), req.HttpContext.RequestAborted)));

    [Function("ReferrerShoutOut")]
    [OpenApiOperation("Growth", "The leader of the campaign's store (or the admin) thanks the store's top referrers in the live room: broadcasts shoutOut {kind: \"referrers\", referrers: [{rank, maskedName, referred}], at} and answers 202 with it. Optional {top} 1..5 (default 3). Preheat or live only (else 409 not-live); no referrer yet → 409 nothing-to-show; one per campaign per 10 s → 429 rate-limited with Retry-After.")]
    [OpenApiRequest(typeof(ShoutOutBody))]
    public async Task<Accepted<ShoutOut>> ThankReferrers([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/shout-outs")] HttpRequest req, string campaignId)
    {
        var caller = await callerContext.GetAsync(req);
        var body = req.ContentLength is 0 || string.IsNullOrEmpty(req.ContentType) ? new ShoutOutBody(null) : await req.ReadJsonAsync<ShoutOutBody>();
        return TypedResults.Accepted($"/api/campaigns/{campaignId}", await shoutOuts.ThankReferrersAsync(caller, campaignId, body.Top, req.HttpContext.RequestAborted));
    }

    [Function("LookupMemberPoints")]
    [OpenApiOperation("Growth", "The store's members whose name contains q or whose phone ends with q (up to 20), with masked phone, balance and level: the console's points lookup before an adjustment. The store's leader or the admin; q ≤ 20 characters.")]
    public async Task<Ok<IReadOnlyList<MemberPointsSummary>>> Lookup([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/stores/{storeId}/member-points")] HttpRequest req, string storeId) =>
        TypedResults.Ok(await growth.LookupAsync(await callerContext.GetAsync(req), storeId, req.QueryString("q"), req.HttpContext.RequestAborted));

    [Function("AdjustPoints")]
    [OpenApiOperation("Growth", "Add (amount > 0) or deduct (amount < 0) a member's points with a reason (admin). Idempotency-Key required: the same key and body → 200 with the same adjustment, another body → 409 idempotency-conflict. |amount| ≤ 100000; reason ≤ 100 characters; a deduction below a zero balance → 409 insufficient-points.")]
    [OpenApiRequest(typeof(AdjustmentBody))]
    public async Task<Results<Created<AdjustmentResponse>, Ok<AdjustmentResponse>>> Adjust([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/members/{memberId}/points/adjustments")] HttpRequest req, string memberId)
    {
        var caller = await callerContext.GetAsync(req);
        caller.Require(ServerlessCommerce.Identity.Role.Admin).RequireChainOf(memberId, "member");
        var body = await req.ReadJsonAsync<AdjustmentBody>();
        var a = await growth.AdjustAsync(caller, memberId, body.Amount, body.Reason, req.IdempotencyKey(), req.HttpContext.RequestAborted);
        var response = new AdjustmentResponse(a.AdjustmentId, a.MemberId, a.Amount, a.Reason, a.At, a.Balance);
        return a.Replayed ? TypedResults.Ok(response) : TypedResults.Created($"/api/members/{memberId}/points/adjustments/{a.AdjustmentId}", response);
    }

    private static GrowthSettingsResponse ToResponse(string chainId, GrowthSettings s) =>
        new(chainId, s.ReferrerRewardPoints, s.RefereeRewardPoints, s.PurchasePointsPerYuan, s.Levels, s.FeaturedReviewPoints, s.SpendPointsPerYuan, s.MaxPointsSharePercent, s.SpendStep);
}
