using ServerlessCommerce.Common;
using ServerlessCommerce.Events;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

public sealed partial class CampaignDesk
{
    /// <summary>
    /// The working copy of one round: the commands applied to copies of the campaign, this instance's lane and the
    /// members' tallies, and the rows to write. Rules live in <see cref="Campaign"/>; this only sizes the transaction,
    /// turns outcomes into rows and holds the answers until the commit.
    /// </summary>
    private sealed class Round(CampaignDesk desk, Campaign campaign, StockLane? lane, bool fresh, IReadOnlySet<string> freshTallies, DateTimeOffset now)
    {
        private readonly List<Action> _answers = [];
        private readonly HashSet<DeskCommand> _answered = [];
        private readonly IReadOnlyDictionary<string, int> _verified = desk.Verified(now);
        private readonly List<PackedEvent> _laneEvents = [];
        private readonly List<PackedEvent> _campaignEvents = [];
        private (int Rows, int Chars) _laneRows;
        private (int Rows, int Chars) _campaignRows;
        private bool _solo;

        public DateTimeOffset Now { get; } = now;

        public Campaign Campaign { get; } = campaign;

        public StockLane? Lane { get; } = lane;

        public Dictionary<string, MemberTally> Tallies { get; } = new(StringComparer.Ordinal);

        public List<RoundOperation> Operations { get; } = [];

        public List<DeskCommand> Included { get; } = [];

        public List<Order> Placed { get; } = [];

        public List<Order> Cancelled { get; } = [];

        public List<Order> Evaluated { get; } = [];

        /// <summary>Pickup codes this round gives members who had none (memberId → code).</summary>
        public Dictionary<string, string> MemberCodes { get; } = new(StringComparer.Ordinal);

        public List<Order> Fulfilled { get; } = [];

        public List<Transition> Transitions { get; } = [];

        public HashSet<string> StockChanged { get; } = new(StringComparer.Ordinal);

        public List<FlashSale> FlashStarted { get; } = [];

        public List<DomainEvent> SealedEvents { get; } = [];

        public bool CampaignChanged { get; private set; }

        public bool LaneChanged { get; private set; }

        /// <summary>The round changes what orders depend on (phase, flash sales): every lane's version moves with it.</summary>
        public bool Fence { get; private set; }

        /// <summary>The lane lacks units for the next command (and nobody checked the campaign lacks them).</summary>
        public IReadOnlyDictionary<string, int>? Shortage { get; private set; }

        /// <summary>A refusal rests on state read earlier (phase, a tally): it is checked on fresh state first.</summary>
        public bool NeedsFreshState { get; private set; }

        public bool IsEmpty => Operations.Count == 0 && !CampaignChanged && !LaneChanged;

        public bool IsAnswered(DeskCommand command) => _answered.Contains(command);

        // The campaign and lane rows, fences, the rows so far, the event rows so far, and one spare for the events of the
        // command being added.
        private int Room => MaxOperations - 2 - (Fence ? Campaign.Lanes.Count : 0) - Operations.Count - _laneRows.Rows - _campaignRows.Rows - 1;

        public void Answer()
        {
            foreach (var answer in _answers)
            {
                answer();
            }
        }

        /// <summary>Adds the command to the round; false when it must wait (no room, units to fetch, fresh state to read).</summary>
        public bool TryAdd(DeskCommand command)
        {
            if (_solo)
            {
                return false;
            }

            try
            {
                var added = command switch
                {
                    PlaceOrderCommand p => Place(p),
                    CancelOrderCommand c => Cancel(c),
                    ReserveCommand r => Reserve(r),
                    TransitionCommand t => Move(t),
                    PinItemCommand pin => Pin(pin),
                    StartFlashSaleCommand start => StartFlash(start),
                    EndFlashSaleCommand end => EndFlash(end),
                    RestockItemCommand r => RestockItem(r),
                    EvaluateOrdersCommand e => Evaluate(e),
                    FinishEvaluationCommand f => FinishEvaluation(f),
                    FulfilOrderCommand f => Fulfil(f),
                    NotifyMembersCommand n => Notify(n),
                    JoinWaitlistCommand j => JoinWaitlist(j),
                    LeaveWaitlistCommand l => LeaveWaitlist(l),
                    PromoteWaitlistCommand w => PromoteWaitlist(w),
                    _ => throw new InvalidOperationException($"Unknown command {command.GetType().Name}."),
                };
                if (added && !_answered.Contains(command))
                {
                    Included.Add(command);
                }

                TakeEvents();
                return added;
            }
            catch (StockShortage shortage)
            {
                Shortage = shortage.Missing;
                return false;
            }
            catch (AppProblem problem)
            {
                if (RestsOnStaleState(command, problem))
                {
                    NeedsFreshState = true;
                    return false;
                }

                if (command is PlaceOrderCommand place && problem.Code != ProblemCodes.Validation && desk.MayExistElsewhere(place.OrderId))
                {
                    // A retry of an order another instance took (its answer was lost): it gets 200 with that order, not a refusal.
                    Lookups.Add(place.OrderId);
                    return false;
                }

                if (IsEmpty)
                {
                    command.Fail(problem);
                    _answered.Add(command);
                }
                else
                {
                    // The refusal rests on this round's uncommitted changes (units or a tally taken by an earlier
                    // command): it stands only if they commit; otherwise the command is evaluated again.
                    _answers.Add(() => command.Fail(problem));
                    Included.Add(command);
                }

                return true;
            }
        }

        /// <summary>Orders to look up in storage before a refusal is given (they may have been placed through another instance).</summary>
        public HashSet<string> Lookups { get; } = new(StringComparer.Ordinal);

        /// <summary>A refusal on the phase or a member's tally is given only on state read in this attempt (another instance may have moved it).</summary>
        private bool RestsOnStaleState(DeskCommand command, AppProblem problem)
        {
            if (problem.Code == ProblemCodes.MemberLimit && command is PlaceOrderCommand p && !freshTallies.Contains(p.MemberId))
            {
                desk.ForgetTally(p.MemberId);
                return true;
            }

            return !fresh && ((command is PlaceOrderCommand or ReserveCommand or CancelOrderCommand or JoinWaitlistCommand
                   && problem.Code is ProblemCodes.NotLive or ProblemCodes.InvalidTransition) || (command is JoinWaitlistCommand && problem.Code == "not-sold-out"));
        }

        private bool AnswerNow<TResult>(DeskCommand<TResult> command, TResult result)
        {
            command.Complete(result);
            _answered.Add(command);
            return true;
        }

        private MemberTally Tally(string memberId)
        {
            if (!Tallies.TryGetValue(memberId, out var tally))
            {
                tally = desk.CommittedTally(memberId)?.Clone() ?? new MemberTally { MemberId = memberId };
                Tallies[memberId] = tally;
            }

            return tally;
        }

        private bool Place(PlaceOrderCommand p)
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

            var limited = Campaign.HasLimited(p.Lines.Select(l => l.ItemId));
            if (Room < 1 + (!limited || HasTallyWrite(p.MemberId) ? 0 : 1) || Lane is null)
            {
                return false;
            }

            // The tally (the per-member limit's ledger) is read and written only for limited items: an order without
            // them writes one row, and members ordering through several instances do not contend.
            var tally = limited ? Tally(p.MemberId) : new MemberTally { MemberId = p.MemberId };
            ExpireClaims(p.Lines.Select(l => l.ItemId));
            var waitlistEdits = Campaign.WaitlistEdits;
            var order = Campaign.PlaceOrder(new OrderPlacement(p.OrderId, p.MemberId, p.MemberName, p.MaskedPhone, p.Lines, p.Fulfilment, p.Address, p.RequestHash, p.MemberPrice, p.Points),
                tally, Lane, _verified, Now);
            Placed.Add(order);
            LaneChanged = true;
            if (Campaign.WaitlistEdits != waitlistEdits)
            {
                CampaignChanged = true; // her claim's units were sold from the hold
                PromoteAtHand(order.Lines.Select(l => l.ItemId)); // what her order left of her claim goes to the next in line
            }
            Operations.Add(new RoundOperation(OperationKind.OrderInsert, order.OrderId, TableOperation.Insert(CampaignTables.ToEntity(order)), p, etag => order.ETag = etag));
            if (limited)
            {
                AddTallyWrite(tally);
            }

            StockChanged.UnionWith(order.Lines.Select(l => l.ItemId));
            _answers.Add(() => p.Complete(new OrderOutcome(order, Replayed: false)));
            return true;
        }

        private bool Cancel(CancelOrderCommand c)
        {
            if (Cancelled.FirstOrDefault(o => o.OrderId == c.OrderId) is { } inRound)
            {
                _answers.Add(() => c.Complete(inRound));
                return true;
            }

            var order = desk.RecentOrder(c.OrderId) ?? throw AppProblem.NotFound("order", c.OrderId);
            var limited = Campaign.HasLimited(order.Lines.Select(l => l.ItemId));
            var waitlisted = order.Lines.Any(l => Campaign.HasWaiting(l.ItemId)) ? 3 : 0; // room for the claims its units give
            if (Room < 1 + waitlisted + (!limited || HasTallyWrite(order.MemberId) ? 0 : 1) || Lane is null)
            {
                return false;
            }

            var tally = limited ? Tally(order.MemberId) : new MemberTally { MemberId = order.MemberId };
            var cancelled = Campaign.CancelOrder(order, c.MemberId, c.Reason, tally, Lane, Now);
            if (cancelled is null)
            {
                return AnswerNow(c, order);
            }

            Cancelled.Add(cancelled);
            LaneChanged = true;
            PromoteAtHand(cancelled.Lines.Select(l => l.ItemId)); // returned units go to the waitlist first, before anyone else can take them
            Operations.Add(new RoundOperation(OperationKind.OrderReplace, cancelled.OrderId,
                TableOperation.Replace(CampaignTables.ToEntity(cancelled), order.ETag ?? "*"), c, etag => cancelled.ETag = etag));
            if (limited)
            {
                AddTallyWrite(tally);
            }

            StockChanged.UnionWith(cancelled.Lines.Select(l => l.ItemId));
            _answers.Add(() => c.Complete(cancelled));
            return true;
        }

        private bool Reserve(ReserveCommand r)
        {
            if (Room < 1 || Lane is null)
            {
                return false;
            }

            Campaign.Reserve(Lane);
            LaneChanged = true;
            Operations.Add(new RoundOperation(OperationKind.ReservationInsert, r.MemberId, TableOperation.Insert(CampaignTables.ToReservationEntity(Campaign.CampaignId, r.MemberId, Now)), r));
            _answers.Add(() => r.Complete(true));
            return true;
        }

        /// <summary>Phase changes and flash sales go alone in their round: they write the campaign row and fence every lane.</summary>
        private bool Alone() => Operations.Count == 0 && !LaneChanged && !CampaignChanged;

        private bool Move(TransitionCommand t)
        {
            if (!Alone())
            {
                return false;
            }

            if (t.OnlyIfSoldOut && Campaign.Items.Any(i => !Campaign.IsSoldOutForAll(i.ItemId)))
            {
                return AnswerNow(t, (Campaign.Clone(), new Transition(Campaign.Phase, Campaign.Phase, Changed: false)));
            }

            var transition = Campaign.Move(t.Action, t.Cause, Now);
            if (!transition.Changed)
            {
                return AnswerNow(t, (Campaign.Clone(), transition));
            }

            Transitions.Add(transition);
            CampaignChanged = Fence = _solo = true;
            Operations.Add(new RoundOperation(OperationKind.HistoryInsert, t.Action, TableOperation.Insert(CampaignTables.ToHistoryEntity(Campaign, transition, t.Cause, Now)), t));
            _answers.Add(() => t.Complete((Campaign.Clone(), transition)));
            return true;
        }

        private bool Pin(PinItemCommand pin)
        {
            if (Room < 1)
            {
                return false;
            }

            if (!Campaign.Pin(pin.ItemId))
            {
                return AnswerNow(pin, Campaign.Clone());
            }

            CampaignChanged = true;
            _answers.Add(() => pin.Complete(Campaign.Clone()));
            return true;
        }

        private bool StartFlash(StartFlashSaleCommand start)
        {
            if (!Alone())
            {
                return false;
            }

            var (flash, started) = Campaign.StartFlashSale(start.FlashSaleId, start.ItemId, start.Quantity, start.PriceFen, start.DurationSeconds, start.FirstNGift, Now, start.GiftName);
            if (!started)
            {
                return AnswerNow(start, flash.Clone());
            }

            FlashStarted.Add(flash);
            CampaignChanged = Fence = _solo = true;
            _answers.Add(() => start.Complete(flash.Clone()));
            return true;
        }

        private bool RestockItem(RestockItemCommand r)
        {
            if (!Alone())
            {
                return false;
            }

            var (restock, added) = Campaign.AddStock(r.RestockId, r.ItemId, r.Quantity, Now);
            if (!added)
            {
                return AnswerNow(r, restock);
            }

            CampaignChanged = Fence = _solo = true;
            StockChanged.Add(r.ItemId);
            PromoteAtHand([r.ItemId]); // the new units go to the waitlist first, before anyone else can take them
            _answers.Add(() => r.Complete(restock));
            return true;
        }

        private bool EndFlash(EndFlashSaleCommand end)
        {
            if (!Alone())
            {
                return false;
            }

            var (flash, ended) = Campaign.EndFlashSale(end.FlashSaleId, Now);
            if (!ended)
            {
                return AnswerNow(end, flash?.Clone());
            }

            CampaignChanged = Fence = _solo = true;
            _answers.Add(() => end.Complete(flash!.Clone()));
            return true;
        }

        private bool Evaluate(EvaluateOrdersCommand e)
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

            if (Room < 5)
            {
                return false;
            }

            var evaluated = 0;
            foreach (var order in waiting.TakeWhile(_ => Room >= 5))
            {
                // One pickup code per member per campaign: her earlier orders' code, else a new one (index rows inserted
                // with the order, so a code is unique in the campaign and a member never gets two).
                var known = MemberCodes.GetValueOrDefault(order.MemberId) ?? desk.MemberCode(order.MemberId);
                var settled = Campaign.Evaluate(order, () => known ?? PickupCodes.New());
                if (settled is null)
                {
                    continue;
                }

                if (settled.PickupCode is { } code && known is null)
                {
                    MemberCodes[order.MemberId] = code;
                    Operations.Add(new RoundOperation(OperationKind.PickupCodeInsert, code, TableOperation.Insert(CampaignTables.ToPickupCodeEntity(Campaign.CampaignId, code, settled.OrderId, settled.MemberId)), null));
                    Operations.Add(new RoundOperation(OperationKind.MemberCodeInsert, settled.MemberId, TableOperation.Insert(CampaignTables.ToMemberCodeEntity(Campaign.CampaignId, settled.MemberId, code)), null));
                }

                Evaluated.Add(settled);
                Operations.Add(new RoundOperation(OperationKind.OrderReplace, settled.OrderId, TableOperation.Replace(CampaignTables.ToEntity(settled), order.ETag ?? "*"), null, etag => settled.ETag = etag));
                TakeEvents();
                evaluated++;
            }

            CampaignChanged = true;
            var count = evaluated;
            _answers.Add(() => e.Complete(count));
            return true;
        }

        private bool FinishEvaluation(FinishEvaluationCommand f)
        {
            if (Room < 1)
            {
                return false;
            }

            if (!Campaign.FinishEvaluation(Now))
            {
                return AnswerNow(f, Campaign.Clone());
            }

            CampaignChanged = true;
            _answers.Add(() => f.Complete(Campaign.Clone()));
            return true;
        }

        private bool Fulfil(FulfilOrderCommand f)
        {
            var order = Fulfilled.FirstOrDefault(o => o.OrderId == f.OrderId) ?? desk.RecentOrder(f.OrderId) ?? throw AppProblem.NotFound("order", f.OrderId);
            if (Room < 2)
            {
                return false;
            }

            var updated = Campaign.HandOver(order, f.To, f.PickupCode, Now);
            if (updated is null)
            {
                return AnswerNow(f, order);
            }

            Fulfilled.Add(updated);
            CampaignChanged = true;
            Operations.Add(new RoundOperation(OperationKind.OrderReplace, updated.OrderId, TableOperation.Replace(CampaignTables.ToEntity(updated), order.ETag ?? "*"), f, etag => updated.ETag = etag));
            _answers.Add(() => f.Complete(updated));
            return true;
        }

        private bool Notify(NotifyMembersCommand n)
        {
            if (Room < n.Recipients.Count + 1)
            {
                if (!IsEmpty)
                {
                    return false;
                }

                throw new InvalidOperationException($"At most {MaxOperations - 4} recipients per notification command.");
            }

            if (!Campaign.Notify(n.Kind, n.Recipients, n.MarksPickupReminder, n.MarksDone))
            {
                return AnswerNow(n, 0);
            }

            CampaignChanged = true;
            var count = n.Recipients.Count;
            _answers.Add(() => n.Complete(count));
            return true;
        }

        // ----- 候补 (waitlist): it lives on the campaign row; a claim's units move from general stock into the pool's hold -----

        private bool JoinWaitlist(JoinWaitlistCommand j)
        {
            if (Room < 1)
            {
                return false;
            }

            var edits = Campaign.WaitlistEdits;
            var joined = Campaign.JoinWaitlist(j.ItemId, j.MemberId, j.MemberName, j.Quantity, Now);
            if (Campaign.WaitlistEdits == edits)
            {
                return AnswerNow(j, joined with { Entry = joined.Entry.Clone() });
            }

            CampaignChanged = true;
            var answer = joined with { Entry = joined.Entry.Clone() };
            _answers.Add(() => j.Complete(answer));
            return true;
        }

        private bool LeaveWaitlist(LeaveWaitlistCommand l)
        {
            if (Room < 2)
            {
                return false;
            }

            if (!Campaign.LeaveWaitlist(l.ItemId, l.MemberId))
            {
                return AnswerNow(l, false);
            }

            CampaignChanged = true;
            Campaign.PromoteWaitlist(l.ItemId, null, null, desk._claimFor, Now); // a claim she gave up passes to the next in line
            StockChanged.Add(l.ItemId);
            _answers.Add(() => l.Complete(true));
            return true;
        }

        private bool PromoteWaitlist(PromoteWaitlistCommand w)
        {
            if (Room < 3 || Lane is null)
            {
                return false;
            }

            var edits = Campaign.WaitlistEdits;
            var units = Lane.UnitsOf(Buckets.Item(w.ItemId));
            var given = Campaign.PromoteWaitlist(w.ItemId, Lane, _verified, desk._claimFor, Now); // a lane short of units throws StockShortage, changing nothing
            if (Campaign.WaitlistEdits == edits)
            {
                return AnswerNow(w, 0);
            }

            CampaignChanged = true;
            LaneChanged |= Lane.UnitsOf(Buckets.Item(w.ItemId)) != units;
            StockChanged.Add(w.ItemId);
            _answers.Add(() => w.Complete(given));
            return true;
        }

        /// <summary>Lazily ends the claims past their time on these items (their units pass on), before an order on them.</summary>
        private void ExpireClaims(IEnumerable<string> itemIds)
        {
            var overdue = Campaign.ItemsWithOverdueClaims(Now);
            if (overdue.Count > 0)
            {
                PromoteAtHand(itemIds.Where(overdue.Contains));
            }
        }

        /// <summary>Promotes the waitlists of these items with the units at hand (the pool, this lane): nothing is fetched, nothing is thrown.</summary>
        private void PromoteAtHand(IEnumerable<string> itemIds)
        {
            if (Room < 3)
            {
                return; // no room for the claims' rows: the promotion after the commit (or a claim's timer) does it
            }

            foreach (var itemId in itemIds.Distinct(StringComparer.Ordinal).Where(i => Campaign.HasWaiting(i) || Campaign.ItemsWithOverdueClaims(Now).Contains(i)).ToList())
            {
                var edits = Campaign.WaitlistEdits;
                var units = Lane?.UnitsOf(Buckets.Item(itemId)) ?? 0;
                Campaign.PromoteWaitlist(itemId, Lane, null, desk._claimFor, Now);
                if (Campaign.WaitlistEdits != edits)
                {
                    CampaignChanged = true;
                    LaneChanged |= Lane is not null && Lane.UnitsOf(Buckets.Item(itemId)) != units;
                    StockChanged.Add(itemId);
                }
            }
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

        /// <summary>
        /// Numbers the aggregate's new events in their stream (this lane's for orders, cancellations and reservations;
        /// the campaign row's for the rest) and counts the packed rows they will take.
        /// </summary>
        private void TakeEvents()
        {
            foreach (var e in Campaign.Events)
            {
                var onLane = e.OnLane && Lane is not null;
                var seq = onLane ? ++Lane!.EventSeq : Campaign.NextEventSeq();
                var packed = CampaignTables.Pack(seq, DomainEvent.Create(e.Type, Campaign.ChainId, e.Subject, e.Data, Now, e.Occurrence));
                if (onLane)
                {
                    _laneEvents.Add(packed);
                    LaneChanged = true;
                    _laneRows = Count(_laneRows, packed);
                }
                else
                {
                    _campaignEvents.Add(packed);
                    CampaignChanged = true;
                    _campaignRows = Count(_campaignRows, packed);
                }
            }

            Campaign.Events.Clear();

            static (int Rows, int Chars) Count((int Rows, int Chars) rows, PackedEvent packed) =>
                rows.Rows == 0 || rows.Chars + packed.Json.Length + 1 > CampaignTables.MaxPackedEventChars
                    ? (rows.Rows + 1, packed.Json.Length + 1)
                    : (rows.Rows, rows.Chars + packed.Json.Length + 1);
        }

        /// <summary>Adds the event rows: a round's events packed into a few rows per stream, not a row each.</summary>
        public void SealEvents()
        {
            foreach (var (stream, events) in new[] { (CampaignTables.CampaignStream, _campaignEvents), (Lane?.Stream ?? string.Empty, _laneEvents) })
            {
                foreach (var row in CampaignTables.PackEvents(Campaign.CampaignId, stream, events))
                {
                    Operations.Add(new RoundOperation(OperationKind.EventInsert, row.RowKey, TableOperation.Insert(row), null));
                }

                SealedEvents.AddRange(events.Select(e => e.Event));
            }
        }
    }
}
