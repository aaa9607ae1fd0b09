using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCommerce.Gatherings;
using ServerlessCommerce.Messaging;
using ServerlessCommerce.Tests.Infrastructure;

namespace ServerlessCommerce.Tests.Api;

/// <summary>Offline gatherings (线下活动): limits, seats under parallel sign-ups, the waitlist, check-in, reminders and the tag.</summary>
public sealed class GatheringTests : ChainTest
{
    private async Task<string> NewGatheringAsync(int capacity, TimeSpan? startsIn = null, string title = "周末烘焙课 · 可颂")
    {
        var start = DateTimeOffset.UtcNow + (startsIn ?? TimeSpan.FromHours(1));
        var g = await TestApp.OkJsonAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/gatherings", new
        {
            title, description = "手把手教做可颂，成品带回家。", place = "幸福里店二楼烘焙教室", startAt = start, endAt = start.AddHours(2), capacity,
        }, Chain.LeaderKey), 201);
        Assert.Equal(capacity, g.GetProperty("capacity").GetInt32());
        return g.GetProperty("gatheringId").GetString()!;
    }

    private async Task<JsonElement> MineAsync(string gatheringId, string token) =>
        await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}/signup/mine", token));

    private async Task<List<(string MemberId, string Token)>> MembersAsync(int count)
    {
        var list = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            list.Add(await App.NewMemberAsync(Chain, "邻居" + i));
        }

        return list;
    }

    [Fact]
    public async Task ACreateOutsideTheLimitsIsRefusedWithEveryFieldNamed()
    {
        var start = DateTimeOffset.UtcNow.AddDays(1);
        var problem = await TestApp.ProblemAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/gatherings", new
        {
            title = " ", place = new string('地', 81), startAt = start, endAt = start.AddHours(-1), capacity = 501, signupDeadline = start.AddHours(1),
        }, Chain.LeaderKey), 400, "validation");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "title", "place", "endAt", "capacity", "signupDeadline" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"{field} should be named: {errors}");
        }

        await TestApp.ProblemAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/gatherings", new
        {
            title = "品鉴会", place = "店里", startAt = start, endAt = start.AddHours(1), capacity = 0,
        }, Chain.LeaderKey), 400, "validation");
        await TestApp.ProblemAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/gatherings", new
        {
            title = "品鉴会", place = "店里", startAt = DateTimeOffset.UtcNow.AddMinutes(-5), endAt = start, capacity = 10,
        }, Chain.LeaderKey), 400, "validation");
        // Only staff create; a member is refused.
        await TestApp.ProblemAsync(await App.PostAsync($"/api/stores/{Chain.StoreId}/gatherings", new
        {
            title = "品鉴会", place = "店里", startAt = start, endAt = start.AddHours(1), capacity = 10,
        }, Chain.MemberToken), 403, "forbidden");
        Assert.Empty((await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/gatherings", Chain.LeaderKey))).EnumerateArray());
    }

    [Fact]
    public async Task ParallelSignUpsOnTwoInstancesNeverExceedTheCapacityAndTheRestWaitInOrder()
    {
        const int capacity = 3;
        var gatheringId = await NewGatheringAsync(capacity);
        var members = await MembersAsync(10);
        await using var second = await TestApp.StartAsync(storage: App.Azurite);
        var answers = await Task.WhenAll(members.Select((m, i) =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/gatherings/{gatheringId}/signup");
            request.Headers.Authorization = new("Bearer", m.Token);
            return (i % 2 == 0 ? App.Client : second.Client).SendAsync(request);
        }));
        foreach (var answer in answers)
        {
            Assert.True(answer.StatusCode == HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
            Assert.Contains("no-store", answer.Headers.CacheControl?.ToString() ?? string.Empty, StringComparison.Ordinal);
        }

        var mine = await Task.WhenAll(members.Select(m => MineAsync(gatheringId, m.Token)));
        Assert.Equal(capacity, mine.Count(m => m.GetProperty("status").GetString() == "confirmed"));
        var positions = mine.Where(m => m.GetProperty("status").GetString() == "waitlisted").Select(m => m.GetProperty("waitlistPosition").GetInt32()).Order().ToList();
        Assert.Equal(Enumerable.Range(1, members.Count - capacity), positions);
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}"));
        Assert.Equal(capacity, view.GetProperty("confirmed").GetInt32());
        Assert.Equal(members.Count - capacity, view.GetProperty("waiting").GetInt32());
        Assert.Equal(0, view.GetProperty("seatsLeft").GetInt32());

        // Signing up again answers her place as it is (200), never a second seat.
        var again = await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/signup", secret: members[0].Token));
        Assert.Equal(mine[0].GetProperty("status").GetString(), again.GetProperty("status").GetString());
        Assert.Equal(capacity, (await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}"))).GetProperty("confirmed").GetInt32());
    }

    [Fact]
    public async Task ACancelledSeatGoesToTheFirstWaitingMemberExactlyOnceUnderRetries()
    {
        var gatheringId = await NewGatheringAsync(1);
        var (a, b, c) = (await MembersAsync(3)) switch { var m => (m[0], m[1], m[2]) };
        foreach (var m in new[] { a, b, c })
        {
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/signup", secret: m.Token), 201);
        }

        Assert.Equal("confirmed", (await MineAsync(gatheringId, a.Token)).GetProperty("status").GetString());
        Assert.Equal(1, (await MineAsync(gatheringId, b.Token)).GetProperty("waitlistPosition").GetInt32());
        Assert.Equal(2, (await MineAsync(gatheringId, c.Token)).GetProperty("waitlistPosition").GetInt32());

        // Her cancel, sent three times at once (a retrying phone): one seat freed, one promotion.
        var cancels = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => App.SendAsync(HttpMethod.Delete, $"/api/gatherings/{gatheringId}/signup", secret: a.Token)));
        Assert.All(cancels, r => Assert.Equal(HttpStatusCode.NoContent, r.StatusCode));

        var bMine = await MineAsync(gatheringId, b.Token);
        Assert.Equal("confirmed", bMine.GetProperty("status").GetString());
        Assert.Matches("^[0-9]{8}$", bMine.GetProperty("checkInCode").GetString());
        var cMine = await MineAsync(gatheringId, c.Token);
        Assert.Equal("waitlisted", cMine.GetProperty("status").GetString());
        Assert.Equal(1, cMine.GetProperty("waitlistPosition").GetInt32());
        Assert.Equal("none", (await MineAsync(gatheringId, a.Token)).GetProperty("status").GetString());
        var view = await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}"));
        Assert.Equal(1, view.GetProperty("confirmed").GetInt32());
        Assert.Equal(1, view.GetProperty("waiting").GetInt32());
        var attendees = await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}/attendees", Chain.LeaderKey));
        Assert.Equal(new[] { b.MemberId, c.MemberId }, attendees.GetProperty("attendees").EnumerateArray().Select(x => x.GetProperty("memberId").GetString()!).ToArray());

        // Raising the capacity gives the new seat to the one still waiting.
        await TestApp.OkJsonAsync(await App.SendAsync(HttpMethod.Patch, $"/api/gatherings/{gatheringId}", new { capacity = 2 }, Chain.LeaderKey));
        Assert.Equal("confirmed", (await MineAsync(gatheringId, c.Token)).GetProperty("status").GetString());
        await TestApp.ProblemAsync(await App.SendAsync(HttpMethod.Patch, $"/api/gatherings/{gatheringId}", new { capacity = 1 }, Chain.LeaderKey), 400, "validation");
    }

    [Fact]
    public async Task CheckInWorksOnceWithHerCodeWhichOnlySheCanRead()
    {
        var gatheringId = await NewGatheringAsync(5);
        var (other, otherToken) = await App.NewMemberAsync(Chain, "赵大姐");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/signup", secret: Chain.MemberToken), 201);

        var response = await App.GetAsync($"/api/gatherings/{gatheringId}/signup/mine", Chain.MemberToken);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? string.Empty, StringComparison.Ordinal);
        var code = (await TestApp.OkJsonAsync(response)).GetProperty("checkInCode").GetString()!;
        Assert.Matches("^[0-9]{8}$", code);

        // Nobody else reads it: another member sees only her own (none), staff get no /mine, the lists carry no code.
        var theirs = await MineAsync(gatheringId, otherToken);
        Assert.Equal("none", theirs.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, theirs.GetProperty("checkInCode").ValueKind);
        await TestApp.ProblemAsync(await App.GetAsync($"/api/gatherings/{gatheringId}/signup/mine", Chain.LeaderKey), 403, "forbidden");
        await TestApp.ProblemAsync(await App.GetAsync($"/api/gatherings/{gatheringId}/signup/mine"), 401, "unauthorized");
        foreach (var path in new[] { $"/api/gatherings/{gatheringId}/attendees", $"/api/gatherings/{gatheringId}", $"/api/stores/{Chain.StoreId}/gatherings" })
        {
            var text = await (await App.GetAsync(path, Chain.LeaderKey)).Content.ReadAsStringAsync();
            Assert.DoesNotContain(code, text, StringComparison.Ordinal);
        }

        // A member cannot check herself in; a wrong code is refused; the right one works once.
        await TestApp.ProblemAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/check-in", new { code }, Chain.MemberToken), 403, "forbidden");
        var wrong = code == "12345678" ? "87654321" : "12345678";
        await TestApp.ProblemAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/check-in", new { code = wrong }, Chain.LeaderKey), 400, "wrong-check-in-code");
        var checkedIn = await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/check-in", new { code }, Chain.LeaderKey));
        Assert.Equal(Chain.MemberId, checkedIn.GetProperty("memberId").GetString());
        await TestApp.ProblemAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/check-in", new { code }, Chain.LeaderKey), 409, "already-checked-in");
        var attendees = await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}/attendees", Chain.LeaderKey));
        Assert.Equal(1, attendees.GetProperty("checkedIn").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, (await MineAsync(gatheringId, Chain.MemberToken)).GetProperty("checkedInAt").ValueKind);
        Assert.NotNull(other);
    }

    [Fact]
    public async Task EachReminderReachesEachSeatedMemberExactlyOnceHoweverManyRunsOverlap()
    {
        var signedUpAt = DateTimeOffset.UtcNow;
        var gatheringId = await NewGatheringAsync(2, TimeSpan.FromHours(30), "中秋月饼 DIY");
        var start = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}"))).GetProperty("startAt").GetDateTimeOffset();
        var members = await MembersAsync(3); // two seats and one waiting: the waiting one gets no reminder
        foreach (var m in members)
        {
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/signup", secret: m.Token), 201);
        }

        var reminders = App.Services.GetRequiredService<GatheringReminders>();
        // Nothing is due yet.
        Assert.Equal(0, await reminders.RunAsync(signedUpAt.AddMinutes(10)));
        // 23 h before the start: the 24 h reminder, from three overlapping runs (instances racing), once per seat.
        var day = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => reminders.RunAsync(start.AddHours(-23))));
        Assert.Equal(2, day.Sum());
        Assert.Equal(0, await reminders.RunAsync(start.AddHours(-22)));
        // 1 h before: the 2 h reminder, once per seat, and the 24 h one not again.
        var soon = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => reminders.RunAsync(start.AddHours(-1))));
        Assert.Equal(2, soon.Sum());
        Assert.Equal(0, await reminders.RunAsync(start.AddMinutes(-30)));

        var attendees = await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{gatheringId}/attendees", Chain.LeaderKey));
        var sent = attendees.GetProperty("remindersSent");
        Assert.Equal(2, sent.GetProperty("24h").GetInt32());
        Assert.Equal(2, sent.GetProperty("2h").GetInt32());

        // The text went to her phone through the configured sender, in Chinese, naming the gathering.
        var phone = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members", Chain.LeaderKey)))
            .EnumerateArray().First(m => m.GetProperty("memberId").GetString() == members[0].MemberId).GetProperty("phone").GetString()!;
        var message = await App.Services.GetRequiredService<LocalMessageSender>().LatestAsync(Chain.ChainId, phone, start.AddHours(-1), default);
        Assert.NotNull(message);
        Assert.Equal(GatheringRules.NotificationKind, message.Kind);
        Assert.Contains("中秋月饼 DIY", message.Text, StringComparison.Ordinal);
        Assert.Contains("2 小时", message.Text, StringComparison.Ordinal);

        // A cancelled gathering reminds no one.
        var cancelledId = await NewGatheringAsync(2, TimeSpan.FromHours(30), "取消的活动");
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{cancelledId}/signup", secret: members[0].Token), 201);
        await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{cancelledId}/cancel", secret: Chain.LeaderKey));
        var cancelledStart = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{cancelledId}"))).GetProperty("startAt").GetDateTimeOffset();
        await reminders.RunAsync(cancelledStart.AddHours(-1));
        var none = await TestApp.OkJsonAsync(await App.GetAsync($"/api/gatherings/{cancelledId}/attendees", Chain.LeaderKey));
        Assert.Empty(none.GetProperty("remindersSent").EnumerateObject());
        await TestApp.ProblemAsync(await App.PostAsync($"/api/gatherings/{cancelledId}/signup", secret: members[1].Token), 409, "signup-closed");
    }

    [Fact]
    public async Task TwoGatheringsAttendedGiveTheTag活动常客OnTheMemberList()
    {
        foreach (var title in new[] { "咖啡品鉴会", "欧包烘焙课" })
        {
            var gatheringId = await NewGatheringAsync(10, title: title);
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/signup", secret: Chain.MemberToken), 201);
            var code = (await MineAsync(gatheringId, Chain.MemberToken)).GetProperty("checkInCode").GetString();
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/gatherings/{gatheringId}/check-in", new { code }, Chain.LeaderKey));
            await TestApp.OkJsonAsync(await App.PostAsync($"/api/chains/{Chain.ChainId}/tags/recompute", secret: Chain.AdminKey));
            var tags = (await TestApp.OkJsonAsync(await App.GetAsync($"/api/stores/{Chain.StoreId}/members", Chain.LeaderKey)))
                .EnumerateArray().First(m => m.GetProperty("memberId").GetString() == Chain.MemberId).GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
            // One gathering is not yet a regular; the second makes her one.
            Assert.Equal(title == "欧包烘焙课", tags.Contains("活动常客"));
        }
    }

    [Fact]
    public async Task AnAnnouncedGatheringIsListedInTheLiveRoomForEveryone()
    {
        var gatheringId = await NewGatheringAsync(8, title: "亲子烘焙课");
        var (campaignId, _) = await App.NewLiveCampaignAsync(Chain);
        var announced = await TestApp.OkJsonAsync(await App.PostAsync($"/api/campaigns/{campaignId}/gatherings/{gatheringId}/announce", secret: Chain.LeaderKey));
        Assert.Equal(campaignId, announced.GetProperty("campaignId").GetString());
        await TestApp.ProblemAsync(await App.PostAsync($"/api/campaigns/{campaignId}/gatherings/{gatheringId}/announce", secret: Chain.MemberToken), 403, "forbidden");
        var listed = await TestApp.OkJsonAsync(await App.GetAsync($"/api/campaigns/{campaignId}/gatherings"));
        Assert.Equal(gatheringId, Assert.Single(listed.EnumerateArray()).GetProperty("gatheringId").GetString());
    }
}
