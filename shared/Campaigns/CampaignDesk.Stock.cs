using Microsoft.Extensions.Logging;
using ServerlessCommerce.Common;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.Campaigns;

/// <summary>
/// The desk's stock: taking a lane, claiming units from the pool, rebalancing between lanes, consistent reads of the
/// whole campaign, and noticing when an item or a flash quota is used up (ARCHITECTURE.md §6, README "Order capture").
/// </summary>
public sealed partial class CampaignDesk
{
    /// <summary>
    /// The campaign and its lanes as they were at one instant: read twice, and taken only when nothing moved between
    /// the two reads (every row's ETag the same), so a unit moving from one lane to another is never missed or counted
    /// twice. Null when the campaign kept moving.
    /// </summary>
    private async Task<Campaign?> SnapshotAsync()
    {
        var first = await ReadAsync();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var second = await ReadAsync();
            if (second.ETag == first.ETag && second.Lanes.Count == first.Lanes.Count && second.Lanes.Zip(first.Lanes).All(p => p.First.ETag == p.Second.ETag))
            {
                return second;
            }

            first = second;
        }

        return null;
    }

    /// <summary>
    /// Takes a lane for this instance: its own (by owner), one whose instance went away (units and all), a new one
    /// with a first claim from the pool, or — when every lane is leased — a shared one.
    /// </summary>
    private async Task AcquireLaneAsync()
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var campaign = await ReadAsync();
            _campaign = campaign;
            _justRead = true;
            var now = _clock.GetUtcNow();
            var lanes = campaign.Lanes;
            if (lanes.FirstOrDefault(l => l.Owner == _instanceId) is { } mine)
            {
                _lane = mine.Clone();
                return;
            }

            if (lanes.Where(l => !l.IsLeased(now)).OrderByDescending(l => l.Units.Values.Sum()).FirstOrDefault() is { } vacant)
            {
                var taken = vacant.Clone();
                taken.Owner = _instanceId;
                taken.LeaseUntil = now + StockLane.Lease;
                taken.Version++;
                try
                {
                    taken.ETag = await _tables.UpdateAsync(CampaignTables.Campaigns, CampaignTables.ToEntity(_campaignId, taken), TableUpdateMode.Replace, vacant.ETag!, _stopping.Token);
                    _logger.LogInformation("Campaign {CampaignId}: lane {LaneId} taken over from {Owner}", _campaignId, taken.LaneId, vacant.Owner ?? "nobody");
                    _campaign.UseLane(taken);
                    _lane = taken.Clone();
                    return;
                }
                catch (Exception ex) when (ex is ConcurrencyException or StorageNotFoundException)
                {
                    DeskMetrics.Conflict();
                    continue;
                }
            }

            if (lanes.Count >= StockLane.MaxLanes)
            {
                _lane = lanes[Random.Shared.Next(lanes.Count)].Clone(); // shared: correct through ETags, slower
                return;
            }

            var used = campaign.LaneIds.Concat(lanes.Select(l => l.LaneId)).ToHashSet(StringComparer.Ordinal);
            var lane = new StockLane
            {
                LaneId = Enumerable.Range(0, StockLane.MaxLanes).Select(StockLane.IdOf).First(id => !used.Contains(id)),
                Owner = _instanceId, LeaseUntil = now + StockLane.Lease, Version = 1,
            };
            // A new lane is written with the campaign row (If-Match), so a fence in flight always sees every lane.
            var updated = campaign.Clone();
            updated.Version++;
            updated.LaneIds.Add(lane.LaneId);
            lane.Fence = updated.Version;
            foreach (var item in updated.Items)
            {
                var bucket = Buckets.Item(item.ItemId);
                var take = Chunk(updated, bucket, 1);
                if (take > 0)
                {
                    updated.Pool[bucket] -= take;
                    lane.Receive(bucket, take);
                }
            }

            try
            {
                var etags = await _tables.SubmitTransactionAsync(CampaignTables.Campaigns,
                [
                    TableOperation.Replace(CampaignTables.ToEntity(updated), campaign.ETag!),
                    TableOperation.Insert(CampaignTables.ToEntity(_campaignId, lane)),
                ], _stopping.Token);
                updated.ETag = etags[0];
                lane.ETag = etags[1];
                updated.UseLane(lane);
                _campaign = updated;
                _lane = lane.Clone();
                _logger.LogInformation("Campaign {CampaignId}: lane {LaneId} opened by instance {InstanceId}", _campaignId, lane.LaneId, _instanceId);
                return;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
            {
                DeskMetrics.Conflict();
            }
        }

        throw AppProblem.Conflict("busy", "Busy", "The campaign is changing very fast right now; nothing was written. Retry the request (with the same Idempotency-Key).");
    }

    /// <summary>How many units of a bucket one claim takes: a share of the pool that shrinks as it empties, at least <paramref name="need"/>.</summary>
    private static int Chunk(Campaign campaign, string bucket, int need)
    {
        var pool = campaign.Pool.GetValueOrDefault(bucket);
        var lanes = Math.Max(2, campaign.Lanes.Count + 1);
        return Math.Min(pool, Math.Max(need, Math.Min(MaxChunk, pool / (2 * lanes))));
    }

    /// <summary>
    /// Gets this lane the units it lacks: a claim from the pool, or — when the pool has none — units from other lanes
    /// (all of a vanished instance's, half of a live one's). When the campaign as a whole lacks them (checked on a
    /// consistent read), records that, so the order is refused as sold out (or priced without its flash quota).
    /// False when a transaction was refused (the caller counts a failure and goes again).
    /// </summary>
    private async Task<bool> RefillAsync(IReadOnlyDictionary<string, int> shortage)
    {
        var campaign = _campaign!;
        var lane = _lane!;
        var now = _clock.GetUtcNow();
        var claims = shortage.Where(s => campaign.Pool.GetValueOrDefault(s.Key) > 0).ToDictionary(s => s.Key, s => Chunk(campaign, s.Key, s.Value), StringComparer.Ordinal);
        if (claims.Count > 0)
        {
            var updated = campaign.Clone();
            updated.Version++;
            var mine = lane.Clone();
            foreach (var (bucket, take) in claims)
            {
                updated.Pool[bucket] -= take;
                mine.Receive(bucket, take);
            }

            return await MoveAsync(updated, mine, []);
        }

        var snapshot = await SnapshotAsync();
        if (snapshot is null)
        {
            return false;
        }

        _campaign = snapshot;
        _justRead = true;
        var current = snapshot.Lanes.FirstOrDefault(l => l.LaneId == lane.LaneId);
        if (current is null || current.ETag != lane.ETag)
        {
            _lane = current?.Clone();
            return false; // our lane moved (a rebalance, a fence): evaluate again on what it holds now
        }

        var receiver = current.Clone();
        var donors = new Dictionary<string, StockLane>(StringComparer.Ordinal);
        var exhaustedFlash = new List<string>();
        foreach (var (bucket, missing) in shortage)
        {
            if (snapshot.Pool.GetValueOrDefault(bucket) > 0)
            {
                return true; // units came back to the pool meanwhile: the next round claims them
            }

            var elsewhere = snapshot.Lanes.Where(l => l.LaneId != receiver.LaneId).Sum(l => l.UnitsOf(bucket));
            if (elsewhere < missing)
            {
                _verified[bucket] = (receiver.UnitsOf(bucket) + elsewhere, now, false);
                if (elsewhere + receiver.UnitsOf(bucket) == 0 && bucket.StartsWith("f:", StringComparison.Ordinal))
                {
                    exhaustedFlash.Add(bucket[2..]);
                }

                continue;
            }

            var still = missing;
            foreach (var other in snapshot.Lanes.Where(l => l.LaneId != receiver.LaneId && l.UnitsOf(bucket) > 0)
                         .OrderBy(l => l.IsLeased(now)).ThenByDescending(l => l.UnitsOf(bucket)))
            {
                if (still <= 0)
                {
                    break;
                }

                var donor = donors.TryGetValue(other.LaneId, out var d) ? d : donors[other.LaneId] = other.Clone();
                var has = donor.UnitsOf(bucket);
                var take = other.IsLeased(now) ? Math.Min(has, Math.Max(still, (has + 1) / 2)) : has;
                donor.Release(bucket, take);
                receiver.Receive(bucket, take);
                still -= take;
            }
        }

        if (exhaustedFlash.Count > 0)
        {
            FireExhausted(new StockExhausted(_campaignId, false, exhaustedFlash));
        }

        if (donors.Count == 0)
        {
            CheckExhaustionIfLikely();
            return true; // nothing to move: the verified totals answer the orders
        }

        return await MoveAsync(null, receiver, donors.Values.ToList());
    }

    /// <summary>Moves units in one transaction: pool → this lane (with the campaign row) or other lanes → this lane.</summary>
    private async Task<bool> MoveAsync(Campaign? updated, StockLane receiver, IReadOnlyList<StockLane> donors)
    {
        var now = _clock.GetUtcNow();
        var baseline = _lane!;
        receiver.Version++;
        if (receiver.Owner == _instanceId)
        {
            receiver.LeaseUntil = now + StockLane.Lease;
        }

        var ops = new List<TableOperation>();
        if (updated is not null)
        {
            ops.Add(TableOperation.Replace(CampaignTables.ToEntity(updated), _campaign!.ETag!));
        }

        ops.Add(TableOperation.Replace(CampaignTables.ToEntity(_campaignId, receiver), baseline.ETag!));
        foreach (var donor in donors)
        {
            var etag = donor.ETag!;
            donor.Version++;
            ops.Add(TableOperation.Replace(CampaignTables.ToEntity(_campaignId, donor), etag));
        }

        try
        {
            var etags = await _tables.SubmitTransactionAsync(CampaignTables.Campaigns, ops, _stopping.Token);
            var i = 0;
            var campaign = updated ?? _campaign!;
            if (updated is not null)
            {
                updated.ETag = etags[i++];
            }

            receiver.ETag = etags[i++];
            campaign.UseLane(receiver);
            foreach (var donor in donors)
            {
                donor.ETag = etags[i++];
                campaign.UseLane(donor);
            }

            _campaign = campaign;
            _lane = receiver.Clone();
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            DeskMetrics.Conflict();
            await ReloadAsync();
            return false;
        }
    }

    /// <summary>
    /// When this lane and the pool hold no units of any item (or of a running flash sale's quota), checks the whole
    /// campaign (off the command loop) and says what is used up: every item sold out closes the campaign (截单) once,
    /// whichever instance sold the last unit; a used-up flash quota ends its sale.
    /// </summary>
    private void CheckExhaustionIfLikely()
    {
        var campaign = _campaign;
        var lane = _lane;
        if (campaign is null || lane is null || !campaign.IsOrderable)
        {
            return;
        }

        bool Empty(string bucket) => lane.UnitsOf(bucket) == 0 && campaign.Pool.GetValueOrDefault(bucket) == 0;
        var items = campaign.Items.All(i => Empty(Buckets.Item(i.ItemId)));
        var now = _clock.GetUtcNow();
        var flashes = campaign.FlashSales.Where(f => f.EndedAt is null && f.EndsAt > now && Empty(Buckets.Flash(f.FlashSaleId))).Select(f => f.FlashSaleId).ToList();
        if ((!items && flashes.Count == 0) || Interlocked.Exchange(ref _exhaustionCheck, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var snapshot = await SnapshotAsync();
                if (snapshot is { IsOrderable: true })
                {
                    var soldOut = items && snapshot.Items.All(i => snapshot.IsSoldOutForAll(i.ItemId));
                    var usedUp = flashes.Where(f => snapshot.RemainingOf(Buckets.Flash(f)) == 0).ToList();
                    var unended = await EndUsedUpFlashSalesAsync(usedUp);
                    if (soldOut || unended.Count > 0)
                    {
                        await _observer.OnExhaustedAsync(new StockExhausted(_campaignId, soldOut, unended), CancellationToken.None);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Campaign {CampaignId}: the sold-out check failed; the next order checks again", _campaignId);
            }
            finally
            {
                Interlocked.Exchange(ref _exhaustionCheck, 0);
            }
        });
    }

    /// <summary>
    /// Ends used-up flash sales on this desk at once, so the room hears 秒杀结束 the moment the quota is gone rather than
    /// after a queue round trip (which a busy queue can delay by seconds). Returns those it could not end here; they go
    /// to the work queue, and the sale's own timer message stays the durable backstop.
    /// </summary>
    private async Task<IReadOnlyList<string>> EndUsedUpFlashSalesAsync(IReadOnlyList<string> flashSaleIds)
    {
        var unended = new List<string>();
        foreach (var flashSaleId in flashSaleIds)
        {
            try
            {
                await SubmitAsync(new EndFlashSaleCommand { FlashSaleId = flashSaleId });
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogInformation("Campaign {CampaignId}: ending used-up flash sale {FlashSaleId} here failed ({Reason}); queueing it", _campaignId, flashSaleId, ex.GetType().Name);
                unended.Add(flashSaleId);
            }
        }

        return unended;
    }

    private void FireExhausted(StockExhausted exhausted) => _ = Task.Run(async () =>
    {
        try
        {
            var unended = await EndUsedUpFlashSalesAsync(exhausted.FlashSales);
            if (exhausted.AllItems || unended.Count > 0)
            {
                await _observer.OnExhaustedAsync(exhausted with { FlashSales = unended }, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Campaign {CampaignId}: reporting used-up stock failed", _campaignId);
        }
    });

    /// <summary>
    /// What checks of the whole campaign found short: each stands for <see cref="VerifiedFor"/>, and in any case for
    /// the next round after it (however slow), so a check is never wasted.
    /// </summary>
    internal IReadOnlyDictionary<string, int> Verified(DateTimeOffset now)
    {
        var valid = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (bucket, (total, at, used)) in _verified.ToList())
        {
            if (!used || now - at < VerifiedFor)
            {
                valid[bucket] = total;
                _verified[bucket] = (total, at, true);
            }
            else
            {
                _verified.Remove(bucket);
            }
        }

        return valid;
    }
}
