using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.LiveRoom;

public sealed record Negotiated(string Url, string AccessToken, string ViewerId);

public sealed record Comment(string CommentId, string MaskedName, string Text, DateTimeOffset At, string? Answer, DateTimeOffset? AnsweredAt);

public sealed record Poll(string PollId, string Question, IReadOnlyList<string> Options, IReadOnlyList<int> Counts, bool IsOpen, DateTimeOffset CreatedAt);

/// <summary>
/// The live room's interactions: joining (negotiate), viewers, comments and answers, polls, pins and flash sales.
/// State lives in storage (table <c>LiveRoom</c>, partition = campaign), never in process memory, so several instances
/// agree; messages go out through <see cref="LiveRoomBroadcaster"/>.
/// </summary>
public sealed class LiveRoomService(
    ITableStore tables,
    ILiveRoomTransport transport,
    LiveRoomBroadcaster broadcaster,
    CampaignService campaigns,
    CampaignDesks desks,
    TimeProvider clock,
    ILogger<LiveRoomService> logger)
{
    public const string Table = "LiveRoom";
    public const string ViewersTable = LiveRoomPresence.Table;
    public const int MaxCommentLength = 200;
    public const int MaxAnswerLength = 500;

    /// <summary>Comment rate limit: at most this many per member per <see cref="CommentWindow"/>, and one per <see cref="CommentGap"/>.</summary>
    public const int CommentsPerWindow = 5;

    public static readonly TimeSpan CommentWindow = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CommentGap = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, byte> _pollUpdatesPending = new(StringComparer.Ordinal);

    /// <summary>Every storage call of the live room goes through the meter (see <see cref="StorageMeter"/>).</summary>
    private readonly MeteredTableStore tables = new(tables, new LiveRoomStorageMeter());

    private LiveRoomPresence? _presence;
    private LiveRoomServiceConnections? _serviceConnections;

    /// <summary>The live room's storage operations so far in this process (health and the benchmark read it).</summary>
    public LiveRoomStorageMeter StorageMeter => tables.Meter;

    /// <summary>Embedded hub: this instance's live connections in memory, every instance's count in one row per campaign (see <see cref="LiveRoomPresence"/>).</summary>
    public LiveRoomPresence Presence => LazyInitializer.EnsureInitialized(ref _presence, () => new LiveRoomPresence(tables, clock, logger));

    /// <summary>Azure SignalR Service: one row per connection, from the Service's upstream events (see <see cref="LiveRoomServiceConnections"/>).</summary>
    public LiveRoomServiceConnections ServiceConnections => LazyInitializer.EnsureInitialized(ref _serviceConnections, () => new LiveRoomServiceConnections(tables, clock, logger));

    /// <summary>Joining: checks the campaign and hands out where to connect. Counts nothing — only a connection does.</summary>
    public async Task<Negotiated> NegotiateAsync(Caller caller, string? campaignId, Uri requestBase, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(campaignId))
        {
            throw AppProblem.Validation("campaignId", "campaignId is required (?campaignId=…).");
        }

        await campaigns.GetAsync(campaignId, ct);
        var viewerId = caller.Role switch
        {
            Role.Member => caller.MemberId!,
            Role.Leader => caller.LeaderId!,
            _ => "v_" + Ids.Random(16),
        };
        // The real-time identity is scoped to the campaign: group membership is per user in the Service, and a member
        // who watched another campaign must not receive its events here. The Service's connection events carry this
        // user id, which is how they are mapped to the campaign (LiveRoomServiceConnections.CampaignOfUser).
        var result = await transport.NegotiateAsync(campaignId, $"{viewerId}@{campaignId}", requestBase, ct);
        return new Negotiated(result.Url, result.AccessToken, viewerId);
    }

    /// <summary>
    /// Viewers: client connections to the campaign's room now, on any instance — the embedded hub's connections
    /// (<see cref="LiveRoomPresence"/>) or, on Azure SignalR Service, the connections its upstream events reported
    /// (<see cref="LiveRoomServiceConnections"/>). A negotiation that never connects does not count.
    /// </summary>
    public Task<int> CountViewersAsync(string campaignId, CancellationToken ct) =>
        transport is AzureSignalRTransport ? ServiceConnections.CountAsync(campaignId, ct) : Presence.CountAsync(campaignId, ct);

    public async Task BroadcastViewerCountAsync(string campaignId, CancellationToken ct) =>
        await broadcaster.SendAsync(campaignId, "viewerCount", new { count = await CountViewersAsync(campaignId, ct) }, ct);

    // ----- comments -----

    public async Task<Comment> CommentAsync(Caller caller, string campaignId, string? text, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        var body = new Validator();
        var clean = body.Text("text", text, MaxCommentLength);
        var campaign = await campaigns.GetAsync(campaignId, ct);
        if (campaign.Phase is not (CampaignPhase.Preheat or CampaignPhase.Live))
        {
            throw AppProblem.Conflict(ProblemCodes.NotLive, "Comments are closed", $"Comments are open during preheat and live; the campaign is {Campaign.Wire(campaign.Phase)}.");
        }

        body.ThrowIfInvalid();
        await ConsumeCommentAllowanceAsync(campaignId, caller.MemberId!, ct);
        var now = clock.GetUtcNow();
        var comment = new Comment($"{campaignId}-c{Ids.Random(12)}", Names.Mask(caller.Name ?? "邻居"), clean, now, null, null);
        await tables.InsertAsync(Table, new TableEntity(campaignId, CommentRow(comment.CommentId, now))
        {
            ["Kind"] = "comment", ["CommentId"] = comment.CommentId, ["MemberId"] = caller.MemberId, ["MaskedName"] = comment.MaskedName, ["Text"] = clean, ["At"] = now,
        }, ct);
        await broadcaster.SendAsync(campaignId, "commentPosted", new { comment.CommentId, comment.MaskedName, comment.Text }, ct);
        return comment;
    }

    /// <summary>The per-member allowance, kept in storage with If-Match so it holds across instances.</summary>
    private async Task ConsumeCommentAllowanceAsync(string campaignId, string memberId, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var row = await tables.GetAsync(Table, campaignId, "rl_" + memberId, cancellationToken: ct);
            var recent = (row?.GetString("Recent") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(t => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(t, CultureInfo.InvariantCulture)))
                .Where(t => now - t < CommentWindow).OrderBy(t => t).ToList();
            TimeSpan? wait = recent.Count >= CommentsPerWindow ? recent[^CommentsPerWindow] + CommentWindow - now
                : recent.Count > 0 && now - recent[^1] < CommentGap ? recent[^1] + CommentGap - now : null;
            if (wait is { } w)
            {
                throw new AppProblem(ProblemCodes.RateLimited, "Slow down", $"At most {CommentsPerWindow} comments per {CommentWindow.TotalSeconds:F0} s and one every {CommentGap.TotalSeconds:F0} s; try again in {Math.Ceiling(w.TotalSeconds):F0} s.")
                {
                    RetryAfter = w,
                };
            }

            recent.Add(now);
            var updated = new TableEntity(campaignId, "rl_" + memberId) { ["Kind"] = "rate", ["Recent"] = string.Join(',', recent.Select(t => t.ToUnixTimeMilliseconds())) };
            try
            {
                if (row is null)
                {
                    await tables.InsertAsync(Table, updated, ct);
                }
                else
                {
                    await tables.UpdateAsync(Table, updated, TableUpdateMode.Replace, row.ETag!, ct);
                }

                return;
            }
            catch (Exception ex) when (ex is ConcurrencyException or StorageConflictException && attempt < 5)
            {
                // Two comments of the same member raced: re-read and decide again.
            }
        }
    }

    public async Task<Comment> AnswerAsync(Caller caller, string campaignId, string commentId, string? text, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var v = new Validator();
        var answer = v.Text("text", text, MaxAnswerLength);
        v.ThrowIfInvalid();
        var row = await FindCommentAsync(campaignId, commentId, ct) ?? throw AppProblem.NotFound("comment", commentId);
        row["Answer"] = answer;
        row["AnsweredAt"] = clock.GetUtcNow();
        row["AnsweredBy"] = caller.LeaderId ?? "admin";
        await tables.UpdateAsync(Table, row, TableUpdateMode.Replace, "*", ct);
        await broadcaster.SendAsync(campaignId, "commentAnswered", new { commentId, text = answer }, ct);
        return ToComment(row);
    }

    public async Task<IReadOnlyList<Comment>> RecentCommentsAsync(string campaignId, int take, CancellationToken ct)
    {
        await campaigns.GetAsync(campaignId, ct);
        var rows = await tables.QueryAsync(Table, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith("c_")), ct).ToListAsync(ct);
        return rows.OrderByDescending(r => r.RowKey, StringComparer.Ordinal).Take(Math.Clamp(take, 1, 200)).Reverse().Select(ToComment).ToList();
    }

    private async Task<TableEntity?> FindCommentAsync(string campaignId, string commentId, CancellationToken ct)
    {
        if (!commentId.StartsWith(campaignId + "-c", StringComparison.Ordinal))
        {
            return null;
        }

        var rows = await tables.QueryAsync(Table, TableQuery.Partition(campaignId, TableFilter.And(TableFilter.RowKeyStartsWith("c_"), TableFilter.Equal("CommentId", commentId))), ct).ToListAsync(ct);
        return rows.FirstOrDefault();
    }

    private static string CommentRow(string commentId, DateTimeOffset at) =>
        $"c_{at.ToUnixTimeMilliseconds().ToString("D15", CultureInfo.InvariantCulture)}_{commentId[(commentId.LastIndexOf('-') + 1)..]}";

    private static Comment ToComment(TableEntity r) => new(r.RequireString("CommentId"), r.GetString("MaskedName") ?? "**", r.GetString("Text") ?? string.Empty,
        r.GetDateTimeOffset("At") ?? default, r.GetString("Answer"), r.GetDateTimeOffset("AnsweredAt"));

    // ----- polls -----

    public async Task<Poll> OpenPollAsync(Caller caller, string campaignId, string? question, IReadOnlyList<string?>? options, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var v = new Validator();
        var q = v.Text("question", question, 100);
        var opts = new List<string>();
        if (options is null || options.Count is < 2 or > 6)
        {
            v.Add("options", "A poll has 2 to 6 options.");
        }
        else
        {
            for (var i = 0; i < options.Count; i++)
            {
                opts.Add(v.Text($"options[{i}]", options[i], 40));
            }

            if (opts.Distinct(StringComparer.Ordinal).Count() != opts.Count)
            {
                v.Add("options", "Options must differ from each other.");
            }
        }

        v.ThrowIfInvalid();
        var poll = new Poll($"{campaignId}-p{Ids.Random(10)}", q, opts, new int[opts.Count], true, clock.GetUtcNow());
        await tables.InsertAsync(Table, new TableEntity(campaignId, PollRow(poll.PollId))
        {
            ["Kind"] = "poll", ["PollId"] = poll.PollId, ["Question"] = q, ["Options"] = JsonSerializer.Serialize(opts), ["Open"] = true, ["CreatedAt"] = poll.CreatedAt,
        }, ct);
        await broadcaster.SendAsync(campaignId, "pollOpened", PollPayload(poll), ct);
        return poll;
    }

    public async Task VoteAsync(Caller caller, string campaignId, string pollId, int? option, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(campaignId, "campaign");
        var row = await tables.GetAsync(Table, campaignId, PollRow(pollId), cancellationToken: ct) ?? throw AppProblem.NotFound("poll", pollId);
        var poll = ToPoll(row, []);
        if (option is null || option < 0 || option >= poll.Options.Count)
        {
            throw AppProblem.Validation("option", $"option is the 0-based index of an option: 0 to {poll.Options.Count - 1}.");
        }

        if (!poll.IsOpen)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Poll closed", "This poll is closed; votes are no longer taken.");
        }

        try
        {
            await tables.InsertAsync(Table, new TableEntity(campaignId, VoteRow(pollId, caller.MemberId!)) { ["Kind"] = "vote", ["Option"] = option.Value, ["At"] = clock.GetUtcNow() }, ct);
        }
        catch (StorageConflictException)
        {
            throw AppProblem.Conflict(ProblemCodes.AlreadyVoted, "Already voted", "You have already voted in this poll; one vote per member.");
        }

        SchedulePollUpdate(campaignId, pollId);
    }

    public async Task<Poll> ClosePollAsync(Caller caller, string campaignId, string pollId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var row = await tables.GetAsync(Table, campaignId, PollRow(pollId), cancellationToken: ct) ?? throw AppProblem.NotFound("poll", pollId);
        if (row.GetBoolean("Open") == true)
        {
            row["Open"] = false;
            row["ClosedAt"] = clock.GetUtcNow();
            await tables.UpdateAsync(Table, row, TableUpdateMode.Replace, "*", ct);
        }

        // Counted after the close is stored: a vote racing the close is either in the count or refused.
        var poll = ToPoll(row, await CountVotesAsync(campaignId, pollId, ToPoll(row, []).Options.Count, ct));
        await broadcaster.SendAsync(campaignId, "pollClosed", PollPayload(poll), ct);
        return poll;
    }

    public async Task<IReadOnlyList<Poll>> PollsAsync(string campaignId, CancellationToken ct)
    {
        await campaigns.GetAsync(campaignId, ct);
        var rows = await tables.QueryAsync(Table, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith("p_")), ct).ToListAsync(ct);
        var polls = new List<Poll>();
        foreach (var row in rows.OrderBy(r => r.GetDateTimeOffset("CreatedAt")))
        {
            var shape = ToPoll(row, []);
            polls.Add(ToPoll(row, await CountVotesAsync(campaignId, shape.PollId, shape.Options.Count, ct)));
        }

        return polls;
    }

    /// <summary>Live counts go out at most every 250 ms per poll, counted from the stored votes.</summary>
    private void SchedulePollUpdate(string campaignId, string pollId)
    {
        if (!_pollUpdatesPending.TryAdd(pollId, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), clock);
                _pollUpdatesPending.TryRemove(pollId, out _);
                var row = await tables.GetAsync(Table, campaignId, PollRow(pollId));
                if (row is not null)
                {
                    var shape = ToPoll(row, []);
                    await broadcaster.SendAsync(campaignId, "pollUpdated", PollPayload(ToPoll(row, await CountVotesAsync(campaignId, pollId, shape.Options.Count, CancellationToken.None))), CancellationToken.None);
                }
            }
            catch (Exception ex)
            {
                _pollUpdatesPending.TryRemove(pollId, out _);
                logger.LogWarning(ex, "Poll {PollId}: live count update failed", pollId);
            }
        });
    }

    private async Task<int[]> CountVotesAsync(string campaignId, string pollId, int options, CancellationToken ct)
    {
        var counts = new int[options];
        var query = TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(VoteRow(pollId, string.Empty))) with { Select = ["Option"] };
        await foreach (var vote in tables.QueryAsync(Table, query, ct))
        {
            if (vote.GetInt32("Option") is { } o && o >= 0 && o < options)
            {
                counts[o]++;
            }
        }

        return counts;
    }

    private static string PollRow(string pollId) => "p_" + pollId[(pollId.LastIndexOf('-') + 1)..];

    private static string VoteRow(string pollId, string memberId) => $"v_{pollId[(pollId.LastIndexOf('-') + 1)..]}_{memberId}";

    private static Poll ToPoll(TableEntity r, IReadOnlyList<int> counts)
    {
        var options = JsonSerializer.Deserialize<List<string>>(r.GetString("Options") ?? "[]") ?? [];
        return new Poll(r.RequireString("PollId"), r.GetString("Question") ?? string.Empty, options, counts.Count == options.Count ? counts : new int[options.Count],
            r.GetBoolean("Open") ?? false, r.GetDateTimeOffset("CreatedAt") ?? default);
    }

    private static object PollPayload(Poll p) => new { p.PollId, p.Question, p.Options, p.Counts };

    // ----- pins and flash sales (through the campaign's desk: they change the campaign row) -----

    public async Task<Campaign> PinAsync(Caller caller, string campaignId, string? itemId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        if (string.IsNullOrWhiteSpace(itemId))
        {
            throw AppProblem.Validation("itemId", "itemId is required.");
        }

        return await desks.SubmitAsync(campaignId, new PinItemCommand { ItemId = itemId });
    }

    public async Task<FlashSale> StartFlashSaleAsync(Caller caller, string campaignId, string? itemId, int? quantity, long? priceFen, int? durationSeconds, int? firstNGift, string? giftName, string? idempotencyKey, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var v = new Validator();
        if (string.IsNullOrWhiteSpace(itemId))
        {
            v.Add("itemId", "itemId is required.");
        }

        if (quantity is null)
        {
            v.Add("quantity", "quantity is required.");
        }

        if (priceFen is null)
        {
            v.Add("priceFen", "priceFen is required.");
        }

        if (durationSeconds is not (>= 10 and <= 3600))
        {
            v.Add("durationSeconds", "durationSeconds must be between 10 and 3600.");
        }

        v.ThrowIfInvalid();
        var key = Idempotency.Normalize(idempotencyKey);
        var flashSaleId = key is null ? $"{campaignId}-f{Ids.Random(10)}" : $"{campaignId}-f{Idempotency.Derive(campaignId, key, 10)}";
        return await desks.SubmitAsync(campaignId, new StartFlashSaleCommand
        {
            FlashSaleId = flashSaleId, ItemId = itemId!, Quantity = quantity!.Value, PriceFen = priceFen!.Value, DurationSeconds = durationSeconds!.Value, FirstNGift = firstNGift ?? 0, GiftName = giftName,
        });
    }

    /// <summary>
    /// 补货 (leader of the store, admin): <paramref name="quantity"/> more units of an item while live; its waitlist is
    /// served first. With an Idempotency-Key a retry adds nothing more and answers the first; without one every call adds.
    /// Answers the restock and the campaign after it.
    /// </summary>
    public async Task<(Restock Restock, Campaign Campaign)> RestockAsync(Caller caller, string campaignId, string itemId, int? quantity, string? idempotencyKey, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        if (quantity is null)
        {
            throw AppProblem.Validation("quantity", $"quantity is required: 1 to {Campaign.MaxRestockQuantity} more units.");
        }

        var key = Idempotency.Normalize(idempotencyKey);
        var restockId = key is null ? $"r{Ids.Random(10)}" : $"r{Idempotency.Derive(campaignId, "restock:" + key, 10)}";
        var restock = await desks.SubmitAsync(campaignId, new RestockItemCommand { RestockId = restockId, ItemId = itemId, Quantity = quantity.Value });
        return (restock, await campaigns.GetAsync(campaignId, ct));
    }

    /// <summary>The leader ends a flash sale early; ending an ended one answers it as it is. 404 when there is no such sale.</summary>
    public async Task<FlashSale> EndFlashSaleAsync(Caller caller, string campaignId, string flashSaleId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        return await desks.SubmitAsync(campaignId, new EndFlashSaleCommand { FlashSaleId = flashSaleId }) ?? throw AppProblem.NotFound("flash sale", flashSaleId);
    }
}
