using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ServerlessCommerce.Common;
using ServerlessCommerce.Functions.Hosting;
using ServerlessCommerce.Functions.Hosting.OpenApi;
using ServerlessCommerce.Hosting;
using ServerlessCommerce.Outreach;

namespace ServerlessCommerce.Functions.Api;

/// <summary>Outreach (README "Outreach: messages to members and the 回访 call list").</summary>
public sealed class OutreachApi(OutreachService outreach, FollowUpTasks followUps, ServerlessCommerce.Campaigns.CampaignService campaigns, AppSettings settings, IServiceProvider services, CallerContext callerContext)
{
    public sealed record PreferencesBody(bool? Outreach, IReadOnlyList<string?>? Channels, string? WechatOpenId);

    /// <summary>The member's choice, and the chain's quiet hours (HH:mm, its time zone) the room tells her about.</summary>
    public sealed record PreferencesResponse(bool Outreach, IReadOnlyList<string> Channels, bool WechatLinked, DateTimeOffset? UpdatedAt, string QuietHoursStart, string QuietHoursEnd);

    public sealed record OutreachSettingsBody(string? QuietHoursStart, string? QuietHoursEnd);

    public sealed record DoneBody(string? Note);

    [Function("GetOutreachPreferences")]
    [OpenApiOperation("Outreach", "The member's outreach choice: {outreach, channels, wechatLinked}, with the chain's quiet hours {quietHoursStart, quietHoursEnd} (HH:mm). Default: outreach on, channels wechat and sms. Members only.")]
    public async Task<Ok<PreferencesResponse>> GetPreferences([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/members/me/preferences")] HttpRequest req)
    {
        var caller = await callerContext.GetAsync(req);
        return TypedResults.Ok(await ToResponseAsync(caller, await outreach.GetPreferencesAsync(caller, req.HttpContext.RequestAborted), req.HttpContext.RequestAborted));
    }

    [Function("PutOutreachPreferences")]
    [OpenApiOperation("Outreach", "Replace the member's outreach choice: {outreach: true/false, channels?: [\"wechat\", \"sms\"], wechatOpenId?}. outreach false: no previews, reminders, results or survey invitations reach her phone or WeChat (one-time sign-in codes still do). wechatOpenId (1–64 letters, digits, - or _; \"\" unlinks) comes from the chain's mini program. Members only.")]
    [OpenApiRequest(typeof(PreferencesBody))]
    public async Task<Ok<PreferencesResponse>> PutPreferences([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/members/me/preferences")] HttpRequest req)
    {
        var caller = await callerContext.GetAsync(req);
        caller.Require(ServerlessCommerce.Identity.Role.Member);
        var body = await req.ReadJsonAsync<PreferencesBody>();
        return TypedResults.Ok(await ToResponseAsync(caller, await outreach.PutPreferencesAsync(caller, body.Outreach, body.Channels, body.WechatOpenId, req.HttpContext.RequestAborted), req.HttpContext.RequestAborted));
    }

    [Function("GetOutreachSettings")]
    [OpenApiOperation("Outreach", "The chain's quiet hours (HH:mm in the chain's time zone; messages due inside wait for the end). Admin or the chain's leaders.")]
    public async Task<Ok<OutreachService.ChainOutreachSettings>> GetSettings([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/chains/{chainId}/outreach-settings")] HttpRequest req, string chainId) =>
        TypedResults.Ok(await outreach.GetSettingsAsync(await callerContext.GetAsync(req), chainId, req.HttpContext.RequestAborted));

    [Function("PutOutreachSettings")]
    [OpenApiOperation("Outreach", "Set the chain's quiet hours (admin): {quietHoursStart: \"21:30\", quietHoursEnd: \"08:00\"}; equal times: no quiet hours.")]
    [OpenApiRequest(typeof(OutreachSettingsBody))]
    public async Task<Ok<OutreachService.ChainOutreachSettings>> PutSettings([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/chains/{chainId}/outreach-settings")] HttpRequest req, string chainId)
    {
        var caller = await callerContext.GetAsync(req);
        caller.Require(ServerlessCommerce.Identity.Role.Admin).RequireChain(chainId);
        var body = await req.ReadJsonAsync<OutreachSettingsBody>();
        return TypedResults.Ok(await outreach.PutSettingsAsync(caller, chainId, body.QuietHoursStart, body.QuietHoursEnd, req.HttpContext.RequestAborted));
    }

    [Function("CampaignOutreach")]
    [OpenApiOperation("Outreach", "What the campaign's messages to members did, by kind (preview, live-reminder, result, waitlist, pickup-reminder, survey): {enabled, deliveries, kinds: [{kind, sent, waiting, quietHours, optedOut, unreachable, failed}]} (one delivery per member and message; at most 2000 read). enabled false: no sender is configured. Leader of the store, admin.")]
    public async Task<Ok<OutreachService.CampaignOutreach>> CampaignSummary([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/outreach")] HttpRequest req, string campaignId)
    {
        await campaigns.GetForStaffAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted);
        return TypedResults.Ok(await outreach.SummaryAsync(campaignId, req.HttpContext.RequestAborted));
    }

    [Function("FollowUpTasks")]
    [OpenApiOperation("Outreach", "The 回访 call list of a campaign: members to call and why (reasons: first-order, low-score (satisfaction ≤ 3 or NPS ≤ 6), not-picked-up, group-missed), with their phone in full for the store's leader (masked for the admin), done or not. Not done first. At most 5000 orders read.")]
    public async Task<Ok<IReadOnlyList<FollowUpTask>>> Tasks([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/campaigns/{campaignId}/follow-up-tasks")] HttpRequest req, string campaignId) =>
        TypedResults.Ok(await followUps.ListAsync(await callerContext.GetAsync(req), campaignId, req.HttpContext.RequestAborted));

    [Function("FollowUpTaskDone")]
    [OpenApiOperation("Outreach", "Mark the call to a member done (已回访), with an optional {note} ≤ 200 characters. Idempotent: again → 200 with the first mark unchanged. A member with no task → 404.")]
    [OpenApiRequest(typeof(DoneBody))]
    public async Task<Ok<FollowUpTask>> Done([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/campaigns/{campaignId}/follow-up-tasks/{memberId}/done")] HttpRequest req, string campaignId, string memberId)
    {
        var caller = await callerContext.GetAsync(req);
        caller.Require(ServerlessCommerce.Identity.Role.Leader, ServerlessCommerce.Identity.Role.Admin);
        var body = req.ContentLength is 0 || string.IsNullOrEmpty(req.ContentType) ? new DoneBody(null) : await req.ReadJsonAsync<DoneBody>();
        return TypedResults.Ok(await followUps.MarkDoneAsync(caller, campaignId, memberId, body.Note, req.HttpContext.RequestAborted));
    }

    /// <summary>Local development only: what the local fake outreach sender "sent" in a chain, newest first.</summary>
    [Function("DevOutreach")]
    [OpenApiIgnore]
    public async Task<Ok<IReadOnlyList<LocalMemberMessageSender.SentMessage>>> DevOutreach([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/dev/outreach")] HttpRequest req)
    {
        var sender = settings.IsLocalDevelopment ? services.GetService<LocalMemberMessageSender>() : null;
        if (sender is null)
        {
            throw AppProblem.NotFound("route", "dev/outreach");
        }

        var chainId = req.QueryString("chainId");
        if (chainId is null || !ApiEdge.IsPlausibleId(chainId))
        {
            throw AppProblem.Validation("chainId", "chainId is required.");
        }

        return TypedResults.Ok(await sender.ListAsync(chainId, req.HttpContext.RequestAborted));
    }

    private async Task<PreferencesResponse> ToResponseAsync(ServerlessCommerce.Identity.Caller caller, OutreachPreferences p, CancellationToken ct)
    {
        var quiet = await outreach.QuietHoursOfAsync(caller.ChainId!, ct);
        return new(p.Outreach, p.Channels, p.WeChatLinked, p.UpdatedAt, quiet.StartText, quiet.EndText);
    }
}
