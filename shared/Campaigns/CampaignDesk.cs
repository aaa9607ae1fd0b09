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
    IReadOnlyList<DomainEvent> Events,
    IReadOnlySet<string> StockChangedItems,
    IReadOnlyList<FlashSale> FlashSalesStarted,
    bool Fulfilments)
{
    public bool HasEvents => Events.Count > 0;
}

/// <summary>What a check of the whole campaign found used up: every item (截单), or a flash sale's quota.</summary>
public sealed record StockExhausted(string CampaignId, bool AllItems, IReadOnlyList<string> FlashSales);

/// <summary>Runs after each committed round, off the request path.</summary>
public interface ICampaignCommitObserver
{
    Task OnCommittedAsync(CommittedRound round, CancellationToken cancellationToken);

    Task OnExhaustedAsync(StockExhausted exhausted, CancellationToken cancellationToken);
}

/// <summary>Counters of this process's desks (read by <c>GET /api/health</c> and the bench).</summary>
public static class DeskMetrics
{
    private static long _ordersPlaced;
    private static long _committedRounds;
    private static long _etagConflicts;

    public static long OrdersPlaced => Interlocked.Read(ref _ordersPlaced);

    public static long CommittedRounds => Interlocked.Read(ref _committedRounds);

    /// <summary>Transactions refused because a row moved under them (412/409 on the campaign row, a lane or a tally).</summary>
    public static long EtagConflicts => Interlocked.Read(ref _etagConflicts);

    internal static void Committed(int orders)
    {
        Interlocked.Increment(ref _committedRounds);
        Interlocked.Add(ref _ordersPlaced, orders);
    }

    internal static void Conflict() => Interlocked.Increment(ref _etagConflicts);
}

/// <summary>
/// The single writer of one campaign in this process (group commit), and the commit loop only: the rules are the
/// <see cref="Campaign"/> aggregate's, the rows <see cref="CampaignTables"/>'. Commands queue up; each round applies as
/// many as fit in one entity group transaction to working copies and commits them atomically.
/// <para>
/// Orders, cancellations and reservations change this instance's <see cref="StockLane"/> (its own row, its own
/// ETag), never the campaign row, so instances selling one campaign do not fight over one row. Units come from the
/// pool on the campaign row in chunks (a claim), or from another lane when the pool is empty (a rebalance); "sold out"
/// is answered only after a consistent read of the pool and every lane finds too few. A change to what orders depend
/// on — the phase, a flash sale — writes the campaign row and moves every lane's version in the same transaction (a
/// fence), so no lane commits an order on a stale phase or price: its next write is refused and it re-reads.
/// </para>
/// </summary>
public sealed partial class CampaignDesk : IAsyncDisposable
{
    public const int MaxOperations = AzureTableStore.MaxTransactionOperations;
    private const int MaxFailures = 12;
    private const int RecentOrderCapacity = 20_000;

    /// <summary>The most units one claim takes from the pool (the most a vanished instance can strand until rebalanced).</summary>
    public const int MaxChunk = 500;

    /// <summary>A round of fewer commands than this, right after another, waits <see cref="Linger"/> for more.</summary>
    private const int LingerBelow = 24;

    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(2);

    private const long LingerWhenBusyWithinMs = 100;

    /// <summary>When the last round committed (real time, <see cref="Environment.TickCount64"/>: batching is about the machine, not the domain clock).</summary>
    private long _lastCommit = long.MinValue / 2;

    /// <summary>How long a check that the campaign lacks units stands (then orders check again).</summary>
    public static readonly TimeSpan VerifiedFor = TimeSpan.FromSeconds(1);

    private readonly string _campaignId;
    private readonly string _instanceId;
    private readonly ITableStore _tables;
    private readonly TimeProvider _clock;
    private readonly ICampaignCommitObserver _observer;
    private readonly ILogger _logger;
    private readonly Channel<DeskCommand> _commands = Channel.CreateUnbounded<DeskCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, MemberTally> _tallies = new(StringComparer.Ordinal);

    /// <summary>Members' pickup codes in this campaign as stored (null: none yet), read before an evaluation round.</summary>
    private readonly Dictionary<string, string?> _memberCodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Order> _recentOrders = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrderIds = new();
    private readonly Dictionary<string, (int Total, DateTimeOffset At, bool Used)> _verified = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private Campaign? _campaign;
    private StockLane? _lane;
    private int _exhaustionCheck;

    /// <summary>The campaign and lanes were read from storage since the last round: refusals may rest on them.</summary>
    private bool _justRead;

    /// <summary>How long a waitlist claim holds its units.</summary>
    private readonly TimeSpan _claimFor;

    public CampaignDesk(string campaignId, string instanceId, ITableStore tables, TimeProvider clock, ICampaignCommitObserver observer, ILogger logger, WaitlistSettings? waitlist = null)
    {
        _claimFor = (waitlist ?? WaitlistSettings.Default).ClaimFor;
        _campaignId = campaignId;
        _instanceId = instanceId;
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

                if (pending.Count < LingerBelow && Environment.TickCount64 - _lastCommit < LingerWhenBusyWithinMs)
                {
                    // Busy: the answers of the last round are bringing their buyers' next orders. Waiting a moment
                    // gathers them into this round instead of leaving half for the next (group commit's linger).
                    await Task.Delay(Linger, _stopping.Token);
                    while (pending.Count < MaxOperations && _commands.Reader.TryRead(out var command))
                    {
                        pending.Add(command);
                    }
                }

                try
                {
                    await ProcessAsync(pending);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogError(ex, "Campaign {CampaignId}: a round failed; its commands are refused", _campaignId);
                    Forget();
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
            Exception shutdown = FoundNoCampaign
                ? AppProblem.NotFound("campaign", _campaignId) // let go for naming no campaign: what was queued meanwhile hears the same
                : new ObjectDisposedException(nameof(CampaignDesk), "The app is shutting down; retry the request.");
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

    private void Forget()
    {
        _campaign = null;
        _lane = null;
        _tallies.Clear();
    }

    /// <summary>Rounds until every pending command is answered; what does not fit waits for the next round.</summary>
    private async Task ProcessAsync(List<DeskCommand> pending)
    {
        var failures = 0;
        while (pending.Count > 0)
        {
            if (failures > MaxFailures)
            {
                _logger.LogWarning("Campaign {CampaignId}: {Count} commands answered busy after {Failures} refused attempts in a row", _campaignId, Math.Min(pending.Count, MaxOperations / 3), failures);
                var busy = AppProblem.Conflict("busy", "Busy", "The campaign is changing very fast right now; nothing was written. Retry the request (with the same Idempotency-Key).");
                foreach (var command in pending.Take(MaxOperations / 3).ToList())
                {
                    command.Fail(busy);
                    pending.Remove(command);
                }

                return;
            }

            if (_campaign is null && !await TryLoadAsync())
            {
                // An id that names no campaign: a 404 to every command, and the desk is let go (CampaignDesks).
                var missing = AppProblem.NotFound("campaign", _campaignId);
                foreach (var command in pending)
                {
                    command.Fail(missing);
                }

                pending.Clear();
                return;
            }

            if (_lane is null && pending.Any(IsLaneCommand))
            {
                await AcquireLaneAsync();
            }

            if (!_justRead && NeedsFreshLanes(pending[0]))
            {
                await ReloadAsync(); // fences need every lane's ETag; flash quotas and 成团 need every lane's counts
            }

            var fresh = _justRead;
            _justRead = false;
            var freshTallies = await PrefetchAsync(pending);
            var round = new Round(this, _campaign!.Clone(), _lane?.Clone(), fresh, freshTallies, _clock.GetUtcNow());
            foreach (var command in pending)
            {
                if (!round.TryAdd(command))
                {
                    break; // no room, too few units in the lane, or a refusal to check on fresh state: the rest waits
                }
            }

            pending.RemoveAll(round.IsAnswered);
            if (round.IsEmpty)
            {
                if (round.Lookups.Count > 0)
                {
                    await LookUpOrdersAsync(round.Lookups);
                }
                else if (round.Shortage is { } shortage)
                {
                    if (!await RefillAsync(shortage))
                    {
                        failures++;
                    }
                }
                else if (round.NeedsFreshState)
                {
                    await ReloadAsync();
                }

                continue;
            }

            if (await CommitAsync(round, pending))
            {
                failures = 0;
            }
            else
            {
                failures++;
            }
        }
    }

    private static bool IsLaneCommand(DeskCommand command) => command is PlaceOrderCommand or CancelOrderCommand or ReserveCommand or PromoteWaitlistCommand;

    private static bool NeedsFreshLanes(DeskCommand command) =>
        command is TransitionCommand or StartFlashSaleCommand or EndFlashSaleCommand or RestockItemCommand or EvaluateOrdersCommand or FinishEvaluationCommand or JoinWaitlistCommand;

    private async Task<bool> CommitAsync(Round round, List<DeskCommand> pending)
    {
        var now = round.Now;
        var ops = new List<RoundOperation>();
        var campaign = round.Campaign;
        if (round.CampaignChanged)
        {
            campaign.Version++;
        }

        round.SealEvents(); // numbers events in their streams (the campaign's and the lane's)
        if (round.CampaignChanged)
        {
            ops.Add(new RoundOperation(OperationKind.CampaignRow, _campaignId, TableOperation.Replace(CampaignTables.ToEntity(campaign), _campaign!.ETag!), null));
        }

        var lane = round.Lane;
        if (round.LaneChanged && lane is not null)
        {
            lane.Version++;
            if (lane.Owner == _instanceId)
            {
                lane.LeaseUntil = now + StockLane.Lease;
            }

            var row = CampaignTables.ToEntity(_campaignId, lane);
            ops.Add(new RoundOperation(OperationKind.LaneRow, lane.LaneId, lane.ETag is null ? TableOperation.Insert(row) : TableOperation.Replace(row, lane.ETag), null));
        }

        var fenced = new List<StockLane>();
        if (round.Fence)
        {
            foreach (var other in campaign.Lanes)
            {
                var moved = other.Clone();
                moved.Version++;
                fenced.Add(moved);
                ops.Add(new RoundOperation(OperationKind.Fence, other.LaneId, TableOperation.Merge(CampaignTables.ToFence(_campaignId, moved, campaign.Version), other.ETag!), null));
            }
        }

        ops.AddRange(round.Operations);
        IReadOnlyList<string?> etags;
        try
        {
            etags = await _tables.SubmitTransactionAsync(CampaignTables.Campaigns, ops.Select(o => o.Operation).ToList(), _stopping.Token);
        }
        catch (TableTransactionFailedException ex)
        {
            var index = ex.FailedOperationIndex;
            await RecoverAsync(ex, index is >= 0 && index < ops.Count ? ops[index.Value] : null, pending);
            return false;
        }

        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            switch (op.Kind)
            {
                case OperationKind.CampaignRow:
                    campaign.ETag = etags[i];
                    break;
                case OperationKind.LaneRow:
                    lane!.ETag = etags[i];
                    break;
                case OperationKind.Fence:
                    fenced.First(f => f.LaneId == op.Key).ETag = etags[i];
                    break;
                default:
                    op.OnCommitted?.Invoke(etags[i]);
                    break;
            }
        }

        foreach (var moved in fenced)
        {
            campaign.UseLane(moved);
            if (_lane?.LaneId == moved.LaneId)
            {
                lane = moved;
            }
        }

        if (lane is not null)
        {
            campaign.UseLane(lane);
            _lane = lane;
        }

        _campaign = campaign;
        foreach (var (memberId, tally) in round.Tallies)
        {
            _tallies[memberId] = tally;
        }

        foreach (var order in round.Placed.Concat(round.Cancelled).Concat(round.Evaluated).Concat(round.Fulfilled))
        {
            Remember(order);
        }

        foreach (var (memberId, code) in round.MemberCodes)
        {
            _memberCodes[memberId] = code;
        }

        if (round.Fence)
        {
            _verified.Clear(); // units may have come (a 补货): a "none left" found before it no longer stands here; other instances' expire within VerifiedFor
        }

        round.Answer();
        _lastCommit = Environment.TickCount64;
        pending.RemoveAll(round.Included.Contains);
        DeskMetrics.Committed(round.Placed.Count);
        FireObserver(new CommittedRound(campaign.Clone(), round.Placed, round.Cancelled, round.Transitions, round.SealedEvents,
            round.StockChanged, round.FlashStarted, round.Fulfilled.Count > 0 || round.Evaluated.Count > 0));
        if (round.Placed.Count > 0)
        {
            CheckExhaustionIfLikely();
        }

        return true;
    }

    /// <summary>After a refused transaction: learn why, fix the state or answer the command at fault; the caller goes again.</summary>
    private async Task RecoverAsync(TableTransactionFailedException ex, RoundOperation? op, List<DeskCommand> pending)
    {
        _logger.LogDebug("Campaign {CampaignId}: transaction refused ({Status} at {Kind}); re-evaluating", _campaignId, ex.Status, op?.Kind);
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
            case 409 when op?.Kind == OperationKind.PickupCodeInsert:
                break; // two orders drew the same code: the next attempt draws new ones
            case 409 when op?.Kind == OperationKind.MemberCodeInsert:
                // Another instance gave one of these members her code meanwhile: read the members' codes again and use those.
                _memberCodes.Clear();
                break;
            case 409 or 412 or 404 when op?.Kind is OperationKind.TallyInsert or OperationKind.TallyReplace:
                // A member ordered through another instance meanwhile. Read every tally of the round again, not only
                // this one: the transaction reports one failure, and others may be as stale.
                DeskMetrics.Conflict();
                _tallies.Clear();
                break;
            case 409 or 412 or 404:
                // The campaign row or a lane moved (another instance, a fence, a rebalance), or our copy is stale: read again.
                DeskMetrics.Conflict();
                await ReloadAsync();
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

    // ----- reading state -----

    /// <summary>True when the last read found no campaign with this id (the desk then holds nothing and should be let go).</summary>
    public bool FoundNoCampaign => Volatile.Read(ref _foundNoCampaign);

    private bool _foundNoCampaign;

    private async Task ReloadAsync()
    {
        if (!await TryLoadAsync())
        {
            throw AppProblem.NotFound("campaign", _campaignId);
        }
    }

    /// <summary>
    /// Reads the campaign with every lane; false when there is no such campaign. Lanes are read before the campaign
    /// row: a fence committed in between shows as the new phase, never as a stale lane ETag that would let an order through.
    /// </summary>
    private async Task<bool> TryLoadAsync()
    {
        var campaign = await CampaignTables.ReadAsync(_tables, _campaignId, _stopping.Token);
        Volatile.Write(ref _foundNoCampaign, campaign is null);
        if (campaign is null)
        {
            return false;
        }

        _campaign = campaign;
        _justRead = true;
        // Keep the lane if it is still ours (or we were sharing it); a lane taken over by another instance is let go.
        _lane = _lane is { } held && _campaign.Lanes.FirstOrDefault(l => l.LaneId == held.LaneId) is { } stored && (stored.Owner == _instanceId || held.Owner != _instanceId)
            ? stored.Clone()
            : null;
        return true;
    }

    /// <summary>The campaign with every lane (see <see cref="TryLoadAsync"/>).</summary>
    private async Task<Campaign> ReadAsync() =>
        await CampaignTables.ReadAsync(_tables, _campaignId, _stopping.Token) ?? throw AppProblem.NotFound("campaign", _campaignId);

    /// <summary>
    /// Reads, in parallel, what the next round needs and the desk does not hold: member tallies, and the current row of
    /// every order to change (always fresh: another instance may have changed it). Answers the tallies read now.
    /// </summary>
    private async Task<HashSet<string>> PrefetchAsync(List<DeskCommand> pending)
    {
        var window = pending.Take(MaxOperations).ToList();
        var changes = window.OfType<CancelOrderCommand>().Select(c => c.OrderId)
            .Concat(window.OfType<EvaluateOrdersCommand>().SelectMany(e => e.OrderIds))
            .Concat(window.OfType<FulfilOrderCommand>().Select(f => f.OrderId))
            .Distinct(StringComparer.Ordinal).ToList();
        foreach (var (orderId, row) in await Task.WhenAll(changes.Select(async id =>
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

        // 成团 gives a member one pickup code for all her orders: know the codes the members of these orders already have.
        var coded = window.OfType<EvaluateOrdersCommand>().SelectMany(e => e.OrderIds).Select(id => _recentOrders.GetValueOrDefault(id)?.MemberId).OfType<string>()
            .Where(m => !_memberCodes.ContainsKey(m)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var (memberId, row) in await Task.WhenAll(coded.Select(async m =>
                     (m, await _tables.GetAsync(CampaignTables.Campaigns, _campaignId, CampaignTables.MemberCodeRow(m), ["Code"], _stopping.Token)))))
        {
            _memberCodes[memberId] = row?.GetString("Code");
        }

        if (_memberCodes.Count > RecentOrderCapacity)
        {
            _memberCodes.Clear();
        }

        var campaign = _campaign;
        var members = window.OfType<PlaceOrderCommand>().Where(p => campaign is null || campaign.HasLimited(p.Lines.Select(l => l.ItemId))).Select(p => p.MemberId)
            .Concat(changes.Select(id => _recentOrders.GetValueOrDefault(id)?.MemberId).OfType<string>())
            .Where(m => !_tallies.ContainsKey(m)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var (memberId, row) in await Task.WhenAll(members.Select(async m =>
                     (m, await _tables.GetAsync(CampaignTables.Campaigns, _campaignId, CampaignTables.TallyRow(m), cancellationToken: _stopping.Token)))))
        {
            _tallies[memberId] = CampaignTables.ToTally(memberId, row);
        }

        return members.ToHashSet(StringComparer.Ordinal);
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

    /// <summary>Order ids looked up in storage and not found (a refusal may then be given); bounded like the recent orders.</summary>
    private readonly HashSet<string> _absent = new(StringComparer.Ordinal);

    /// <summary>True until the order was looked up and not found; a "not found" serves one refusal, then a retry looks again.</summary>
    internal bool MayExistElsewhere(string orderId) => !_recentOrders.ContainsKey(orderId) && !_absent.Remove(orderId);

    private async Task LookUpOrdersAsync(IEnumerable<string> orderIds)
    {
        if (_absent.Count > RecentOrderCapacity)
        {
            _absent.Clear();
        }

        foreach (var (orderId, row) in await Task.WhenAll(orderIds.Select(async id =>
                     (id, await _tables.GetAsync(CampaignTables.Campaigns, _campaignId, CampaignTables.OrderRow(id), cancellationToken: _stopping.Token)))))
        {
            if (row is null)
            {
                _absent.Add(orderId);
            }
            else
            {
                Remember(CampaignTables.ToOrder(row));
            }
        }
    }

    internal MemberTally? CommittedTally(string memberId) => _tallies.GetValueOrDefault(memberId);

    /// <summary>The member's stored pickup code in this campaign: null when she has none, or when the desk has not read it.</summary>
    internal string? MemberCode(string memberId) => _memberCodes.GetValueOrDefault(memberId);

    internal bool KnowsMemberCode(string memberId) => _memberCodes.ContainsKey(memberId);

    internal void ForgetTally(string memberId) => _tallies.Remove(memberId);

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
        CampaignRow,
        LaneRow,
        Fence,
        OrderInsert,
        OrderReplace,
        TallyInsert,
        TallyReplace,
        ReservationInsert,
        HistoryInsert,
        EventInsert,
        PickupCodeInsert,
        MemberCodeInsert,
    }

    internal sealed record RoundOperation(OperationKind Kind, string Key, TableOperation Operation, DeskCommand? Command, Action<string?>? OnCommitted = null);
}
