using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Chains;
using ServerlessCommerce.Common;
using ServerlessCommerce.Identity;
using ServerlessCommerce.LiveRoom;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Gatherings;

/// <summary>A gathering as everyone may read it (no member names): the counts and whether sign-up is still open.</summary>
public sealed record GatheringView(
    string GatheringId, string ChainId, string StoreId, string? StoreName, string Title, string? Description, string Place,
    DateTimeOffset StartAt, DateTimeOffset EndAt, int Capacity, DateTimeOffset SignupDeadline, string Status,
    int Confirmed, int Waiting, int SeatsLeft, bool SignupOpen, string? CampaignId, string? TimeZone)
{
    public static GatheringView From(Gathering g, DateTimeOffset now, string? storeName, string? timeZone) => new(
        g.GatheringId, g.ChainId, g.StoreId, storeName, g.Title, g.Description, g.Place, g.StartAt, g.EndAt, g.Capacity, g.SignupDeadline, g.Status,
        g.Confirmed, g.Waiting, Math.Max(0, g.Capacity - g.Confirmed), g.Status == Gathering.Open && now <= g.SignupDeadline && now < g.StartAt, g.CampaignId, timeZone);
}

/// <summary>
/// Her own sign-up: <c>status</c> is <c>confirmed</c>, <c>waitlisted</c> (with her 1-based place) or <c>none</c>; the
/// check-in code only while confirmed (private: served with no-store, to her alone).
/// </summary>
public sealed record MySignup(string GatheringId, string Status, int? WaitlistPosition, string? CheckInCode, DateTimeOffset? SignedUpAt, DateTimeOffset? CheckedInAt);

/// <summary>One line of the leader's attendee list: masked phone only.</summary>
public sealed record Attendee(string MemberId, string Name, string? MaskedPhone, string Status, int? WaitlistPosition, DateTimeOffset SignedUpAt, DateTimeOffset? CheckedInAt);

/// <summary>What a check-in answers.</summary>
public sealed record CheckInResult(string GatheringId, string MemberId, string Name, DateTimeOffset CheckedInAt);

/// <summary>
/// Offline gatherings (线下活动): create, edit, cancel, sign-up with a waitlist (候补), cancellation that promotes the
/// first waiting member, check-in by a private code, and the announcement into a campaign's live room.
/// Every counter change is one entity-group transaction in the gathering's partition, conditional on the gathering
/// row's ETag: two sign-ups for the last seat on two instances cannot both commit, and a retried cancel finds its
/// sign-up gone and promotes no one a second time.
/// </summary>
public sealed class GatheringService(
    ITableStore tables, ChainService chains, CampaignService campaigns, LiveRoomBroadcaster broadcaster, CheckInCodes codes,
    Messaging.IMessageSender sender, TimeProvider clock, ILogger<GatheringService> logger)
{
    private const int MaxAttempts = 40;

    public async Task<CreateResult<Gathering>> CreateAsync(Caller caller, string storeId, GatheringDraft? draft, string? idempotencyKey, CancellationToken ct)
    {
        var chainId = await RequireStoreStaffAsync(caller, storeId, ct);
        var key = Idempotency.Normalize(idempotencyKey);
        if (draft is null)
        {
            throw AppProblem.Validation("body", "Send the gathering as a JSON object.");
        }

        var now = clock.GetUtcNow();
        var v = new Validator();
        var title = v.Text("title", draft.Title, GatheringRules.MaxTitleLength);
        var description = v.OptionalText("description", draft.Description, GatheringRules.MaxDescriptionLength);
        var place = v.Text("place", draft.Place, GatheringRules.MaxPlaceLength);
        var (start, end, deadline) = ValidateTimes(v, draft.StartAt, draft.EndAt, draft.SignupDeadline, now);
        var capacity = ValidateCapacity(v, draft.Capacity, 0);
        v.ThrowIfInvalid();

        var gatheringId = key is null ? Ids.New(chainId, 'g') : Ids.For(chainId, 'g', key);
        var gathering = new Gathering(gatheringId, chainId, storeId, title, description, place, start, end, capacity, deadline, Gathering.Open, 0, 0, 1, null, now);
        var row = GatheringTables.ToEntity(gathering);
        row["RequestHash"] = Idempotency.Fingerprint(new { storeId, title, description, place, start, end, capacity, deadline });
        var replayed = false;
        try
        {
            await tables.InsertAsync(GatheringTables.Gatherings, row, ct);
            logger.LogInformation("Gathering {GatheringId} created for store {StoreId} ({Capacity} seats)", gatheringId, storeId, capacity);
        }
        catch (StorageConflictException) when (key is not null)
        {
            var existing = await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.GatheringRow, cancellationToken: ct);
            if (existing is null || existing.GetString("RequestHash") != row.GetString("RequestHash"))
            {
                throw Idempotency.Conflict();
            }

            gathering = GatheringTables.ToGathering(existing);
            replayed = true;
        }

        // The list and the reminder timer read these rows; writing them again on a retry repairs a first attempt that stopped here.
        await WriteIndexesAsync(gathering, ct);
        return new CreateResult<Gathering>(gathering, null, replayed);
    }

    public async Task<IReadOnlyList<Gathering>> ListAsync(Caller caller, string storeId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader, Role.Member).RequireChainOf(storeId, "store");
        var chainId = Ids.ChainOf(storeId)!;
        if (await chains.FindStoreAsync(chainId, storeId, ct) is null)
        {
            throw AppProblem.NotFound("store", storeId);
        }

        var ids = await tables.QueryAsync(GatheringTables.Gatherings, TableQuery.Partition(GatheringTables.StorePartition(storeId)), ct)
            .OrderByDescending(r => r.GetDateTimeOffset("StartAt")).Take(GatheringRules.MaxListed).Select(r => r.RowKey).ToListAsync(ct);
        var list = new List<Gathering>(ids.Count);
        foreach (var id in ids)
        {
            if (await FindAsync(id, ct) is { } g)
            {
                list.Add(g);
            }
        }

        return list;
    }

    /// <summary>The gathering (public: no names); 404 when there is none.</summary>
    public async Task<Gathering> GetAsync(string gatheringId, CancellationToken ct) =>
        await FindAsync(gatheringId, ct) ?? throw AppProblem.NotFound("gathering", gatheringId);

    public async Task<GatheringView> ViewAsync(Gathering g, CancellationToken ct)
    {
        var store = await chains.FindStoreAsync(g.ChainId, g.StoreId, ct);
        var chain = await chains.GetChainAsync(g.ChainId, ct);
        return GatheringView.From(g, clock.GetUtcNow(), store?.Name, chain.TimeZone);
    }

    /// <summary>
    /// Edits any field (its store's leader, the admin) while the gathering is open and has not started. Capacity never goes
    /// below the seats taken; raising it promotes waiting members into the new seats in the same transaction.
    /// </summary>
    public async Task<Gathering> EditAsync(Caller caller, string gatheringId, GatheringDraft? patch, CancellationToken ct)
    {
        if (patch is null)
        {
            throw AppProblem.Validation("body", "Send the fields to change as a JSON object.");
        }

        for (var attempt = 1; ; attempt++)
        {
            var (current, row) = await GetForStaffAsync(caller, gatheringId, ct);
            var now = clock.GetUtcNow();
            if (current.Status != Gathering.Open || now >= current.StartAt)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Cannot edit", "Only an open gathering that has not started can be edited.");
            }

            var v = new Validator();
            var title = patch.Title is null ? current.Title : v.Text("title", patch.Title, GatheringRules.MaxTitleLength);
            var description = patch.Description is null ? current.Description : v.OptionalText("description", patch.Description, GatheringRules.MaxDescriptionLength);
            var place = patch.Place is null ? current.Place : v.Text("place", patch.Place, GatheringRules.MaxPlaceLength);
            var (start, end, deadline) = ValidateTimes(v, patch.StartAt ?? current.StartAt, patch.EndAt ?? current.EndAt,
                patch.SignupDeadline ?? (patch.StartAt is null ? current.SignupDeadline : null), now, deadlineKept: patch.SignupDeadline is null && patch.StartAt is null);
            var capacity = patch.Capacity is null ? current.Capacity : ValidateCapacity(v, patch.Capacity, current.Confirmed);
            v.ThrowIfInvalid();

            var promote = capacity > current.Confirmed && current.Waiting > 0
                ? await WaitingAsync(gatheringId, Math.Min(capacity - current.Confirmed, 90), ct)
                : [];
            var edited = current with
            {
                Title = title, Description = description, Place = place, StartAt = start, EndAt = end, SignupDeadline = deadline, Capacity = capacity,
                Confirmed = current.Confirmed + promote.Count, Waiting = current.Waiting - promote.Count,
            };
            var ops = new List<TableOperation> { TableOperation.Merge(GatheringTables.ToEntity(edited), row.ETag!) };
            ops.AddRange(promote.Select(p => TableOperation.Merge(Promoted(p.Signup, now), p.ETag)));
            try
            {
                await tables.SubmitTransactionAsync(GatheringTables.Gatherings, ops, ct);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404 && attempt < MaxAttempts)
            {
                continue; // a sign-up or cancel came first: edit what is there now
            }

            await WriteIndexesAsync(edited, ct);
            await TellPromotedAsync(edited, promote.Select(p => p.Signup), ct);
            logger.LogInformation("Gathering {GatheringId} edited; {Promoted} waiting members promoted", gatheringId, promote.Count);
            return edited;
        }
    }

    /// <summary>Cancels the gathering (its store's leader, the admin): no more sign-ups, no reminders. Again → 200 as it is.</summary>
    public async Task<Gathering> CancelAsync(Caller caller, string gatheringId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (current, row) = await GetForStaffAsync(caller, gatheringId, ct);
            if (current.Status == Gathering.Cancelled)
            {
                await WriteIndexesAsync(current, ct);
                return current;
            }

            var cancelled = current with { Status = Gathering.Cancelled };
            try
            {
                await tables.UpdateAsync(GatheringTables.Gatherings, new TableEntity(gatheringId, GatheringTables.GatheringRow) { ["Status"] = Gathering.Cancelled },
                    TableUpdateMode.Merge, row.ETag!, ct);
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                continue;
            }

            await WriteIndexesAsync(cancelled, ct);
            logger.LogInformation("Gathering {GatheringId} cancelled", gatheringId);
            return cancelled;
        }
    }

    /// <summary>
    /// 报名 (member of the chain): a seat while there is one, else the waitlist (候补). Signing up again answers her place
    /// as it is (<c>Created</c> false). Closed after the deadline, once started or cancelled (409 <c>signup-closed</c>);
    /// a full waitlist → 409 <c>waitlist-full</c>.
    /// </summary>
    public async Task<(MySignup Signup, bool Created)> SignUpAsync(Caller caller, string gatheringId, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(gatheringId, "gathering");
        var memberId = caller.MemberId!;
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.GatheringRow, cancellationToken: ct)
                      ?? throw AppProblem.NotFound("gathering", gatheringId);
            var g = GatheringTables.ToGathering(row);
            if (await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.SignupRow(memberId), cancellationToken: ct) is { } existing)
            {
                return (await MineAsync(GatheringTables.ToSignup(existing), ct), false);
            }

            var now = clock.GetUtcNow();
            if (g.Status != Gathering.Open || now > g.SignupDeadline || now >= g.StartAt)
            {
                throw AppProblem.Conflict("signup-closed", "Sign-up closed",
                    g.Status == Gathering.Cancelled ? "This gathering was cancelled." : "Sign-up for this gathering has closed.");
            }

            var seat = g.Confirmed < g.Capacity;
            if (!seat && g.Waiting >= GatheringRules.MaxWaitlist)
            {
                throw AppProblem.Conflict("waitlist-full", "Waitlist full", $"Every seat is taken and {GatheringRules.MaxWaitlist} members are already waiting.");
            }

            var nonce = Ids.Random(16);
            var signup = new GatheringSignup(gatheringId, memberId, caller.Name ?? string.Empty, caller.MaskedPhone,
                seat ? GatheringSignup.ConfirmedStatus : GatheringSignup.WaitlistedStatus, g.NextSeq, nonce, now, seat ? now : null, null);
            var counters = new TableEntity(gatheringId, GatheringTables.GatheringRow)
            {
                ["Confirmed"] = g.Confirmed + (seat ? 1 : 0), ["Waiting"] = g.Waiting + (seat ? 0 : 1), ["NextSeq"] = g.NextSeq + 1,
            };
            var code = codes.Code(gatheringId, memberId, nonce);
            try
            {
                await tables.SubmitTransactionAsync(GatheringTables.Gatherings,
                [
                    TableOperation.Merge(counters, row.ETag!),
                    TableOperation.Insert(GatheringTables.ToEntity(signup)),
                    TableOperation.Insert(new TableEntity(gatheringId, GatheringTables.CodeRow(codes.Hash(gatheringId, code))) { ["MemberId"] = memberId }),
                ], ct);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another sign-up took the counters first (412), she signed up in parallel (409 on her row: read it next
                // round) or, rarely, her code's index row collided (409: a new nonce next round).
                continue;
            }

            logger.LogInformation("Member {MemberId} signed up for gathering {GatheringId}: {Status}", memberId, gatheringId, signup.Status);
            return (await MineAsync(signup, ct), true);
        }
    }

    /// <summary>
    /// Cancels her sign-up. A confirmed seat freed while members wait goes to the first of them in the same transaction, so
    /// a retried or parallel cancel never promotes twice. Not signed up → done (idempotent).
    /// </summary>
    public async Task CancelSignupAsync(Caller caller, string gatheringId, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(gatheringId, "gathering");
        var memberId = caller.MemberId!;
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.GatheringRow, cancellationToken: ct)
                      ?? throw AppProblem.NotFound("gathering", gatheringId);
            var g = GatheringTables.ToGathering(row);
            var mine = await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.SignupRow(memberId), cancellationToken: ct);
            if (mine is null)
            {
                return;
            }

            var signup = GatheringTables.ToSignup(mine);
            if (signup.CheckedInAt is not null)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Already checked in", "You were checked in at this gathering; the sign-up cannot be cancelled any more.");
            }

            var now = clock.GetUtcNow();
            var confirmed = signup.Status == GatheringSignup.ConfirmedStatus;
            var next = confirmed && g.Waiting > 0 && g.Status == Gathering.Open && now < g.StartAt ? await WaitingAsync(gatheringId, 1, ct) : [];
            var counters = new TableEntity(gatheringId, GatheringTables.GatheringRow)
            {
                ["Confirmed"] = g.Confirmed - (confirmed ? 1 : 0) + next.Count,
                ["Waiting"] = g.Waiting - (confirmed ? 0 : 1) - next.Count,
            };
            var ops = new List<TableOperation>
            {
                TableOperation.Merge(counters, row.ETag!),
                TableOperation.Delete(gatheringId, mine.RowKey, mine.ETag!),
                TableOperation.Delete(gatheringId, GatheringTables.CodeRow(codes.Hash(gatheringId, codes.Code(gatheringId, memberId, signup.Nonce)))),
            };
            ops.AddRange(next.Select(p => TableOperation.Merge(Promoted(p.Signup, now), p.ETag)));
            try
            {
                await tables.SubmitTransactionAsync(GatheringTables.Gatherings, ops, ct);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 404 or 409 or 412 && attempt < MaxAttempts)
            {
                continue; // something moved first: decide again on what is there now (her row gone → done)
            }

            logger.LogInformation("Member {MemberId} cancelled the sign-up for gathering {GatheringId}; {Promoted} promoted", memberId, gatheringId, next.Count);
            await TellPromotedAsync(g, next.Select(p => p.Signup), ct);
            return;
        }
    }

    /// <summary>Her own sign-up (status, waitlist place, check-in code while confirmed).</summary>
    public async Task<MySignup> MineAsync(Caller caller, string gatheringId, CancellationToken ct)
    {
        caller.Require(Role.Member).RequireChainOf(gatheringId, "gathering");
        await GetAsync(gatheringId, ct);
        var row = await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.SignupRow(caller.MemberId!), cancellationToken: ct);
        return row is null ? new MySignup(gatheringId, "none", null, null, null, null) : await MineAsync(GatheringTables.ToSignup(row), ct);
    }

    /// <summary>Everyone signed up, seats first then the waitlist in order (its store's leader, the admin).</summary>
    public async Task<IReadOnlyList<Attendee>> AttendeesAsync(Caller caller, string gatheringId, CancellationToken ct)
    {
        await GetForStaffAsync(caller, gatheringId, ct);
        var signups = await SignupsAsync(gatheringId, ct);
        var waiting = 0;
        return signups.OrderBy(s => s.Status == GatheringSignup.ConfirmedStatus ? 0 : 1).ThenBy(s => s.Seq)
            .Select(s => new Attendee(s.MemberId, s.Name, s.MaskedPhone, s.Status, s.Status == GatheringSignup.WaitlistedStatus ? ++waiting : null, s.SignedUpAt, s.CheckedInAt))
            .ToList();
    }

    /// <summary>
    /// 签到 (its store's leader, the admin) with the code she shows: once per attendee (again → 409
    /// <c>already-checked-in</c>), wrong code → 400 <c>wrong-check-in-code</c>, outside the check-in window or still
    /// waitlisted → 409 <c>invalid-transition</c>. The attendance row the CRM counts is written once (a retry repairs it).
    /// </summary>
    public async Task<CheckInResult> CheckInAsync(Caller caller, string gatheringId, string? code, CancellationToken ct)
    {
        var (g, _) = await GetForStaffAsync(caller, gatheringId, ct);
        var trimmed = code?.Trim();
        if (!CheckInCodes.LooksValid(trimmed))
        {
            throw AppProblem.Validation("code", "code must be the 8 digits of her check-in code.");
        }

        var now = clock.GetUtcNow();
        if (g.Status != Gathering.Open || now < g.StartAt - GatheringRules.CheckInEarly || now > g.EndAt + GatheringRules.CheckInLate)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Check-in not open",
                $"Check-in opens {GatheringRules.CheckInEarly.TotalHours:0} h before the start and closes {GatheringRules.CheckInLate.TotalHours:0} h after the end of an open gathering.");
        }

        for (var attempt = 1; ; attempt++)
        {
            var index = await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.CodeRow(codes.Hash(gatheringId, trimmed!)), cancellationToken: ct);
            var row = index?.GetString("MemberId") is { } memberId
                ? await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.SignupRow(memberId), cancellationToken: ct)
                : null;
            if (row is null || codes.Code(gatheringId, row.RequireString("MemberId"), row.GetString("Nonce") ?? string.Empty) != trimmed)
            {
                throw new AppProblem(ProblemCodes.WrongCheckInCode, "Wrong check-in code", "No one signed up for this gathering has this check-in code.");
            }

            var signup = GatheringTables.ToSignup(row);
            if (signup.CheckedInAt is { } at)
            {
                await RecordAttendanceAsync(g, signup.MemberId, at, ct);
                throw AppProblem.Conflict("already-checked-in", "Already checked in", $"{signup.Name} was already checked in.");
            }

            if (signup.Status != GatheringSignup.ConfirmedStatus)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Still waitlisted", "This member is on the waitlist and has no seat yet.");
            }

            try
            {
                await tables.UpdateAsync(GatheringTables.Gatherings, new TableEntity(gatheringId, row.RowKey) { ["CheckedInAt"] = now }, TableUpdateMode.Merge, row.ETag!, ct);
            }
            catch (Exception ex) when (ex is ConcurrencyException or StorageNotFoundException && attempt < MaxAttempts)
            {
                continue;
            }

            await RecordAttendanceAsync(g, signup.MemberId, now, ct);
            logger.LogInformation("Member {MemberId} checked in at gathering {GatheringId}", signup.MemberId, gatheringId);
            return new CheckInResult(gatheringId, signup.MemberId, signup.Name, now);
        }
    }

    /// <summary>
    /// Announces the gathering in the campaign's live room (its store's leader, the admin; the gathering must be the same
    /// store's and open): recorded for viewers who join later, and sent now as <c>gatheringAnnounced</c>. Again → sent again.
    /// </summary>
    public async Task<GatheringView> AnnounceAsync(Caller caller, string campaignId, string gatheringId, CancellationToken ct)
    {
        var campaign = await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var (g, row) = await GetForStaffAsync(caller, gatheringId, ct);
        if (g.StoreId != campaign.StoreId)
        {
            throw AppProblem.NotFound("gathering", gatheringId); // another store's: no telling
        }

        if (g.Status != Gathering.Open)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Cancelled", "A cancelled gathering cannot be announced.");
        }

        await tables.UpsertAsync(GatheringTables.Gatherings, new TableEntity(GatheringTables.CampaignPartition(campaignId), gatheringId) { ["AnnouncedAt"] = clock.GetUtcNow() },
            TableUpdateMode.Replace, ct);
        if (g.CampaignId != campaignId)
        {
            await tables.UpdateAsync(GatheringTables.Gatherings, new TableEntity(gatheringId, GatheringTables.GatheringRow) { ["CampaignId"] = campaignId }, TableUpdateMode.Merge, "*", ct);
            g = g with { CampaignId = campaignId };
        }

        var view = await ViewAsync(g, ct);
        await broadcaster.SendAsync(campaignId, "gatheringAnnounced", view, ct);
        logger.LogInformation("Gathering {GatheringId} announced in campaign {CampaignId}", gatheringId, campaignId);
        return view;
    }

    /// <summary>The gatherings announced in a campaign's live room (public), latest start first.</summary>
    public async Task<IReadOnlyList<Gathering>> AnnouncedAsync(string campaignId, CancellationToken ct)
    {
        await campaigns.GetAsync(campaignId, ct);
        var ids = await tables.QueryAsync(GatheringTables.Gatherings, TableQuery.Partition(GatheringTables.CampaignPartition(campaignId)), ct)
            .Take(20).Select(r => r.RowKey).ToListAsync(ct);
        var list = new List<Gathering>();
        foreach (var id in ids)
        {
            if (await FindAsync(id, ct) is { } g)
            {
                list.Add(g);
            }
        }

        return list.OrderByDescending(g => g.StartAt).ToList();
    }

    /// <summary>Every sign-up of the gathering (≤ capacity + waitlist rows).</summary>
    internal async Task<List<GatheringSignup>> SignupsAsync(string gatheringId, CancellationToken ct) =>
        await tables.QueryAsync(GatheringTables.Gatherings, TableQuery.Partition(gatheringId, TableFilter.RowKeyStartsWith(GatheringTables.SignupPrefix)), ct)
            .Select(GatheringTables.ToSignup).ToListAsync(ct);

    private async Task<Gathering?> FindAsync(string gatheringId, CancellationToken ct) =>
        Ids.ChainOf(gatheringId) is not null && await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.GatheringRow, cancellationToken: ct) is { } row
            ? GatheringTables.ToGathering(row)
            : null;

    private async Task<(Gathering Gathering, TableEntity Row)> GetForStaffAsync(Caller caller, string gatheringId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader).RequireChainOf(gatheringId, "gathering");
        var row = await tables.GetAsync(GatheringTables.Gatherings, gatheringId, GatheringTables.GatheringRow, cancellationToken: ct)
                  ?? throw AppProblem.NotFound("gathering", gatheringId);
        var g = GatheringTables.ToGathering(row);
        if (caller.Role == Role.Leader && caller.StoreId != g.StoreId)
        {
            throw AppProblem.Forbidden("This gathering belongs to another store.");
        }

        return (g, row);
    }

    private Task<string> RequireStoreStaffAsync(Caller caller, string storeId, CancellationToken ct) =>
        chains.RequireStoreStaffAsync(caller, storeId, "gatherings", ct);

    private async Task<MySignup> MineAsync(GatheringSignup s, CancellationToken ct)
    {
        if (s.Status == GatheringSignup.ConfirmedStatus)
        {
            return new MySignup(s.GatheringId, s.Status, null, codes.Code(s.GatheringId, s.MemberId, s.Nonce), s.SignedUpAt, s.CheckedInAt);
        }

        var ahead = await tables.QueryAsync(GatheringTables.Gatherings, TableQuery.Partition(s.GatheringId, TableFilter.And(
                TableFilter.RowKeyStartsWith(GatheringTables.SignupPrefix), TableFilter.Equal("Status", GatheringSignup.WaitlistedStatus))) with { Select = ["Seq"] }, ct)
            .CountAsync(r => (r.GetInt64("Seq") ?? 0) < s.Seq, ct);
        return new MySignup(s.GatheringId, s.Status, ahead + 1, null, s.SignedUpAt, null);
    }

    /// <summary>The first <paramref name="count"/> waiting members, in sign-up order, with their rows' ETags.</summary>
    private async Task<List<(GatheringSignup Signup, string ETag)>> WaitingAsync(string gatheringId, int count, CancellationToken ct) =>
        (await tables.QueryAsync(GatheringTables.Gatherings, TableQuery.Partition(gatheringId, TableFilter.And(
                TableFilter.RowKeyStartsWith(GatheringTables.SignupPrefix), TableFilter.Equal("Status", GatheringSignup.WaitlistedStatus))), ct).ToListAsync(ct))
        .Select(r => (GatheringTables.ToSignup(r), r.ETag!)).OrderBy(p => p.Item1.Seq).Take(count).ToList();

    private static TableEntity Promoted(GatheringSignup s, DateTimeOffset now) =>
        new(s.GatheringId, GatheringTables.SignupRow(s.MemberId)) { ["Status"] = GatheringSignup.ConfirmedStatus, ["ConfirmedAt"] = now };

    private async Task WriteIndexesAsync(Gathering g, CancellationToken ct)
    {
        await tables.UpsertAsync(GatheringTables.Gatherings, GatheringTables.ToIndexEntity(g), TableUpdateMode.Replace, ct);
        if (g.Status == Gathering.Open)
        {
            await tables.UpsertAsync(GatheringTables.Gatherings, new TableEntity(GatheringTables.UpcomingPartition, g.GatheringId) { ["StartAt"] = g.StartAt }, TableUpdateMode.Replace, ct);
        }
        else
        {
            try
            {
                await tables.DeleteAsync(GatheringTables.Gatherings, GatheringTables.UpcomingPartition, g.GatheringId, cancellationToken: ct);
            }
            catch (StorageNotFoundException)
            {
            }
        }
    }

    private async Task RecordAttendanceAsync(Gathering g, string memberId, DateTimeOffset at, CancellationToken ct) =>
        await tables.UpsertAsync(GatheringTables.Gatherings, new TableEntity(GatheringTables.AttendancePartition(g.ChainId), GatheringTables.AttendanceRow(memberId, g.GatheringId))
        {
            ["MemberId"] = memberId, ["GatheringId"] = g.GatheringId, ["StoreId"] = g.StoreId, ["At"] = at,
        }, TableUpdateMode.Replace, ct);

    /// <summary>Tells each promoted member she has a seat now (best effort: her page shows it either way).</summary>
    private async Task TellPromotedAsync(Gathering g, IEnumerable<GatheringSignup> promoted, CancellationToken ct)
    {
        foreach (var s in promoted)
        {
            try
            {
                if (await tables.GetAsync(ChainTables.Members, g.ChainId, ChainTables.MemberRow(s.MemberId), ["Phone"], ct) is { } member && member.GetString("Phone") is { } phone)
                {
                    await sender.SendAsync(new Messaging.OutgoingMessage(g.ChainId, phone, GatheringRules.PromotedKind,
                        $"好消息！您候补的活动「{g.Title}」有名额了，已为您报名成功。签到码请在直播间的活动卡片查看。", null, clock.GetUtcNow()), ct);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Telling member {MemberId} of the seat at gathering {GatheringId} failed", s.MemberId, g.GatheringId);
            }
        }
    }

    private static (DateTimeOffset Start, DateTimeOffset End, DateTimeOffset Deadline) ValidateTimes(Validator v, DateTimeOffset? startAt, DateTimeOffset? endAt, DateTimeOffset? deadlineAt, DateTimeOffset now, bool deadlineKept = false)
    {
        if (startAt is not { } start)
        {
            v.Add("startAt", "startAt is required.");
            return default;
        }

        if (start <= now)
        {
            v.Add("startAt", "startAt must be in the future.");
        }
        else if (start > now + GatheringRules.MaxAhead)
        {
            v.Add("startAt", $"startAt must be within {GatheringRules.MaxAhead.TotalDays:0} days.");
        }

        if (endAt is not { } end)
        {
            v.Add("endAt", "endAt is required.");
            return (start, default, start);
        }

        if (end <= start || end - start > GatheringRules.MaxDuration)
        {
            v.Add("endAt", $"endAt must be after startAt and at most {GatheringRules.MaxDuration.TotalHours:0} h later.");
        }

        var deadline = deadlineAt ?? start;
        if (deadline > start || (deadline < now && !deadlineKept))
        {
            v.Add("signupDeadline", "signupDeadline must be between now and startAt (it defaults to startAt).");
        }

        return (start, end, deadline);
    }

    private static int ValidateCapacity(Validator v, int? capacity, int taken)
    {
        if (capacity is not (>= GatheringRules.MinCapacity and <= GatheringRules.MaxCapacity))
        {
            v.Add("capacity", $"capacity must be a whole number from {GatheringRules.MinCapacity} to {GatheringRules.MaxCapacity}.");
            return 0;
        }

        if (capacity < taken)
        {
            v.Add("capacity", $"capacity cannot go below the {taken} seats already taken.");
        }

        return capacity.Value;
    }
}
