using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>What one committed round changed, for effects that follow a commit (outbox dispatch, live room, fan-out).</summary>
public sealed record CommittedRound(
    Campaign Campaign,
    IReadOnlyList<Order> PlacedOrders,
    IReadOnlyList<Order> CancelledOrders,
    IReadOnlyList<Transition> Transitions,
    bool HasEvents,
    IReadOnlyList<LiveMessage> LiveMessages,
    IReadOnlySet<string> StockChangedItems,
    IReadOnlyList<FlashSale> FlashSalesStarted,
    bool Fulfilments);

/// <summary>A live-room event a committed round produced (API.md "Live room events").</summary>
public sealed record LiveMessage(string Target, object Payload);

/// <summary>Runs after each committed round, off the request path.</summary>
public interface ICampaignCommitObserver
{
    Task OnCommittedAsync(CommittedRound round, CancellationToken cancellationToken);
}

/// <summary>
/// The single writer of one campaign in this process (group commit). Commands queue up; each round takes as many as
/// fit in one entity group transaction — the campaign row (phase and stock) replaced with If-Match, plus each order,
/// member tally, reservation, history entry and outbox event — and commits them atomically. Correctness never rests on
/// this process being the only writer: another instance's write changes the campaign row's ETag, our transaction is
/// refused with 412, and the round is re-evaluated on fresh state. Nothing is oversold, nothing written twice.
/// </summary>
public sealed class CampaignDesk : IAsyncDisposable
{
    public const int MaxOperations = AzureTableStore.MaxTransactionOperations;
    private const int MaxAttempts = 12;
    private const int RecentOrderCapacity = 20_000;

    private readonly string _campaignId;
    private readonly ITableStore _tables;
    private readonly TimeProvider _clock;
    private readonly ICampaignCommitObserver _observer;
    private readonly ILogger _logger;
    private readonly Channel<DeskCommand> _commands = Channel.CreateUnbounded<DeskCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, MemberTally> _tallies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Order> _recentOrders = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrderIds = new();
    private readonly Task _loop;
    private Campaign? _campaign;

    public CampaignDesk(string campaignId, ITableStore tables, TimeProvider clock, ICampaignCommitObserver observer, ILogger logger)
    {
        _campaignId = campaignId;
        _tables = tables;
        _clock = clock;
        _observer = observer;
        _logger = logger;
        LastUsed = clock.GetUtcNow();
        _loop = Task.Run(RunAsync);
    }

    public DateTimeOffset LastUsed { get; private set; }

    public Task<TResult> SubmitAsync<TResult>(DeskCommand<TResult> command)
    {
        LastUsed = _clock.GetUtcNow();
        if (!_commands.Writer.TryWrite(command))
        {
            command.Fail(new ObjectDisposedException(nameof(CampaignDesk), "The app is shutting down; retry the request."));
        }

        return command.Completion;
    }

    public async ValueTask DisposeAsync()
    {
        _commands.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var pending = new List<DeskCommand>();
        try
        {
            while (await _commands.Reader.WaitToReadAsync(_stopping.Token))
            {
                while (pending.Count < MaxOperations && _commands.Reader.TryRead(out var command))
                {
                    pending.Add(command);
                }

                try
                {
                    await ProcessRoundAsync(pending);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogError(ex, "Campaign {CampaignId}: a round failed; its commands are refused", _campaignId);
                    _campaign = null;
                    _tallies.Clear();
                    foreach (var command in pending)
                    {
                        command.Fail(ex);
                    }

                    pending.Clear();
                }
            }
        }
        finally
        {
            var shutdown = new ObjectDisposedException(nameof(CampaignDesk), "The app is shutting down; retry the request.");
            foreach (var command in pending)
            {
                command.Fail(shutdown);
            }

            while (_commands.Reader.TryRead(out var command))
            {
                command.Fail(shutdown);
            }
        }
    }

    /// <summary>One round: evaluate what fits, commit it in one transaction, answer; commands that did not fit stay pending.</summary>
    private async Task ProcessRoundAsync(List<DeskCommand> pending)
    {
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            if (attempt > MaxAttempts)
            {
                var busy = AppProblem.Conflict("busy", "Busy", "The campaign is changing very fast right now; nothing was written. Retry the request (with the same Idempotency-Key).");
                foreach (var command in pending.Take(MaxOperations / 3))
                {
                    command.Fail(busy);
                }

                pending.RemoveRange(0, Math.Min(pending.Count, MaxOperations / 3));
                return;
            }

            var committed = _campaign ??= await LoadCampaignAsync();
            await PrefetchAsync(pending);
            var round = new Round(committed.Clone(), _tallies, _clock.GetUtcNow());
            var included = new List<DeskCommand>();
            foreach (var command in pending)
            {
                if (!round.TryAdd(command, this))
                {
                    break; // no room left in this transaction: the rest waits for the next round
                }

                included.Add(command);
            }

            pending.RemoveAll(round.IsAnswered);
            if (round.Operations.Count == 0 && !round.HasEvents && !round.CampaignChanged)
            {
                continue;
            }

            round.SealEvents();
            var operations = new List<TableOperation>(round.Operations.Count + 1)
            {
                TableOperation.Replace(CampaignTables.ToEntity(round.Campaign), committed.ETag!),
            };
            operations.AddRange(round.Operations.Select(o => o.Operation));
            IReadOnlyList<string?> etags;
            try
            {
                etags = await _tables.SubmitTransactionAsync(CampaignTables.Campaigns, operations, _stopping.Token);
            }
            catch (TableTransactionFailedException ex)
            {
                await RecoverAsync(ex, round, pending);
                continue;
            }

            round.Campaign.ETag = etags[0];
            _campaign = round.Campaign;
            for (var i = 0; i < round.Operations.Count; i++)
            {
                round.Operations[i].OnCommitted?.Invoke(etags[i + 1]);
            }

            foreach (var (memberId, tally) in round.Tallies)
            {
                _tallies[memberId] = tally;
            }

            foreach (var order in round.Placed.Concat(round.Cancelled).Concat(round.Evaluated).Concat(round.Fulfilled))
            {
                Remember(order);
            }

            round.Answer();
            pending.RemoveAll(included.Contains);
            FireObserver(new CommittedRound(round.Campaign, round.Placed, round.Cancelled, round.Transitions, round.HasEvents,
                round.Live, round.StockChanged, round.FlashStarted, round.Fulfilled.Count > 0 || round.Evaluated.Count > 0));
        }
    }

    /// <summary>After a refused transaction: learn why, fix the state or answer the command at fault, and go again.</summary>
    private async Task RecoverAsync(TableTransactionFailedException ex, Round round, List<DeskCommand> pending)
    {
        var index = ex.FailedOperationIndex;
        var op = index is > 0 && index.Value - 1 < round.Operations.Count ? round.Operations[index.Value - 1] : null;
        _logger.LogDebug("Campaign {CampaignId}: transaction refused ({Status} at {Index}); re-evaluating", _campaignId, ex.Status, index);
        switch (ex.Status)
        {
            case 409 when op?.Kind == OperationKind.OrderInsert && op.Command is PlaceOrderCommand place:
                pending.Remove(place);
                await AnswerReplayAsync(place);
                break;
            case 409 when op?.Kind == OperationKind.ReservationInsert && op.Command is ReserveCommand reserve:
                pending.Remove(reserve);
                reserve.Complete(false);
                break;
            case 409 or 412 or 404 when op?.Kind is OperationKind.TallyInsert or OperationKind.TallyReplace:
                _tallies.Remove(op.Key);
                break;
            case 409 or 412 or 404:
                // The campaign row moved (another instance, a leader action) or our counters are stale: reload.
                _campaign = null;
                _tallies.Clear();
                break;
            default:
                throw ex;
        }
    }

    private async Task AnswerReplayAsync(PlaceOrderCommand place)
    {
        try
        {
            var row = await _tables.GetAsync(CampaignTables.Campaigns, _campaignId, CampaignTables.OrderRow(place.OrderId), cancellationToken: _stopping.Token);
            if (row is null)
            {
                place.Fail(new InvalidOperationException($"Order {place.OrderId} conflicted but cannot be read."));
                return;
            }

            var order = CampaignTables.ToOrder(row);
            Remember(order);
            if (order.RequestHash == place.RequestHash)
            {
                place.Complete(new OrderOutcome(order, Replayed: true));
            }
            else
            {
                place.Fail(Idempotency.Conflict());
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            place.Fail(e);
        }
    }

    private async Task<Campaign> LoadCampaignAsync()
    {
        var row = await _tables.GetAsync(CampaignTables.Campaigns, _campaignId, CampaignTables.CampaignRow, cancellationToken: _stopping.Token)
                  ?? throw AppProblem.NotFound("campaign", _campaignId);
        return CampaignTables.ToCampaign(row);
    }

    /// <summary>
    /// Reads, in parallel, what the next round needs and the desk does not hold: member tallies, and the current row of
    /// every order to cancel (always fresh: another instance may have changed it).
    /// </summary>
    private async Task PrefetchAsync(List<DeskCommand> pending)
    {
        var window = pending.Take(MaxOperations).ToList();
        var cancels = window.OfType<CancelOrderCommand>().Select(c => c.OrderId)
            .Concat(window.OfType<EvaluateOrdersCommand>().SelectMany(e => e.OrderIds))
            .Concat(window.OfType<FulfilOrderCommand>().Select(f => f.OrderId))
            .Distinct(StringComparer.Ordinal).ToList();
        foreach (var (orderId, row) in await Task.WhenAll(cancels.Select(async id =>
                     (id, await _tables.GetAsync(CampaignTables.Campaigns, _campaignId, CampaignTables.OrderRow(id), cancellationToken: _stopping.Token)))))
        {
            if (row is null)
            {
                _recentOrders.Remove(orderId);
            }
            else
            {
                Remember(CampaignTables.ToOrder(row));
            }
        }

        var members = window.OfType<PlaceOrderCommand>().Select(p => p.MemberId)
            .Concat(cancels.Select(id => _recentOrders.GetValueOrDefault(id)?.MemberId).OfType<string>())
            .Where(m => !_tallies.ContainsKey(m)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var (memberId, row) in await Task.WhenAll(members.Select(async m =>
                     (m, await _tables.GetAsync(CampaignTables.Campaigns, _campaignId, CampaignTables.TallyRow(m), cancellationToken: _stopping.Token)))))
        {
            _tallies[memberId] = CampaignTables.ToTally(memberId, row);
        }
    }

    private void Remember(Order order)
    {
        if (!_recentOrders.ContainsKey(order.OrderId))
        {
            _recentOrderIds.Enqueue(order.OrderId);
            if (_recentOrderIds.Count > RecentOrderCapacity)
            {
                _recentOrders.Remove(_recentOrderIds.Dequeue());
            }
        }

        _recentOrders[order.OrderId] = order;
    }

    internal Order? RecentOrder(string orderId) => _recentOrders.GetValueOrDefault(orderId);

    private void FireObserver(CommittedRound round)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await _observer.OnCommittedAsync(round, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // Effects are at-least-once elsewhere (outbox sweeper); a failure here only delays them.
                _logger.LogWarning(ex, "Campaign {CampaignId}: after-commit effects failed", round.Campaign.CampaignId);
            }
        });
    }

    internal enum OperationKind
    {
        OrderInsert,
        OrderReplace,
        TallyInsert,
        TallyReplace,
        ReservationInsert,
        HistoryInsert,
        EventInsert,
        PickupCodeInsert,
    }

    internal sealed record RoundOperation(OperationKind Kind, string Key, TableOperation Operation, DeskCommand? Command, Action<string?>? OnCommitted = null);

    /// <summary>The working copy of one round: what the commands did to a copy of the campaign, and the rows to write.</summary>
    private sealed class Round(Campaign campaign, IReadOnlyDictionary<string, MemberTally> committedTallies, DateTimeOffset now)
    {
        private readonly List<Action> _answers = [];
        private readonly HashSet<DeskCommand> _answered = [];

        public Campaign Campaign { get; } = campaign;

        public Dictionary<string, MemberTally> Tallies { get; } = new(StringComparer.Ordinal);

        public List<RoundOperation> Operations { get; } = [];

        public List<Order> Placed { get; } = [];

        public List<Order> Cancelled { get; } = [];

        public List<Transition> Transitions { get; } = [];

        public bool HasEvents => _events.Count > 0;

        private readonly List<PackedEvent> _events = [];

        /// <summary>Rows the round's events take once packed (≤ <see cref="CampaignTables.MaxPackedEventChars"/> each).</summary>
        private int _eventRows;

        private int _lastRowChars;

        /// <summary>The campaign row changed with no other row (a one-off marked done): it is still written.</summary>
        public bool CampaignChanged { get; private set; }

        public List<LiveMessage> Live { get; } = [];

        public HashSet<string> StockChanged { get; } = new(StringComparer.Ordinal);

        public List<FlashSale> FlashStarted { get; } = [];

        public bool IsAnswered(DeskCommand command) => _answered.Contains(command);

        /// <summary>An answer that does not depend on this round's commit (a refusal, a replay, a no-op).</summary>
        private bool AnswerNow<TResult>(DeskCommand<TResult> command, TResult result)
        {
            command.Complete(result);
            _answered.Add(command);
            return true;
        }

        public void Answer()
        {
            foreach (var answer in _answers)
            {
                answer();
            }
        }

        // The campaign row, the rows so far, the event rows so far, and one spare for the events of the command being
        // added. Commands still count their events as rows when they ask for room, so the spare always suffices.
        private int Room => MaxOperations - 2 - Operations.Count - _eventRows;

        /// <summary>
        /// Adds the round's events as a few packed rows (a round's events in one row, or a few when large) instead of a
        /// row each: an order then costs two rows (order and tally), not three, so a transaction carries ~48 orders,
        /// not ~33 — storage's cost is per row.
        /// </summary>
        public void SealEvents()
        {
            foreach (var row in CampaignTables.PackEvents(Campaign.CampaignId, _events))
            {
                Operations.Add(new RoundOperation(OperationKind.EventInsert, row.RowKey, TableOperation.Insert(row), null));
            }
        }

        /// <summary>Adds the command's effect to the round; false when its rows would not fit.</summary>
        public bool TryAdd(DeskCommand command, CampaignDesk desk)
        {
            try
            {
                return command switch
                {
                    PlaceOrderCommand p => Place(p, desk),
                    CancelOrderCommand c => Cancel(c, desk),
                    ReserveCommand r => Reserve(r),
                    TransitionCommand t => Move(t),
                    PinItemCommand pin => Pin(pin),
                    StartFlashSaleCommand start => StartFlash(start),
                    EndFlashSaleCommand end => EndFlash(end),
                    EvaluateOrdersCommand e => Evaluate(e, desk),
                    FinishEvaluationCommand f => FinishEvaluation(f),
                    FulfilOrderCommand f => Fulfil(f, desk),
                    NotifyMembersCommand n => Notify(n),
                    _ => throw new InvalidOperationException($"Unknown command {command.GetType().Name}."),
                };
            }
            catch (AppProblem problem)
            {
                command.Fail(problem);
                _answered.Add(command);
                return true;
            }
        }

        private MemberTally Tally(string memberId)
        {
            if (!Tallies.TryGetValue(memberId, out var tally))
            {
                tally = committedTallies.TryGetValue(memberId, out var committed) ? committed.Clone() : new MemberTally { MemberId = memberId };
                Tallies[memberId] = tally;
            }

            return tally;
        }

        private bool Place(PlaceOrderCommand p, CampaignDesk desk)
        {
            if (Placed.FirstOrDefault(o => o.OrderId == p.OrderId) is { } inRound)
            {
                // The same key twice in one round: answer the second once the first commits.
                if (inRound.RequestHash != p.RequestHash)
                {
                    throw Idempotency.Conflict();
                }

                _answers.Add(() => p.Complete(new OrderOutcome(inRound, Replayed: true)));
                return true;
            }

            if (desk.RecentOrder(p.OrderId) is { } known)
            {
                return known.RequestHash == p.RequestHash ? AnswerNow(p, new OrderOutcome(known, Replayed: true)) : throw Idempotency.Conflict();
            }

            // Order row + event, the member's tally unless already written this round, and a flash sale's end event.
            var needed = 2 + (HasTallyWrite(p.MemberId) ? 0 : 1) + (p.Lines.Any(l => Campaign.ActiveFlashSale(l.ItemId, now) is not null) ? 1 : 0);
            if (Room < needed)
            {
                return false;
            }

            if (!Campaign.IsOrderable)
            {
                throw AppProblem.Conflict(ProblemCodes.NotLive, "Not live",
                    $"Orders are taken only while the campaign is live; it is {Campaign.Wire(Campaign.Phase)}.");
            }

            var tally = Tally(p.MemberId);
            var lines = new List<OrderLine>();
            foreach (var requested in p.Lines)
            {
                var item = Campaign.FindItem(requested.ItemId)
                           ?? throw AppProblem.Validation("items", $"Item '{requested.ItemId}' is not on sale in this campaign.");
                if (item.Remaining < requested.Quantity)
                {
                    throw AppProblem.Conflict(ProblemCodes.SoldOut, "Sold out",
                        item.Remaining == 0 ? $"{item.Name} is sold out." : $"Only {item.Remaining} of {item.Name} left; you asked for {requested.Quantity}.");
                }

                if (item.PerMemberLimit is { } limit && tally.Of(item.ItemId) + requested.Quantity > limit)
                {
                    throw AppProblem.Conflict(ProblemCodes.MemberLimit, "Over the limit",
                        $"Each member may take at most {limit} of {item.Name}; you already have {tally.Of(item.ItemId)}.");
                }

                // A flash quota prices whole lines: a line it can cover entirely gets the flash price (and maybe a gift).
                var flash = Campaign.ActiveFlashSale(item.ItemId, now);
                var flashLine = flash is not null && flash.Remaining >= requested.Quantity;
                lines.Add(new OrderLine
                {
                    ItemId = item.ItemId, ProductId = item.ProductId, Name = item.Name, Quantity = requested.Quantity,
                    UnitPriceFen = flashLine ? flash!.PriceFen : item.OrderPriceFen,
                    FlashSaleId = flashLine ? flash!.FlashSaleId : null,
                    Gift = flashLine && flash!.Orders < flash.FirstNGift,
                });
            }

            // Only now, with every line valid, change the working copy.
            foreach (var line in lines)
            {
                Campaign.FindItem(line.ItemId)!.Sold += line.Quantity;
                tally.Quantities[line.ItemId] = tally.Of(line.ItemId) + line.Quantity;
                StockChanged.Add(line.ItemId);
                if (line.FlashSaleId is not null && Campaign.FlashSales.First(f => f.FlashSaleId == line.FlashSaleId) is var flash)
                {
                    flash.Sold += line.Quantity;
                    flash.Orders++;
                    if (flash.Remaining == 0)
                    {
                        EndFlashSale(flash);
                    }
                }
            }

            Campaign.OrderCount++;
            var order = new Order
            {
                OrderId = p.OrderId, CampaignId = Campaign.CampaignId, ChainId = Campaign.ChainId, StoreId = Campaign.StoreId,
                MemberId = p.MemberId, MemberName = p.MemberName, MaskedPhone = p.MaskedPhone, Lines = lines,
                Fulfilment = p.Fulfilment, Address = p.Address, CreatedAt = now, RequestHash = p.RequestHash,
            };
            Placed.Add(order);
            Operations.Add(new RoundOperation(OperationKind.OrderInsert, order.OrderId, TableOperation.Insert(CampaignTables.ToEntity(order)), p, etag => order.ETag = etag));
            AddTallyWrite(tally);
            AddEvent("order.placed", $"orders/{order.OrderId}", new
            {
                order.OrderId, order.CampaignId, order.MemberId, maskedName = ServerlessCommerce.Chains.Names.Mask(order.MemberName),
                items = lines.Select(l => new { l.ItemId, l.Quantity, l.UnitPriceFen }), order.TotalFen, fulfilment = order.Fulfilment.ToString().ToLowerInvariant(),
            });
            var maskedName = ServerlessCommerce.Chains.Names.Mask(order.MemberName);
            foreach (var line in lines)
            {
                Live.Add(new LiveMessage("orderPlaced", new { maskedName, line.ItemId, line.Quantity, order.OrderId, gift = line.Gift }));
            }

            _answers.Add(() => p.Complete(new OrderOutcome(order, Replayed: false)));
            return true;
        }

        private bool Cancel(CancelOrderCommand c, CampaignDesk desk)
        {
            if (Cancelled.FirstOrDefault(o => o.OrderId == c.OrderId) is { } inRound)
            {
                _answers.Add(() => c.Complete(inRound));
                return true;
            }

            var order = desk.RecentOrder(c.OrderId) ?? throw AppProblem.NotFound("order", c.OrderId);
            if (c.MemberId is not null && order.MemberId != c.MemberId)
            {
                throw AppProblem.Forbidden("Only the member who placed an order can cancel it.");
            }

            if (order.Status == OrderStatus.Cancelled)
            {
                return AnswerNow(c, order);
            }

            var needed = 2 + (HasTallyWrite(order.MemberId) ? 0 : 1);
            if (Room < needed)
            {
                return false;
            }

            if (!Campaign.IsBeforeClose && c.MemberId is not null)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Too late to cancel",
                    $"Orders can be cancelled only before the campaign closes; it is {Campaign.Wire(Campaign.Phase)}.");
            }

            var tally = Tally(order.MemberId);
            var cancelled = CampaignTables.ToOrder(CampaignTables.ToEntity(order)); // a copy to change
            foreach (var line in cancelled.Lines.Where(l => l.Status != OrderStatus.Cancelled))
            {
                if (Campaign.FindItem(line.ItemId) is { } item)
                {
                    item.Sold -= line.Quantity;
                    StockChanged.Add(item.ItemId);
                }

                tally.Quantities[line.ItemId] = Math.Max(0, tally.Of(line.ItemId) - line.Quantity);
                line.Status = OrderStatus.Cancelled;
                line.CancelReason = c.Reason;
            }

            cancelled.CancelledAt = now;
            Cancelled.Add(cancelled);
            Operations.Add(new RoundOperation(OperationKind.OrderReplace, cancelled.OrderId,
                TableOperation.Replace(CampaignTables.ToEntity(cancelled), order.ETag ?? "*"), c, etag => cancelled.ETag = etag));
            AddTallyWrite(tally);
            AddEvent("order.cancelled", $"orders/{order.OrderId}", new { order.OrderId, order.CampaignId, order.MemberId, reason = c.Reason });
            _answers.Add(() => c.Complete(cancelled));
            return true;
        }

        private bool Reserve(ReserveCommand r)
        {
            if (Room < 1)
            {
                return false;
            }

            if (!Campaign.IsBeforeClose)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Too late to reserve",
                    $"Reservations are open until the campaign closes; it is {Campaign.Wire(Campaign.Phase)}.");
            }

            Campaign.ReservationCount++;
            Operations.Add(new RoundOperation(OperationKind.ReservationInsert, r.MemberId,
                TableOperation.Insert(new TableEntity(Campaign.CampaignId, CampaignTables.ReservationRow(r.MemberId)) { ["Kind"] = "reservation", ["MemberId"] = r.MemberId, ["At"] = now }), r));
            _answers.Add(() => r.Complete(true));
            return true;
        }

        private bool Move(TransitionCommand t)
        {
            if (Room < 2)
            {
                return false;
            }

            var transition = Campaign.Apply(t.Action);
            if (!transition.Changed)
            {
                return AnswerNow(t, (Campaign.Clone(), transition));
            }

            Transitions.Add(transition);
            Campaign.PhaseEnteredAt = now;
            Operations.Add(new RoundOperation(OperationKind.HistoryInsert, t.Action,
                TableOperation.Insert(new TableEntity(Campaign.CampaignId, CampaignTables.HistoryRow(Campaign.HistoryCount))
                {
                    ["Kind"] = "history",
                    ["From"] = Campaign.Wire(transition.From),
                    ["To"] = Campaign.Wire(transition.To),
                    ["At"] = now,
                    ["Cause"] = t.Cause,
                }), t));
            AddEvent("campaign.phaseChanged", $"campaigns/{Campaign.CampaignId}", new
            {
                Campaign.CampaignId, from = Campaign.Wire(transition.From), to = Campaign.Wire(transition.To), cause = t.Cause, at = now,
            }, occurrence: Campaign.Wire(transition.To));
            Live.Add(new LiveMessage("phaseChanged", new { phase = Campaign.Wire(transition.To) }));
            var after = Campaign.Clone();
            _answers.Add(() => t.Complete((after, transition)));
            return true;
        }

        private bool Pin(PinItemCommand pin)
        {
            var item = Campaign.FindItem(pin.ItemId) ?? throw AppProblem.Validation("itemId", $"Item '{pin.ItemId}' is not in this campaign.");
            if (Campaign.Phase is not (CampaignPhase.Preheat or CampaignPhase.Live))
            {
                throw AppProblem.Conflict(ProblemCodes.NotLive, "Not live", $"Pin items during preheat or live; the campaign is {Campaign.Wire(Campaign.Phase)}.");
            }

            if (Campaign.PinnedItemId == item.ItemId)
            {
                return AnswerNow(pin, Campaign.Clone());
            }

            if (Room < 1)
            {
                return false;
            }

            Campaign.PinnedItemId = item.ItemId;
            AddEvent("campaign.itemPinned", $"campaigns/{Campaign.CampaignId}", new { Campaign.CampaignId, item.ItemId, item.ProductId }, occurrence: $"{Campaign.EventSeq + 1}");
            Live.Add(new LiveMessage("productPinned", new { item.ItemId, item.ProductId, item.Name, traceabilityUrl = $"/api/products/{item.ProductId}/traceability" }));
            var after = Campaign.Clone();
            _answers.Add(() => pin.Complete(after));
            return true;
        }

        private bool StartFlash(StartFlashSaleCommand start)
        {
            if (Campaign.FlashSales.FirstOrDefault(f => f.FlashSaleId == start.FlashSaleId) is { } existing)
            {
                return AnswerNow(start, existing.Clone());
            }

            if (Room < 1)
            {
                return false;
            }

            if (!Campaign.IsOrderable)
            {
                throw AppProblem.Conflict(ProblemCodes.NotLive, "Not live", $"Flash sales run while live; the campaign is {Campaign.Wire(Campaign.Phase)}.");
            }

            var item = Campaign.FindItem(start.ItemId) ?? throw AppProblem.Validation("itemId", $"Item '{start.ItemId}' is not in this campaign.");
            var v = new Validator();
            if (start.Quantity < 1 || start.Quantity > item.Remaining)
            {
                v.Add("quantity", $"quantity must be between 1 and the {item.Remaining} units of {item.Name} left.");
            }

            if (start.PriceFen < 1 || start.PriceFen > item.OrderPriceFen)
            {
                v.Add("priceFen", $"priceFen must be between 1 and the current price ({item.OrderPriceFen}).");
            }

            if (start.FirstNGift < 0 || start.FirstNGift > start.Quantity)
            {
                v.Add("firstNGift", "firstNGift must be between 0 and quantity.");
            }

            v.ThrowIfInvalid();
            if (Campaign.ActiveFlashSale(item.ItemId, now) is not null)
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Flash sale running", $"A flash sale on {item.Name} is already running; wait for it to end.");
            }

            var flash = new FlashSale
            {
                FlashSaleId = start.FlashSaleId, ItemId = item.ItemId, Quantity = start.Quantity, PriceFen = start.PriceFen,
                StartsAt = now, EndsAt = now.AddSeconds(start.DurationSeconds), FirstNGift = start.FirstNGift,
            };
            Campaign.FlashSales.Add(flash);
            FlashStarted.Add(flash);
            AddEvent("flashSale.started", $"campaigns/{Campaign.CampaignId}/flash-sales/{flash.FlashSaleId}", new { Campaign.CampaignId, flash.FlashSaleId, flash.ItemId, flash.Quantity, flash.PriceFen, flash.EndsAt, flash.FirstNGift });
            Live.Add(new LiveMessage("flashSaleStarted", new { flash.FlashSaleId, flash.ItemId, flash.PriceFen, flash.Quantity, flash.EndsAt, flash.FirstNGift }));
            var copy = flash.Clone();
            _answers.Add(() => start.Complete(copy));
            return true;
        }

        private bool EndFlash(EndFlashSaleCommand end)
        {
            var flash = Campaign.FlashSales.FirstOrDefault(f => f.FlashSaleId == end.FlashSaleId);
            if (flash is null || flash.EndedAt is not null)
            {
                return AnswerNow(end, flash?.Clone());
            }

            if (Room < 1)
            {
                return false;
            }

            EndFlashSale(flash);
            var copy = flash.Clone();
            _answers.Add(() => end.Complete(copy));
            return true;
        }

        private void EndFlashSale(FlashSale flash)
        {
            flash.EndedAt = now;
            AddEvent("flashSale.ended", $"campaigns/{Campaign.CampaignId}/flash-sales/{flash.FlashSaleId}", new { Campaign.CampaignId, flash.FlashSaleId, flash.ItemId, flash.Sold, flash.Orders });
            Live.Add(new LiveMessage("flashSaleEnded", new { flash.FlashSaleId, flash.ItemId }));
        }

        private bool Evaluate(EvaluateOrdersCommand e, CampaignDesk desk)
        {
            if (Campaign.Phase != CampaignPhase.Closed)
            {
                return AnswerNow(e, 0); // evaluation belongs to a closed campaign; anything else has moved on
            }

            var waiting = e.OrderIds.Distinct(StringComparer.Ordinal)
                .Select(desk.RecentOrder).OfType<Order>()
                .Where(o => o.Status == OrderStatus.Placed && !Evaluated.Any(x => x.OrderId == o.OrderId)).ToList();
            if (waiting.Count == 0)
            {
                return AnswerNow(e, 0); // every order already has its outcome (a redelivered chunk, a restart mid-way)
            }

            if (Room < 4)
            {
                return false;
            }

            var evaluated = 0;
            foreach (var order in waiting.TakeWhile(_ => Room >= 4))
            {
                var updated = CampaignTables.ToOrder(CampaignTables.ToEntity(order));
                foreach (var line in updated.Lines.Where(l => l.Status == OrderStatus.Placed))
                {
                    var item = Campaign.FindItem(line.ItemId);
                    if (item is not null && item.Sold >= item.MinGroupSize)
                    {
                        line.Status = OrderStatus.Confirmed;
                    }
                    else
                    {
                        line.Status = OrderStatus.Cancelled;
                        line.CancelReason = "group-minimum-not-met";
                    }
                }

                var confirmed = updated.Status == OrderStatus.Confirmed;
                if (confirmed)
                {
                    Campaign.Confirmed++;
                    Campaign.ToFulfil++;
                    if (updated.Fulfilment == Fulfilment.Pickup)
                    {
                        updated.PickupCode = PickupCodes.New();
                        Operations.Add(new RoundOperation(OperationKind.PickupCodeInsert, updated.PickupCode,
                            TableOperation.Insert(new TableEntity(Campaign.CampaignId, CampaignTables.PickupCodeRow(updated.PickupCode)) { ["Kind"] = "pickupCode", ["OrderId"] = updated.OrderId }), null));
                    }
                }

                Evaluated.Add(updated);
                Operations.Add(new RoundOperation(OperationKind.OrderReplace, updated.OrderId, TableOperation.Replace(CampaignTables.ToEntity(updated), order.ETag ?? "*"), null, etag => updated.ETag = etag));
                AddEvent(confirmed ? "order.confirmed" : "order.cancelled", $"orders/{updated.OrderId}", new
                {
                    updated.OrderId, updated.CampaignId, updated.MemberId, reason = confirmed ? null : "group-minimum-not-met", updated.TotalFen,
                    lines = updated.Lines.Select(l => new { l.ItemId, status = Order.Wire(l.Status) }),
                }, occurrence: "evaluation");
                AddEvent("notification.result", $"members/{updated.MemberId}", new
                {
                    memberId = updated.MemberId, Campaign.CampaignId, kind = "result", orderId = updated.OrderId,
                    text = confirmed
                        ? updated.Fulfilment == Fulfilment.Pickup ? $"成团成功！请凭取货码 {updated.PickupCode} 到门店自提。" : "成团成功！我们会尽快为您配送。"
                        : "很遗憾，本次商品未达到成团人数，订单已取消。",
                }, occurrence: updated.OrderId);
                evaluated++;
            }

            var count = evaluated;
            _answers.Add(() => e.Complete(count));
            return true;
        }

        public List<Order> Evaluated { get; } = [];

        private bool FinishEvaluation(FinishEvaluationCommand f)
        {
            if (Campaign.EvaluationDone || Campaign.Phase != CampaignPhase.Closed)
            {
                return AnswerNow(f, Campaign.Clone());
            }

            if (Room < 1)
            {
                return false;
            }

            Campaign.EvaluationDone = true;
            if (Campaign.ToFulfil == 0)
            {
                Campaign.FulfilledAt = now;
            }

            AddEvent("campaign.groupEvaluated", $"campaigns/{Campaign.CampaignId}", new
            {
                Campaign.CampaignId, Campaign.Confirmed,
                items = Campaign.Items.Select(i => new { i.ItemId, i.Sold, i.MinGroupSize, met = i.Sold >= i.MinGroupSize }),
            });
            var after = Campaign.Clone();
            _answers.Add(() => f.Complete(after));
            return true;
        }

        private bool Fulfil(FulfilOrderCommand f, CampaignDesk desk)
        {
            var order = Fulfilled.FirstOrDefault(o => o.OrderId == f.OrderId) ?? desk.RecentOrder(f.OrderId) ?? throw AppProblem.NotFound("order", f.OrderId);
            if (f.To == OrderStatus.PickedUp && (order.PickupCode is null || !string.Equals(order.PickupCode, f.PickupCode?.Trim(), StringComparison.Ordinal)))
            {
                throw AppProblem.Conflict(ProblemCodes.WrongPickupCode, "Wrong pickup code", "That pickup code does not belong to this order; ask the member to show the code in their order.");
            }

            if (order.Status is OrderStatus.PickedUp or OrderStatus.Delivered)
            {
                throw AppProblem.Conflict(ProblemCodes.AlreadyPickedUp, "Already handed over",
                    $"This order was already {(order.Status == OrderStatus.PickedUp ? "picked up" : "delivered")} at {order.FulfilledAt:yyyy-MM-dd HH:mm} UTC.");
            }

            if (order.Status is not (OrderStatus.Confirmed or OrderStatus.Dispatched))
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Not ready", $"Only confirmed orders are handed over; this one is {Order.Wire(order.Status)}.");
            }

            var wantsDelivery = f.To is OrderStatus.Dispatched or OrderStatus.Delivered;
            if (wantsDelivery != (order.Fulfilment == Fulfilment.Delivery))
            {
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Wrong handover", order.Fulfilment == Fulfilment.Delivery
                    ? "This order is delivered, not picked up: use /delivery."
                    : "This order is picked up at the store with its code, not delivered.");
            }

            if (f.To == OrderStatus.Dispatched && order.Status == OrderStatus.Dispatched)
            {
                return AnswerNow(f, order);
            }

            if (Room < 2)
            {
                return false;
            }

            var updated = CampaignTables.ToOrder(CampaignTables.ToEntity(order));
            updated.FulfilmentStatus = f.To;
            if (f.To is OrderStatus.PickedUp or OrderStatus.Delivered)
            {
                updated.FulfilledAt = now;
                Campaign.ToFulfil = Math.Max(0, Campaign.ToFulfil - 1);
                if (Campaign.ToFulfil == 0 && Campaign.EvaluationDone)
                {
                    Campaign.FulfilledAt = now;
                }
            }

            Fulfilled.Add(updated);
            Operations.Add(new RoundOperation(OperationKind.OrderReplace, updated.OrderId, TableOperation.Replace(CampaignTables.ToEntity(updated), order.ETag ?? "*"), f, etag => updated.ETag = etag));
            AddEvent($"order.{Order.Wire(f.To)}", $"orders/{updated.OrderId}", new { updated.OrderId, updated.CampaignId, updated.MemberId, at = now }, occurrence: Order.Wire(f.To));
            _answers.Add(() => f.Complete(updated));
            return true;
        }

        public List<Order> Fulfilled { get; } = [];

        private bool Notify(NotifyMembersCommand n)
        {
            if ((n.MarksPickupReminder && Campaign.PickupReminderSent) || (n.MarksDone is { } done && Campaign.Done.Contains(done)))
            {
                return AnswerNow(n, 0);
            }

            if (Room < n.Recipients.Count + 1)
            {
                if (Operations.Count > 0 || HasEvents)
                {
                    return false;
                }

                throw new InvalidOperationException($"At most {MaxOperations - 2} recipients per notification command.");
            }

            foreach (var (memberId, orderId) in n.Recipients)
            {
                AddEvent($"notification.{n.Kind}", $"members/{memberId}", new { memberId, Campaign.CampaignId, kind = n.Kind, text = n.Text, orderId }, occurrence: n.Kind);
            }

            Campaign.PickupReminderSent |= n.MarksPickupReminder;
            if (n.MarksDone is { } mark)
            {
                Campaign.Done.Add(mark);
            }

            CampaignChanged |= n.MarksPickupReminder || n.MarksDone is not null;
            var count = n.Recipients.Count;
            _answers.Add(() => n.Complete(count));
            return true;
        }

        private bool HasTallyWrite(string memberId) =>
            Operations.Any(o => o.Kind is OperationKind.TallyInsert or OperationKind.TallyReplace && o.Key == memberId);

        /// <summary>One tally write per member per round, carrying the member's latest quantities.</summary>
        private void AddTallyWrite(MemberTally tally)
        {
            Operations.RemoveAll(o => o.Kind is OperationKind.TallyInsert or OperationKind.TallyReplace && o.Key == tally.MemberId);

            var entity = CampaignTables.ToEntity(Campaign.CampaignId, tally);
            Operations.Add(tally.ETag is null
                ? new RoundOperation(OperationKind.TallyInsert, tally.MemberId, TableOperation.Insert(entity), null, etag => tally.ETag = etag)
                : new RoundOperation(OperationKind.TallyReplace, tally.MemberId, TableOperation.Replace(entity, tally.ETag), null, etag => tally.ETag = etag));
        }

        private void AddEvent<T>(string type, string subject, T data, string? occurrence = null)
        {
            var seq = Campaign.NextEventSeq();
            var packed = CampaignTables.Pack(seq, DomainEvent.Create(type, Campaign.ChainId, subject, data, now, occurrence));
            if (_eventRows == 0 || _lastRowChars + packed.Json.Length + 1 > CampaignTables.MaxPackedEventChars)
            {
                _eventRows++;
                _lastRowChars = 0;
            }

            _lastRowChars += packed.Json.Length + 1;
            _events.Add(packed);
        }
    }
}
