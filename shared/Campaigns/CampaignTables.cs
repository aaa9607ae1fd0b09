using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>
/// Tables and keys of campaigns. Everything of one campaign shares <c>PartitionKey = campaignId</c> — the campaign row
/// (phase, stock counters), its orders, member tallies, reservations, history and outbox events — so one entity group
/// transaction can move stock, write orders and record their events together.
/// </summary>
public static class CampaignTables
{
    public const string Campaigns = "Campaigns";
    public const string CampaignIndex = "CampaignIndex";
    public const string MemberCampaigns = "MemberCampaigns";

    public static readonly IReadOnlyList<string> All = [Campaigns, CampaignIndex, MemberCampaigns];

    public const string CampaignRow = "campaign";
    public const string OutboxRow = "outbox";
    public const string OrderPrefix = "o_";
    public const string EventPrefix = "e_";
    public const string HistoryPrefix = "h_";
    public const string LanePrefix = "s_";

    /// <summary>The campaign row's own event stream (lanes have theirs: <see cref="StockLane.Stream"/>).</summary>
    public const string CampaignStream = "c";

    public static string LaneRow(string laneId) => LanePrefix + laneId;

    public static string OrderRow(string orderId) => OrderPrefix + orderId[(orderId.LastIndexOf('-') + 1)..];

    public static string TallyRow(string memberId) => "t_" + memberId;

    public static string ReservationRow(string memberId) => "r_" + memberId;

    public const string ReservationPrefix = "r_";

    public static string PickupCodeRow(string code) => "pc_" + code;

    /// <summary>The member's one pickup code in the campaign (one code per member per campaign, API.md <c>…/pickups</c>).</summary>
    public static string MemberCodeRow(string memberId) => "pm_" + memberId;

    public static string HistoryRow(int seq) => HistoryPrefix + seq.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>An event row of a stream: <c>e_{stream}_{seq}</c>, so each stream reads in order by key.</summary>
    public static string EventRow(string stream, long seq) => $"{EventPrefix}{stream}_{seq.ToString("D10", CultureInfo.InvariantCulture)}";

    /// <summary>The first and last possible keys of a stream's event rows.</summary>
    public static (string After, string Before) EventRange(string stream, long after) => (EventRow(stream, after), $"{EventPrefix}{stream}_~");

    public static long EventSeqOf(string rowKey) => long.Parse(rowKey[(rowKey.LastIndexOf('_') + 1)..], CultureInfo.InvariantCulture);

    /// <summary>
    /// A packed event row holds at most this many characters of events (Azure Tables: a string property ≤ 64 KiB, i.e.
    /// 32K UTF-16 characters).
    /// </summary>
    public const int MaxPackedEventChars = 30_000;

    private static readonly System.Text.Json.JsonSerializerOptions PackedJson = new(System.Text.Json.JsonSerializerOptions.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // Chinese text as is: 1 char, not 6
    };

    /// <summary>An event with its sequence number, serialised once (its length decides how events are packed into rows).</summary>
    public static PackedEvent Pack(long seq, DomainEvent e) =>
        new(seq, e, System.Text.Json.JsonSerializer.Serialize(new StoredEvent(seq, e.Id, e.Type, e.Subject, e.Time, e.Data), PackedJson));

    /// <summary>
    /// The rows of a round's events: consecutive events share a row (RowKey = the last one's <see cref="EventRow"/>, so
    /// the outbox watermark reads it as one step) up to <see cref="MaxPackedEventChars"/> characters.
    /// </summary>
    public static IEnumerable<TableEntity> PackEvents(string campaignId, string stream, IReadOnlyList<PackedEvent> events)
    {
        var row = new List<PackedEvent>();
        var chars = 0;
        foreach (var e in events)
        {
            if (row.Count > 0 && chars + e.Json.Length + 1 > MaxPackedEventChars)
            {
                yield return PackedRow(campaignId, stream, row);
                row = [];
                chars = 0;
            }

            row.Add(e);
            chars += e.Json.Length + 1;
        }

        if (row.Count > 0)
        {
            yield return PackedRow(campaignId, stream, row);
        }
    }

    private static TableEntity PackedRow(string campaignId, string stream, List<PackedEvent> events) => new(campaignId, EventRow(stream, events[^1].Seq))
    {
        ["Kind"] = "events",
        ["FirstSeq"] = events[0].Seq,
        ["LastSeq"] = events[^1].Seq,
        ["Events"] = "[" + string.Join(",", events.Select(e => e.Json)) + "]",
    };

    /// <summary>The events of an event row: one (a single-event row) or several (a packed row), in sequence order.</summary>
    public static IEnumerable<DomainEvent> ToEvents(TableEntity row)
    {
        var chainId = Ids.ChainOf(row.PartitionKey) ?? string.Empty;
        if (row.GetString("Kind") == "events")
        {
            foreach (var e in System.Text.Json.JsonSerializer.Deserialize<List<StoredEvent>>(row.RequireString("Events"), PackedJson) ?? [])
            {
                yield return new DomainEvent(e.Id, e.Type, e.Subject, chainId, e.Time, e.Data);
            }

            yield break;
        }

        using var data = System.Text.Json.JsonDocument.Parse(row.GetString("Data") ?? "null");
        yield return new DomainEvent(row.RequireString("EventId"), row.RequireString("Type"), row.GetString("Subject") ?? string.Empty, chainId,
            row.GetDateTimeOffset("Time") ?? default, data.RootElement.Clone());
    }

    private sealed record StoredEvent(long Seq, string Id, string Type, string Subject, DateTimeOffset Time, System.Text.Json.JsonElement Data);

    /// <summary>The campaign an order id belongs to (<c>{campaignId}-o…</c>), or null.</summary>
    public static string? CampaignOf(string orderId)
    {
        var dash = orderId.LastIndexOf('-');
        return dash > 0 && orderId.Length - dash > 2 && orderId[dash + 1] == 'o' ? orderId[..dash] : null;
    }

    /// <summary>The campaign of an order the caller may reach (its chain): 404 for an id that names none, 403 for another chain's.</summary>
    public static string CampaignOfOrder(Identity.Caller caller, string orderId)
    {
        var campaignId = CampaignOf(orderId);
        if (campaignId is null || Ids.ChainOf(campaignId) is null)
        {
            throw AppProblem.NotFound("order", orderId);
        }

        caller.RequireChainOf(campaignId, "order");
        return campaignId;
    }

    /// <summary>The order as stored in its campaign's partition, or null.</summary>
    public static async Task<Order?> FindOrderAsync(ITableStore tables, string campaignId, string orderId, CancellationToken ct)
    {
        var row = await tables.GetAsync(Campaigns, campaignId, OrderRow(orderId), cancellationToken: ct);
        return row is null || row.GetString("OrderId") != orderId ? null : ToOrder(row);
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static TableEntity ToEntity(Campaign c)
    {
        var e = new TableEntity(c.CampaignId, CampaignRow)
        {
            ["ChainId"] = c.ChainId,
            ["StoreId"] = c.StoreId,
            ["LeaderId"] = c.LeaderId,
            ["Title"] = c.Title,
            ["Phase"] = Campaign.Wire(c.Phase),
            ["PhasesReached"] = string.Join(',', c.PhasesReached.Select(Campaign.Wire)),
            ["Items"] = JsonSerializer.Serialize(c.Items, Json),
            ["Stream"] = c.Stream is null ? null : JsonSerializer.Serialize(c.Stream, Json),
            ["Intro"] = c.Intro,
            ["CampaignKind"] = c.Kind,
            ["PreheatAt"] = c.Schedule.PreheatAt,
            ["LiveStartAt"] = c.Schedule.LiveStartAt,
            ["LiveEndAt"] = c.Schedule.LiveEndAt,
            ["PickupUntil"] = c.Schedule.PickupUntil,
            ["FollowUpAfterHours"] = c.Schedule.FollowUpAfterHours,
            ["FollowUpWindowHours"] = c.Schedule.FollowUpWindowHours,
            ["PinnedItemId"] = c.PinnedItemId,
            ["PhaseEnteredAt"] = c.PhaseEnteredAt,
            ["ToFulfil"] = c.ToFulfil,
            ["Confirmed"] = c.Confirmed,
            ["FulfilledAt"] = c.FulfilledAt,
            ["EvaluationDone"] = c.EvaluationDone,
            ["PickupReminderSent"] = c.PickupReminderSent,
            ["Done"] = string.Join(',', c.Done.Order(StringComparer.Ordinal)),
            ["FlashSales"] = c.FlashSales.Count == 0 ? null : JsonSerializer.Serialize(c.FlashSales, Json),
            ["Restocks"] = c.Restocks.Count == 0 ? null : JsonSerializer.Serialize(c.Restocks, Json),
            ["Pool"] = JsonSerializer.Serialize(c.Pool, Json),
            ["LaneIds"] = string.Join(',', c.LaneIds),
            ["Version"] = c.Version,
            ["HistoryCount"] = c.HistoryCount,
            ["EventSeq"] = c.EventSeq,
            ["CreatedAt"] = c.CreatedAt,
        };
        WriteWaitlist(e, c.Waitlist);
        e.ETag = c.ETag;
        return e;
    }

    /// <summary>A string property holds at most 32K characters: the waitlist (候补) is written in chunks of whole entries.</summary>
    private const int WaitlistChunkChars = 30_000;

    private static void WriteWaitlist(TableEntity e, IReadOnlyList<WaitlistEntry> waitlist)
    {
        var chunk = new List<string>();
        var chars = 0;
        var n = 0;
        foreach (var json in waitlist.Select(w => JsonSerializer.Serialize(w, Json)))
        {
            if (chunk.Count > 0 && chars + json.Length + 2 > WaitlistChunkChars)
            {
                e[$"Waitlist{n++}"] = "[" + string.Join(",", chunk) + "]";
                chunk.Clear();
                chars = 0;
            }

            chunk.Add(json);
            chars += json.Length + 1;
        }

        if (chunk.Count > 0)
        {
            e[$"Waitlist{n}"] = "[" + string.Join(",", chunk) + "]";
        }
    }

    private static List<WaitlistEntry> ReadWaitlist(TableEntity e)
    {
        var list = new List<WaitlistEntry>();
        for (var n = 0; e.GetString($"Waitlist{n}") is { } json; n++)
        {
            list.AddRange(JsonSerializer.Deserialize<List<WaitlistEntry>>(json, Json) ?? []);
        }

        return list;
    }

    public static Campaign ToCampaign(TableEntity e)
    {
        var shape = new Campaign
        {
            CampaignId = e.PartitionKey,
            ChainId = e.RequireString("ChainId"),
            StoreId = e.RequireString("StoreId"),
            LeaderId = e.RequireString("LeaderId"),
            Title = e.RequireString("Title"),
            Items = JsonSerializer.Deserialize<List<CampaignItem>>(e.RequireString("Items"), Json) ?? [],
            Stream = e.GetString("Stream") is { } stream ? JsonSerializer.Deserialize<LiveStream>(stream, Json) : null,
            Intro = e.GetString("Intro"),
            Kind = e.GetString("CampaignKind"),
            Schedule = new CampaignSchedule(
                e.GetDateTimeOffset("PreheatAt") ?? default, e.GetDateTimeOffset("LiveStartAt") ?? default, e.GetDateTimeOffset("LiveEndAt") ?? default,
                e.GetDateTimeOffset("PickupUntil") ?? default, e.GetDouble("FollowUpAfterHours") ?? 24, e.GetDouble("FollowUpWindowHours") ?? 72),
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
            PinnedItemId = e.GetString("PinnedItemId"),
            PhaseEnteredAt = e.GetDateTimeOffset("PhaseEnteredAt"),
            ToFulfil = e.GetInt32("ToFulfil") ?? 0,
            Confirmed = e.GetInt32("Confirmed") ?? 0,
            FulfilledAt = e.GetDateTimeOffset("FulfilledAt"),
            EvaluationDone = e.GetBoolean("EvaluationDone") ?? false,
            PickupReminderSent = e.GetBoolean("PickupReminderSent") ?? false,
            Done = new HashSet<string>((e.GetString("Done") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal),
            FlashSales = e.GetString("FlashSales") is { } flash ? JsonSerializer.Deserialize<List<FlashSale>>(flash, Json) ?? [] : [],
            Restocks = e.GetString("Restocks") is { } restocks ? JsonSerializer.Deserialize<List<Restock>>(restocks, Json) ?? [] : [],
            Pool = JsonSerializer.Deserialize<Dictionary<string, int>>(e.GetString("Pool") ?? "{}", Json) ?? new(StringComparer.Ordinal),
            Version = e.GetInt64("Version") ?? 0,
            LaneIds = [.. (e.GetString("LaneIds") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)],
            Waitlist = ReadWaitlist(e),
        };
        var reached = (e.GetString("PhasesReached") ?? "draft").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Campaign.ParsePhase);
        var campaign = Campaign.Restore(shape, Campaign.ParsePhase(e.RequireString("Phase")), reached, e.GetInt32("HistoryCount") ?? 0, e.GetInt64("EventSeq") ?? 0);
        campaign.ETag = e.ETag;
        return campaign;
    }

    public static TableEntity ToIndexEntity(Campaign c) => new(c.ChainId, c.CampaignId)
    {
        ["Title"] = c.Title,
        ["StoreId"] = c.StoreId,
        ["LeaderId"] = c.LeaderId,
        ["Phase"] = Campaign.Wire(c.Phase),
        ["LiveStartAt"] = c.Schedule.LiveStartAt,
        ["LiveEndAt"] = c.Schedule.LiveEndAt,
        ["CreatedAt"] = c.CreatedAt,
    };

    public static CampaignSummary ToSummary(TableEntity r) => new(r.RowKey, r.GetString("Title") ?? string.Empty, r.GetString("StoreId") ?? string.Empty,
        r.GetString("LeaderId") ?? string.Empty, r.GetString("Phase") ?? "draft", r.GetDateTimeOffset("LiveStartAt"), r.GetDateTimeOffset("LiveEndAt"), r.GetDateTimeOffset("CreatedAt"));

    public static TableEntity ToEntity(Order o)
    {
        var e = new TableEntity(o.CampaignId, OrderRow(o.OrderId))
        {
            ["Kind"] = "order",
            ["OrderId"] = o.OrderId,
            ["ChainId"] = o.ChainId,
            ["StoreId"] = o.StoreId,
            ["MemberId"] = o.MemberId,
            ["MemberName"] = o.MemberName,
            ["MaskedPhone"] = o.MaskedPhone,
            ["Lines"] = JsonSerializer.Serialize(o.Lines, Json),
            ["Status"] = Order.Wire(o.Status),
            ["FulfilmentStatus"] = o.FulfilmentStatus is { } fs ? Order.Wire(fs) : null,
            ["TotalFen"] = o.TotalFen,
            ["Fulfilment"] = o.Fulfilment == Fulfilment.Delivery ? "delivery" : "pickup",
            ["Address"] = o.Address,
            ["CreatedAt"] = o.CreatedAt,
            ["CancelledAt"] = o.CancelledAt,
            ["RequestHash"] = o.RequestHash,
            ["PickupCode"] = o.PickupCode,
            ["FulfilledAt"] = o.FulfilledAt,
        };
        if (o.PointsUsed > 0)
        {
            e["PointsUsed"] = o.PointsUsed;
            e["PointsDiscountFen"] = o.PointsDiscountFen;
        }

        e.ETag = o.ETag;
        return e;
    }

    public static Order ToOrder(TableEntity e)
    {
        var order = new Order
        {
            OrderId = e.RequireString("OrderId"),
            CampaignId = e.PartitionKey,
            ChainId = e.RequireString("ChainId"),
            StoreId = e.RequireString("StoreId"),
            MemberId = e.RequireString("MemberId"),
            MemberName = e.GetString("MemberName") ?? string.Empty,
            MaskedPhone = e.GetString("MaskedPhone") ?? "****",
            Lines = JsonSerializer.Deserialize<List<OrderLine>>(e.RequireString("Lines"), Json) ?? [],
            Fulfilment = e.GetString("Fulfilment") == "delivery" ? Fulfilment.Delivery : Fulfilment.Pickup,
            Address = e.GetString("Address"),
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
            CancelledAt = e.GetDateTimeOffset("CancelledAt"),
            RequestHash = e.GetString("RequestHash") ?? string.Empty,
            PickupCode = e.GetString("PickupCode"),
            FulfilledAt = e.GetDateTimeOffset("FulfilledAt"),
            ETag = e.ETag,
            PointsUsed = e.GetInt32("PointsUsed") ?? 0,
            PointsDiscountFen = e.GetInt64("PointsDiscountFen") ?? 0,
        };
        if (e.GetString("FulfilmentStatus") is { } fs)
        {
            order.FulfilmentStatus = Enum.Parse<OrderStatus>(fs, ignoreCase: true);
        }

        return order;
    }

    public static TableEntity ToEntity(string campaignId, MemberTally t)
    {
        var e = new TableEntity(campaignId, TallyRow(t.MemberId))
        {
            ["Kind"] = "tally",
            ["Quantities"] = JsonSerializer.Serialize(t.Quantities, Json),
        };
        e.ETag = t.ETag;
        return e;
    }

    public static MemberTally ToTally(string memberId, TableEntity? e) => e is null
        ? new MemberTally { MemberId = memberId }
        : new MemberTally
        {
            MemberId = memberId,
            Quantities = JsonSerializer.Deserialize<Dictionary<string, int>>(e.GetString("Quantities") ?? "{}", Json) ?? new(StringComparer.Ordinal),
            ETag = e.ETag,
        };

    public static TableEntity ToEntity(string campaignId, StockLane lane)
    {
        var e = new TableEntity(campaignId, LaneRow(lane.LaneId))
        {
            ["Kind"] = "lane",
            ["Owner"] = lane.Owner,
            ["LeaseUntil"] = lane.LeaseUntil,
            ["Units"] = JsonSerializer.Serialize(lane.Units, Json),
            ["Sold"] = JsonSerializer.Serialize(lane.Sold, Json),
            ["Orders"] = lane.Orders,
            ["Reservations"] = lane.Reservations,
            ["EventSeq"] = lane.EventSeq,
            ["Version"] = lane.Version,
            ["Fence"] = lane.Fence,
        };
        e.ETag = lane.ETag;
        return e;
    }

    public static StockLane ToLane(TableEntity e) => new()
    {
        LaneId = e.RowKey[LanePrefix.Length..],
        Owner = e.GetString("Owner"),
        LeaseUntil = e.GetDateTimeOffset("LeaseUntil") ?? default,
        Units = JsonSerializer.Deserialize<Dictionary<string, int>>(e.GetString("Units") ?? "{}", Json) ?? new(StringComparer.Ordinal),
        Sold = JsonSerializer.Deserialize<Dictionary<string, int>>(e.GetString("Sold") ?? "{}", Json) ?? new(StringComparer.Ordinal),
        Orders = e.GetInt32("Orders") ?? 0,
        Reservations = e.GetInt32("Reservations") ?? 0,
        EventSeq = e.GetInt64("EventSeq") ?? 0,
        Version = e.GetInt64("Version") ?? 0,
        Fence = e.GetInt64("Fence") ?? 0,
        ETag = e.ETag,
    };

    /// <summary>
    /// A campaign with its totals: the campaign row, then every lane by key (point reads: a query would scan). A lane
    /// fenced after the campaign row was read (its fence newer than the row's version) means the row moved: it is read
    /// again, so the phase seen is never older than a lane's ETag — no order commits on a stale phase.
    /// </summary>
    public static async Task<Campaign?> ReadAsync(ITableStore tables, string campaignId, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var row = await tables.GetAsync(Campaigns, campaignId, CampaignRow, cancellationToken: ct);
            if (row is null)
            {
                return null;
            }

            var campaign = ToCampaign(row);
            var lanes = await ReadLanesAsync(tables, campaignId, campaign.LaneIds, ct);
            if (attempt < 5 && lanes.Any(l => l.Fence > campaign.Version))
            {
                continue;
            }

            campaign.AttachLanes(lanes);
            return campaign;
        }
    }

    /// <summary>
    /// The named lanes, in one range query over the partition's lane rows (<c>s_…</c>, at most <see cref="StockLane.MaxLanes"/>):
    /// one storage call however many instances sell, where a point read per lane cost one call each — with three
    /// instances the outbox's lag check and the live room's stock reads made most of an order's storage calls that way.
    /// </summary>
    public static async Task<List<StockLane>> ReadLanesAsync(ITableStore tables, string campaignId, IEnumerable<string> laneIds, CancellationToken ct)
    {
        var wanted = laneIds.ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return [];
        }

        var lanes = new List<StockLane>(wanted.Count);
        await foreach (var row in tables.QueryAsync(Campaigns, TableQuery.Partition(campaignId, TableFilter.RowKeyStartsWith(LanePrefix)), ct))
        {
            var lane = ToLane(row);
            if (wanted.Contains(lane.LaneId))
            {
                lanes.Add(lane);
            }
        }

        return lanes;
    }

    /// <summary>A fence: a lane row's version moves (If-Match), so its instance re-reads the campaign before its next write.</summary>
    public static TableEntity ToFence(string campaignId, StockLane lane, long campaignVersion)
    {
        var e = new TableEntity(campaignId, LaneRow(lane.LaneId)) { ["Version"] = lane.Version, ["Fence"] = campaignVersion };
        lane.Fence = campaignVersion;
        e.ETag = lane.ETag;
        return e;
    }

    public static TableEntity ToHistoryEntity(Campaign c, Transition t, string cause, DateTimeOffset at) => new(c.CampaignId, HistoryRow(c.HistoryCount))
    {
        ["Kind"] = "history",
        ["From"] = Campaign.Wire(t.From),
        ["To"] = Campaign.Wire(t.To),
        ["At"] = at,
        ["Cause"] = cause,
    };

    public static HistoryEntry ToHistoryEntry(TableEntity r) =>
        new(r.RequireString("From"), r.RequireString("To"), r.GetDateTimeOffset("At") ?? default, r.GetString("Cause") ?? string.Empty);

    public static TableEntity ToReservationEntity(string campaignId, string memberId, DateTimeOffset at) =>
        new(campaignId, ReservationRow(memberId)) { ["Kind"] = "reservation", ["MemberId"] = memberId, ["At"] = at };

    public static TableEntity ToPickupCodeEntity(string campaignId, string code, string orderId, string memberId) =>
        new(campaignId, PickupCodeRow(code)) { ["Kind"] = "pickupCode", ["OrderId"] = orderId, ["MemberId"] = memberId };

    public static TableEntity ToMemberCodeEntity(string campaignId, string memberId, string code) =>
        new(campaignId, MemberCodeRow(memberId)) { ["Kind"] = "memberCode", ["MemberId"] = memberId, ["Code"] = code };

    public static TableEntity ToOutboxEntity(string campaignId, IReadOnlyDictionary<string, long> watermarks, string? etag)
    {
        var e = new TableEntity(campaignId, OutboxRow) { ["Published"] = JsonSerializer.Serialize(watermarks, Json) };
        e.ETag = etag;
        return e;
    }

    public static Dictionary<string, long> ToWatermarks(TableEntity? outbox) =>
        outbox?.GetString("Published") is { } json ? JsonSerializer.Deserialize<Dictionary<string, long>>(json, Json) ?? new(StringComparer.Ordinal) : new(StringComparer.Ordinal);
}

/// <summary>A campaign event with its sequence number and its stored JSON.</summary>
public sealed record PackedEvent(long Seq, DomainEvent Event, string Json);
