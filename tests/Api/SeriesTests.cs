using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCommerce.Functions.Series;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>
/// 系列直播 (recurring series) against the real app: a store's template campaign on a weekly clock, the timer's
/// proposals (once per occurrence, however many instances and reruns), the leader's confirm (one draft, its timers
/// armed) and skip, stale proposals, and 李姐的周末厨房 from template to report and next week's proposal.
/// </summary>
public sealed class SeriesTests : ChainTest
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private SeriesService Series => App.Services.GetRequiredService<SeriesService>();

    /// <summary>The ISO weekday (1 = Monday … 7 = Sunday) and HH:mm:ss of an instant in Asia/Shanghai.</summary>
    private static (int Weekday, string Time) Local(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Shanghai);
        return (local.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)local.DayOfWeek, local.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
    }

    /// <summary>A Shanghai wall-clock instant: <paramref name="days"/> local days after today, at <paramref name="time"/>.</summary>
    private static DateTimeOffset LocalDay(int days, TimeOnly time)
    {
        var today = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Shanghai).Date;
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(today.AddDays(days) + time.ToTimeSpan(), DateTimeKind.Unspecified), Shanghai), TimeSpan.Zero);
    }

    private async Task<string> TemplateCampaignAsync(string title = "每周三厨房 · 第1期", int minGroupSize = 1, double followUpAfterHours = 24, double followUpWindowHours = 72)
    {
        var eggs = await App.NewProductAsync(Chain, "农家土鸡蛋");
        var greens = await App.NewProductAsync(Chain, "有机小油菜");
        var now = DateTimeOffset.UtcNow;
        var campaign = await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/campaigns", new
        {
            title, storeId = Chain.StoreId, leaderId = Chain.LeaderId,
            items = new object[]
            {
                new { productId = eggs, priceFen = 2590, livePriceFen = 1990, stock = 30, minGroupSize, perMemberLimit = 2 },
                new { productId = greens, priceFen = 990, stock = 50, minGroupSize = 1 },
            },
            preheatAt = now.AddHours(2), liveStartAt = now.AddHours(3), liveEndAt = now.AddHours(4), pickupUntil = now.AddDays(2),
            followUpAfterHours, followUpWindowHours, intro = "用本周团的食材，教大家做一道家常菜。",
        }, Chain.LeaderKey), 201);
        return campaign.GetProperty("campaignId").GetString()!;
    }

    private async Task<JsonElement> NewSeriesAsync(object schedule, string? fromCampaignId = null, int proposeDaysAhead = 7, string name = "每周三厨房")
    {
        fromCampaignId ??= await TemplateCampaignAsync();
        return await TestApp.OkJsonAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/series", new { name, fromCampaignId, schedule, proposeDaysAhead }, Chain.LeaderKey), 201);
    }

    private async Task<List<JsonElement>> ProposalsAsync(string seriesId) =>
        (await TestApp.OkJsonAsync(await App.GetAsync($"/api/series/{seriesId}/proposals", Chain.LeaderKey))).EnumerateArray().ToList();

    private async Task<JsonElement> WaitForPhaseAsync(string campaignId, string phase, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement view;
        do
        {
            view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}"));
            if (view.GetProperty("phase").GetString() == phase)
            {
                return view;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Still {view.GetProperty("phase").GetString()} after {timeout.TotalSeconds} s; expected {phase}.");
    }

    [Fact]
    public async Task ASeriesIsCheckedLikeACampaignAndEveryBadFieldIsNamed()
    {
        var productId = await App.NewProductAsync(Chain);
        var other = await App.NewChainWithPeopleAsync();
        var otherCampaign = await TemplateCampaignAsync();
        var path = $"/api/stores/{Chain.StoreId}/series";
        var good = new { weekdays = new[] { 3 }, liveStartTime = "20:00", liveDurationMinutes = 90, preheatLeadHours = 48, pickupHoursAfterLive = 48 };
        var template = new { title = "每周三厨房", items = new[] { new { productId, priceFen = 1990, stock = 20 } } };
        foreach (var (body, field) in new (object, string)[]
        {
            (new { name = "", template, schedule = good }, "name"),
            (new { name = "每周三厨房", schedule = good }, "template"),
            (new { name = "每周三厨房", template = new { title = "每周三厨房", items = new[] { new { productId, priceFen = 0, stock = 20 } } }, schedule = good }, "template.items[0].priceFen"),
            (new { name = "每周三厨房", template = new { title = "", items = new[] { new { productId, priceFen = 100, stock = 20 } } }, schedule = good }, "template.title"),
            (new { name = "每周三厨房", template = new { title = "x", items = Array.Empty<object>() }, schedule = good }, "template.items"),
            (new { name = "每周三厨房", template, schedule = new { weekdays = new[] { 0, 8 }, liveStartTime = "20:00" } }, "schedule.weekdays"),
            (new { name = "每周三厨房", template, schedule = new { weekdays = new[] { 3 }, liveStartTime = "25:61" } }, "schedule.liveStartTime"),
            (new { name = "每周三厨房", template, schedule = new { cron = "not a cron" } }, "schedule.cron"),
            (new { name = "每周三厨房", template, schedule = new { cron = "0 20 * * 3", weekdays = new[] { 3 } } }, "schedule.cron"),
            (new { name = "每周三厨房", template, schedule = new { cron = "0 0 30 2 *" } }, "schedule.cron"), // 30 February never comes
            (new { name = "每周三厨房", template, schedule = new { weekdays = new[] { 3 }, liveStartTime = "20:00", liveDurationMinutes = 0 } }, "schedule.liveDurationMinutes"),
            (new { name = "每周三厨房", template, schedule = new { weekdays = new[] { 3 }, liveStartTime = "20:00", liveDurationMinutes = 1441 } }, "schedule.liveDurationMinutes"),
            (new { name = "每周三厨房", template, schedule = new { weekdays = new[] { 3 }, liveStartTime = "20:00", preheatLeadHours = 400 } }, "schedule.preheatLeadHours"),
            (new { name = "每周三厨房", template, schedule = new { weekdays = new[] { 3 }, liveStartTime = "20:00", pickupHoursAfterLive = 0 } }, "schedule.pickupHoursAfterLive"),
            (new { name = "每周三厨房", template, schedule = good, proposeDaysAhead = 31 }, "proposeDaysAhead"),
            (new { name = "每周三厨房", fromCampaignId = "nope", schedule = good }, "fromCampaignId"),
        })
        {
            var problem = await TestApp.ProblemAsync(await App.PostAsync(path, body, Chain.LeaderKey), 400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} should be named: {problem}");
        }

        // Only the store's staff: a member, another chain's leader, another store's leader.
        await TestApp.ProblemAsync(await App.PostAsync(path, new { name = "x", template, schedule = good }, Chain.MemberToken), 403, "forbidden");
        await TestApp.ProblemAsync(await App.PostAsync(path, new { name = "x", template, schedule = good }, other.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync(path, other.AdminKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/series/{Chain.ChainId}-wnotthere12", Chain.LeaderKey), 404, "not-found");

        // A good one, made by the admin from a template body; cron works as well; nothing is stored by the refusals.
        var made = await TestApp.OkJsonAsync(await App.PostAsync(path, new { name = "每周三厨房", leaderId = Chain.LeaderId, template, schedule = good }, Chain.AdminKey), 201);
        Assert.Equal("Asia/Shanghai", made.GetProperty("timeZone").GetString());
        Assert.Equal(Chain.LeaderId, made.GetProperty("leaderId").GetString());
        Assert.Equal(20, made.GetProperty("template").GetProperty("items")[0].GetProperty("stock").GetInt32());
        var next = made.GetProperty("nextLiveStartAt").GetDateTimeOffset();
        Assert.Equal((3, "20:00:00"), Local(next));
        var cron = await TestApp.OkJsonAsync(await App.PostAsync(path, new { name = "周五尝鲜夜", fromCampaignId = otherCampaign, schedule = new { cron = "0 19 * * 5", liveDurationMinutes = 60 } }, Chain.LeaderKey), 201);
        Assert.Equal((5, "19:00:00"), Local(cron.GetProperty("nextLiveStartAt").GetDateTimeOffset()));
        Assert.Equal(2, (await TestApp.OkJsonAsync(await App.GetAsync(path, Chain.LeaderKey))).GetArrayLength());
    }

    [Fact]
    public async Task TheTimerProposesTheNextOccurrenceExactlyOnceAcrossRerunsAndInstances()
    {
        // Three local days ahead at 20:00, proposed one day ahead: nothing yet.
        var start = LocalDay(3, new TimeOnly(20, 0));
        var series = await NewSeriesAsync(new { weekdays = new[] { Local(start).Weekday }, liveStartTime = "20:00", liveDurationMinutes = 90, preheatLeadHours = 24, pickupHoursAfterLive = 48 }, proposeDaysAhead: 1);
        var seriesId = series.GetProperty("seriesId").GetString()!;
        Assert.Equal(start, series.GetProperty("nextLiveStartAt").GetDateTimeOffset());
        Assert.Empty(await ProposalsAsync(seriesId));
        await Series.ProposeDueAsync(DateTimeOffset.UtcNow, CancellationToken.None, Chain.ChainId);
        Assert.Empty(await ProposalsAsync(seriesId));

        // Within a day of it: two instances at once, and each again, propose it once.
        var now = start.AddHours(-20);
        await using var second = await TestApp.StartAsync();
        var otherInstance = second.Services.GetRequiredService<SeriesService>();
        var runs = await Task.WhenAll(Series.ProposeDueAsync(now, CancellationToken.None, Chain.ChainId), otherInstance.ProposeDueAsync(now, CancellationToken.None, Chain.ChainId));
        await Series.ProposeDueAsync(now, CancellationToken.None, Chain.ChainId);
        await otherInstance.ProposeDueAsync(now.AddMinutes(10), CancellationToken.None, Chain.ChainId);
        Assert.Equal(1, runs.SelectMany(r => r).Count(p => p.SeriesId == seriesId));

        var proposal = Assert.Single(await ProposalsAsync(seriesId));
        Assert.Equal("proposed", proposal.GetProperty("status").GetString());
        Assert.Equal(start, proposal.GetProperty("liveStartAt").GetDateTimeOffset());
        Assert.Equal(start.AddHours(-24), proposal.GetProperty("preheatAt").GetDateTimeOffset());
        Assert.Equal(start.AddMinutes(90), proposal.GetProperty("liveEndAt").GetDateTimeOffset());
        Assert.Equal(start.AddMinutes(90).AddHours(48), proposal.GetProperty("pickupUntil").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, proposal.GetProperty("campaignId").ValueKind);

        // Nothing became a campaign: the chain still has the template campaign only.
        Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.LeaderKey))).EnumerateArray());

        // Paused, a series proposes nothing; deleted, it is gone.
        var paused = await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Patch, $"/api/series/{seriesId}", new { active = false }, Chain.LeaderKey));
        Assert.False(paused.GetProperty("active").GetBoolean());
        await Series.ProposeDueAsync(start.AddDays(6).AddHours(2), CancellationToken.None, Chain.ChainId);
        Assert.Single(await ProposalsAsync(seriesId));
        using var deleted = await App.SendAsync(HttpMethod.Delete, $"/api/series/{seriesId}", secret: Chain.LeaderKey);
        Assert.Equal(204, (int)deleted.StatusCode);
        await TestApp.ProblemAsync(await App.GetAsync($"/api/series/{seriesId}/proposals", Chain.LeaderKey), 404, "not-found");
    }

    [Fact]
    public async Task ConfirmMakesOneDraftWithTheTemplatesItemsAndTimesWhoseOwnTimersTakeItLive()
    {
        var template = await TemplateCampaignAsync();
        var start = DateTimeOffset.UtcNow.AddSeconds(40);
        var (weekday, time) = Local(start);
        start = DateTimeOffset.Parse(TimeZoneInfo.ConvertTime(start, Shanghai).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture); // whole seconds
        var series = await NewSeriesAsync(new { weekdays = new[] { weekday }, liveStartTime = time, liveDurationMinutes = 120, preheatLeadHours = 20.0 / 3600, pickupHoursAfterLive = 24 }, template);
        var seriesId = series.GetProperty("seriesId").GetString()!;
        var proposal = Assert.Single(await ProposalsAsync(seriesId)); // proposed at creation: it is within 7 days
        var proposalId = proposal.GetProperty("proposalId").GetString()!;
        Assert.Equal(start, proposal.GetProperty("liveStartAt").GetDateTimeOffset());
        var path = $"/api/series/{seriesId}/proposals/{proposalId}/confirm";

        // Two confirms at once and one more: one campaign, one 201.
        var answers = await Task.WhenAll(App.PostAsync(path, secret: Chain.LeaderKey), App.PostAsync(path, secret: Chain.AdminKey));
        var statuses = answers.Select(a => (int)a.StatusCode).Order().ToList();
        Assert.Contains(201, statuses);
        Assert.All(statuses, s => Assert.Contains(s, new[] { 200, 201 }));
        var bodies = await Task.WhenAll(answers.Select(a => TestApp.OkJsonAsync(a, (int)a.StatusCode)));
        var again = await TestApp.OkJsonAsync(await App.PostAsync(path, secret: Chain.LeaderKey));
        var campaign = again.GetProperty("campaign");
        var campaignId = campaign.GetProperty("campaignId").GetString()!;
        Assert.All(bodies, b => Assert.Equal(campaignId, b.GetProperty("campaign").GetProperty("campaignId").GetString()));
        Assert.Equal("confirmed", again.GetProperty("proposal").GetProperty("status").GetString());
        Assert.Equal(campaignId, again.GetProperty("proposal").GetProperty("campaignId").GetString());

        // The template's title, items, prices, stock and limits; the proposal's times.
        var source = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{template}"));
        Assert.Equal("每周三厨房 · 第1期", campaign.GetProperty("title").GetString());
        Assert.Equal(Chain.StoreId, campaign.GetProperty("storeId").GetString());
        Assert.Equal(
            source.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("productId").GetString(), i.GetProperty("priceFen").GetInt64(), i.GetProperty("stock").GetInt32(), i.GetProperty("perMemberLimit").ToString())),
            campaign.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("productId").GetString(), i.GetProperty("priceFen").GetInt64(), i.GetProperty("stock").GetInt32(), i.GetProperty("perMemberLimit").ToString())));
        Assert.Equal(start.AddSeconds(-20), campaign.GetProperty("preheatAt").GetDateTimeOffset());
        Assert.Equal(start, campaign.GetProperty("liveStartAt").GetDateTimeOffset());
        Assert.Equal(start.AddHours(2), campaign.GetProperty("liveEndAt").GetDateTimeOffset());
        Assert.Equal(start.AddHours(26), campaign.GetProperty("pickupUntil").GetDateTimeOffset());
        Assert.Equal(2, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.LeaderKey))).GetArrayLength());

        // Its timers are armed: nobody presses anything, and it preheats, then goes live.
        Assert.Contains(campaign.GetProperty("phase").GetString(), new[] { "draft", "preheat" });
        await WaitForPhaseAsync(campaignId, "live", TimeSpan.FromSeconds(120));
        var history = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/history", Chain.LeaderKey));
        Assert.Equal(["preheat", "live"], history.EnumerateArray().Select(h => h.GetProperty("to").GetString()));
        Assert.All(history.EnumerateArray(), h => Assert.Equal("timer", h.GetProperty("cause").GetString()));

        // Confirmed is final: skipping it now is refused; confirming it still answers the same campaign.
        await TestApp.ProblemAsync(await App.PostAsync($"/api/series/{seriesId}/proposals/{proposalId}/skip", secret: Chain.LeaderKey), 409, "invalid-transition");
        Assert.Equal(campaignId, (await TestApp.OkJsonAsync(await App.PostAsync(path, secret: Chain.LeaderKey))).GetProperty("campaign").GetProperty("campaignId").GetString());
    }

    [Fact]
    public async Task AnOccurrenceWhosePreheatLeadHasPassedIsAcceptedAndItsCampaignPreheatsFromTheConfirm()
    {
        // Live in two hours (local time, whole minutes), with a 72-hour preheat lead: that preheat would lie in the past.
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var (weekday, time) = Local(start);
        var before = DateTimeOffset.UtcNow;
        var series = await NewSeriesAsync(new { weekdays = new[] { weekday }, liveStartTime = time[..5], liveDurationMinutes = 60, preheatLeadHours = 72 });
        var seriesId = series.GetProperty("seriesId").GetString()!;
        var proposal = Assert.Single(await ProposalsAsync(seriesId));
        Assert.Equal(proposal.GetProperty("liveStartAt").GetDateTimeOffset().AddHours(-72), proposal.GetProperty("preheatAt").GetDateTimeOffset()); // as the schedule says

        var confirmed = await TestApp.OkJsonAsync(await App.PostAsync($"/api/series/{seriesId}/proposals/{proposal.GetProperty("proposalId").GetString()}/confirm", secret: Chain.LeaderKey), 201);
        var campaign = confirmed.GetProperty("campaign");
        Assert.InRange(campaign.GetProperty("preheatAt").GetDateTimeOffset(), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(proposal.GetProperty("liveStartAt").GetDateTimeOffset(), campaign.GetProperty("liveStartAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task ASkippedProposalMakesNoCampaignAndAStaleOneCannotBeConfirmed()
    {
        // Every day at the local time of an hour ago: created now, it proposes tomorrow's.
        var anHourAgo = DateTimeOffset.UtcNow.AddHours(-1);
        var series = await NewSeriesAsync(new { weekdays = new[] { 1, 2, 3, 4, 5, 6, 7 }, liveStartTime = Local(anHourAgo).Time[..5], liveDurationMinutes = 30, preheatLeadHours = 2, pickupHoursAfterLive = 24 });
        var seriesId = series.GetProperty("seriesId").GetString()!;
        var tomorrow = Assert.Single(await ProposalsAsync(seriesId));
        var tomorrowId = tomorrow.GetProperty("proposalId").GetString()!;

        var skipped = await TestApp.OkJsonAsync(await App.PostAsync($"/api/series/{seriesId}/proposals/{tomorrowId}/skip", secret: Chain.LeaderKey));
        Assert.Equal("skipped", skipped.GetProperty("status").GetString());
        Assert.Equal("skipped", (await TestApp.OkJsonAsync(await App.PostAsync($"/api/series/{seriesId}/proposals/{tomorrowId}/skip", secret: Chain.LeaderKey))).GetProperty("status").GetString());
        await TestApp.ProblemAsync(await App.PostAsync($"/api/series/{seriesId}/proposals/{tomorrowId}/confirm", secret: Chain.LeaderKey), 409, "invalid-transition");

        // The timer run two hours ago proposed today's occurrence; its live started an hour ago: stale.
        var made = await Series.ProposeDueAsync(DateTimeOffset.UtcNow.AddHours(-2), CancellationToken.None, Chain.ChainId);
        var today = made.Single(p => p.SeriesId == seriesId);
        Assert.True(today.LiveStartAt < DateTimeOffset.UtcNow);
        var listed = (await ProposalsAsync(seriesId)).Single(p => p.GetProperty("proposalId").GetString() == today.ProposalId);
        Assert.Equal("expired", listed.GetProperty("status").GetString());
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/series/{seriesId}/proposals/{today.ProposalId}/confirm", secret: Chain.LeaderKey), 409, "proposal-stale");
        Assert.Contains("passed", problem.GetProperty("detail").GetString());
        await TestApp.ProblemAsync(await App.PostAsync($"/api/series/{seriesId}/proposals/29990101000000/confirm", secret: Chain.LeaderKey), 404, "not-found");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/series/{seriesId}/proposals/bad/confirm", secret: Chain.LeaderKey), 404, "not-found");

        // Neither became a campaign.
        Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.LeaderKey))).EnumerateArray());
    }

    [Fact]
    public async Task LiJiesWeekendKitchenRunsEndToEnd()
    {
        // 李姐的周末厨房: her first campaign is the template (follow-up a second after pickup, for the test's sake).
        var first = await TemplateCampaignAsync("李姐的周末厨房", minGroupSize: 2, followUpAfterHours: 1.0 / 3600, followUpWindowHours: 2.0 / 3600);
        // Her weekly live, on today's weekday at a local time 45 s from now (Sunday 20:00 in the story), 40 s long.
        var start = DateTimeOffset.UtcNow.AddSeconds(45);
        var (weekday, time) = Local(start);
        var series = await NewSeriesAsync(new { weekdays = new[] { weekday }, liveStartTime = time, liveDurationMinutes = 40.0 / 60, preheatLeadHours = 20.0 / 3600, pickupHoursAfterLive = 1 },
            first, name: "李姐的周末厨房");
        var seriesId = series.GetProperty("seriesId").GetString()!;

        // The proposal is there; nothing is a campaign until she confirms.
        var proposal = Assert.Single(await ProposalsAsync(seriesId));
        var proposalId = proposal.GetProperty("proposalId").GetString()!;
        Assert.Single((await TestApp.OkJsonAsync(await App.GetAsync($"/api/chains/{Chain.ChainId}/campaigns", Chain.LeaderKey))).EnumerateArray());
        var confirmed = await TestApp.OkJsonAsync(await App.PostAsync($"/api/series/{seriesId}/proposals/{proposalId}/confirm", secret: Chain.LeaderKey), 201);
        var campaign = confirmed.GetProperty("campaign");
        var id = campaign.GetProperty("campaignId").GetString()!;
        Assert.Equal("李姐的周末厨房", campaign.GetProperty("title").GetString());
        var eggs = campaign.GetProperty("items")[0].GetProperty("itemId").GetString()!;

        // Neighbours reserve; the clock preheats it and takes it live.
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/reservations", secret: Chain.MemberToken), 201);
        await WaitForPhaseAsync(id, "preheat", TimeSpan.FromSeconds(90));
        await WaitForPhaseAsync(id, "live", TimeSpan.FromSeconds(90));
        var (_, neighbour) = await App.NewMemberAsync(Chain, "张奶奶");
        var mine = await TestApp.OkJsonAsync(await App.OrderAsync(id, Chain.MemberToken, eggs, 2), 201);
        var hers = await TestApp.OkJsonAsync(await App.OrderAsync(id, neighbour, eggs, 1), 201);

        // The clock closes it; two buyers reach the eggs' group minimum of 2: 成团, both confirmed with pickup codes.
        await WaitForPhaseAsync(id, "fulfilling", TimeSpan.FromSeconds(120));
        foreach (var (order, token) in new[] { (mine, Chain.MemberToken), (hers, neighbour) })
        {
            var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/orders/{order.GetProperty("orderId").GetString()}", token));
            Assert.Equal("confirmed", view.GetProperty("status").GetString());
            var picked = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{id}/pickups", new { pickupCode = view.GetProperty("pickupCode").GetString() }, Chain.LeaderKey));
            Assert.Equal("pickedUp", Assert.Single(picked.GetProperty("orders").EnumerateArray()).GetProperty("status").GetString());
        }

        // Everything handed over: follow-up (the survey goes out), completion, the report.
        await WaitForPhaseAsync(id, "completed", TimeSpan.FromSeconds(90));
        var history = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/history", Chain.LeaderKey));
        Assert.Equal(["preheat", "live", "closed", "fulfilling", "followUp", "completed"], history.EnumerateArray().Select(h => h.GetProperty("to").GetString()));
        Assert.All(history.EnumerateArray(), h => Assert.Contains(h.GetProperty("cause").GetString(), new[] { "timer", "sweeper" }));
        var reportStatus = 0;
        for (var i = 0; i < 150 && reportStatus != 200; i++)
        {
            using var r = await App.GetAsync($"/api/campaigns/{id}/report", Chain.LeaderKey);
            reportStatus = (int)r.StatusCode;
            if (reportStatus != 200)
            {
                await Task.Delay(200);
            }
        }

        Assert.Equal(200, reportStatus);
        var kinds = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{id}/notifications", Chain.LeaderKey))).EnumerateArray().Select(n => n.GetProperty("kind").GetString()).ToHashSet();
        Assert.Contains("preview", kinds);
        Assert.Contains("survey", kinds);

        // The timer's next run (any instance) proposes next week's live; this week's shows its campaign.
        await Series.ProposeDueAsync(DateTimeOffset.UtcNow, CancellationToken.None, Chain.ChainId);
        var proposals = await ProposalsAsync(seriesId);
        Assert.Equal(2, proposals.Count);
        Assert.Equal(proposal.GetProperty("liveStartAt").GetDateTimeOffset().AddDays(7), proposals[0].GetProperty("liveStartAt").GetDateTimeOffset());
        Assert.Equal("proposed", proposals[0].GetProperty("status").GetString());
        Assert.Equal(("confirmed", id), (proposals[1].GetProperty("status").GetString(), proposals[1].GetProperty("campaignId").GetString()));
    }
}
