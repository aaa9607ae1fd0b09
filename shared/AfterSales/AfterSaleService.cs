using Microsoft.Extensions.Logging;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Catalogue;
using ServerlessCommerce.Common;
using ServerlessCommerce.FollowUp;
using ServerlessCommerce.Growth;
using ServerlessCommerce.Identity;
using ServerlessCommerce.Storage;

namespace ServerlessCommerce.AfterSales;

/// <summary>What a member sends to ask for after-sale on one order line.</summary>
public sealed record AfterSaleRequest(string? ItemId, int? Quantity, string? Kind, string? Reason, int? PhotoCount);

/// <summary>A request as created (or replayed) with its create-only photo upload URLs.</summary>
public sealed record AfterSaleCreated(AfterSale Request, IReadOnlyList<Uri> PhotoUploadUrls, DateTimeOffset ExpiresAt, bool Replayed);

/// <summary>A request with read links to its confirmed photos.</summary>
public sealed record AfterSaleWithPhotos(AfterSale Request, IReadOnlyList<Uri> PhotoUrls);

/// <summary>An order's after-sale: the chain's policy, until when the order may still ask, and its requests.</summary>
public sealed record OrderAfterSales(AfterSalePolicy Policy, DateTimeOffset? Deadline, IReadOnlyList<AfterSaleWithPhotos> Requests);

/// <summary>
/// After-sale (售后): a member asks for a refund or return of some units of one handed-over order line, within the chain's
/// window; the leader of the campaign's store (or the admin) approves or refuses, once.
/// <para>
/// An approval is decided first (an If-Match write of the request row that also deletes the line's open marker, so a
/// request is decided once, whichever of two approvals or an approval and a refusal comes first), then its effects are
/// applied, each idempotent by the request id: the refund entry on the order line (an If-Match merge of the order row
/// that skips a request already recorded), then <see cref="OnRefundApprovedAsync"/> (points reversal), then the request
/// is marked done. An approval again, or a staff listing, completes effects a crash left undone.
/// </para>
/// </summary>
public sealed class AfterSaleService(ITableStore tables, IBlobStore blobs, CampaignService campaigns, GrowthLedger ledger, PointsSpending spending, MemberPricing pricing, TimeProvider clock, ILogger<AfterSaleService> logger)
{
    public const int MaxReasonLength = 200;
    public const int MaxPerCampaignList = 2000;
    public const string RefundPointsReason = "refund";
    public static readonly TimeSpan PhotoReadLifetime = TimeSpan.FromHours(2);

    // ----- policy -----

    public async Task<AfterSalePolicy> GetPolicyAsync(Caller caller, string chainId, CancellationToken ct)
    {
        caller.Require(Role.Admin, Role.Leader, Role.Member).RequireChain(chainId);
        return await PolicyAsync(chainId, ct);
    }

    public async Task<AfterSalePolicy> PutPolicyAsync(Caller caller, string chainId, AfterSalePolicy policy, CancellationToken ct)
    {
        caller.Require(Role.Admin).RequireChain(chainId);
        await tables.UpsertAsync(AfterSaleTables.AfterSales, AfterSaleTables.ToEntity(chainId, policy), TableUpdateMode.Replace, ct);
        logger.LogInformation("After-sale policy of chain {ChainId}: {Days} days", chainId, policy.WindowDays);
        return policy;
    }

    private async Task<AfterSalePolicy> PolicyAsync(string chainId, CancellationToken ct) =>
        AfterSaleTables.ToPolicy(await tables.GetAsync(AfterSaleTables.AfterSales, chainId, AfterSaleTables.PolicyRow, cancellationToken: ct));

    // ----- the member's request -----

    /// <summary>
    /// The order's member asks for after-sale of <c>quantity</c> units of one line. The Idempotency-Key is optional:
    /// with it, a retry answers the same request (another body → 409 <c>idempotency-conflict</c>); without it, a line
    /// holds one open request, and the same body again answers it.
    /// </summary>
    public async Task<AfterSaleCreated> CreateAsync(Caller caller, string orderId, AfterSaleRequest body, string? idempotencyKey, CancellationToken ct)
    {
        caller.Require(Role.Member);
        var campaignId = CampaignTables.CampaignOfOrder(caller, orderId);
        var v = new Validator();
        if (string.IsNullOrWhiteSpace(body.ItemId) || body.ItemId.Length > 40)
        {
            v.Add("itemId", "itemId is required: the order line to ask about.");
        }

        if (body.Quantity is not (>= 1 and <= OrderService.MaxQuantity))
        {
            v.Add("quantity", $"quantity must be between 1 and {OrderService.MaxQuantity}.");
        }

        var kind = body.Kind?.Trim().ToLowerInvariant() switch
        {
            null or "" or "refund" => AfterSaleKind.Refund,
            "return" => AfterSaleKind.Return,
            _ => (AfterSaleKind?)null,
        };
        if (kind is null)
        {
            v.Add("kind", "kind must be 'refund' (仅退款) or 'return' (退货退款).");
        }

        var reason = v.Text("reason", body.Reason, MaxReasonLength);
        var photos = body.PhotoCount ?? 0;
        if (photos is < 0 or > FollowUpRules.MaxPhotos)
        {
            v.Add("photoCount", $"photoCount must be between 0 and {FollowUpRules.MaxPhotos}.");
        }

        var key = Idempotency.Normalize(idempotencyKey);
        if (idempotencyKey is not null && key is null)
        {
            v.Add(Idempotency.HeaderName, $"{Idempotency.HeaderName} must be 1–100 visible characters.");
        }

        v.ThrowIfInvalid();
        var order = await CampaignTables.FindOrderAsync(tables, campaignId, orderId, ct);
        if (order is null || order.MemberId != caller.MemberId)
        {
            throw AppProblem.NotFound("order", orderId); // another member's order is not to be probed
        }

        var line = order.Lines.FirstOrDefault(l => l.ItemId == body.ItemId)
                   ?? throw AppProblem.Validation("itemId", $"The order has no line for item '{body.ItemId}'.");
        var hash = Idempotency.Fingerprint(new { orderId, body.ItemId, body.Quantity, kind, reason, photos });

        // A replay first: the same request again answers what was created, whatever happened since.
        var requestId = key is not null
            ? $"{campaignId}-a{Idempotency.Derive("after-sale:" + caller.MemberId, key, 14)}"
            : null;
        if (requestId is not null && await GetRowAsync(campaignId, requestId, ct) is { } known)
        {
            return await ReplayAsync(AfterSaleTables.ToAfterSale(known), hash, ct);
        }

        var policy = await PolicyAsync(order.ChainId, ct);
        var now = clock.GetUtcNow();
        EnsureEligible(order, line, policy, now);
        var existing = await RequestsOfOrderAsync(campaignId, orderId, ct);
        var ofLine = existing.Where(a => a.ItemId == line.ItemId).ToList();
        if (ofLine.FirstOrDefault(a => a.Status == AfterSaleStatus.Pending) is { } open)
        {
            if (open.RequestHash == hash && open.MemberId == caller.MemberId)
            {
                return await ReplayAsync(open, hash, ct);
            }

            throw OpenConflict(open);
        }

        var remaining = line.Quantity - line.RefundedQuantity;
        if (body.Quantity > remaining)
        {
            throw AppProblem.Validation("quantity", remaining == 0
                ? "Every unit of this line was already refunded."
                : $"At most {remaining} of {line.Quantity} units of this line can still be asked for.");
        }

        requestId ??= $"{campaignId}-a{Idempotency.Derive("after-sale:" + orderId + "|" + line.ItemId, (ofLine.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), 14)}";
        var request = new AfterSale(requestId, campaignId, orderId, order.ChainId, order.StoreId, order.MemberId, order.MemberName, line.ItemId, line.Name, kind!.Value,
            body.Quantity!.Value, line.UnitPriceFen, reason, AfterSaleStatus.Pending, photos, 0, now, null, null, null, false, 0, hash);
        try
        {
            await tables.SubmitTransactionAsync(AfterSaleTables.AfterSales,
            [
                TableOperation.Insert(AfterSaleTables.ToEntity(request)),
                TableOperation.Insert(new TableEntity(campaignId, AfterSaleTables.OpenRow(orderId, line.ItemId)) { ["Kind"] = "open", ["RequestId"] = requestId }),
            ], ct);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            // The same request raced itself (a replay), or another request of the line is open.
            if (await GetRowAsync(campaignId, requestId, ct) is { } raced)
            {
                return await ReplayAsync(AfterSaleTables.ToAfterSale(raced), hash, ct);
            }

            var marker = await tables.GetAsync(AfterSaleTables.AfterSales, campaignId, AfterSaleTables.OpenRow(orderId, line.ItemId), cancellationToken: ct);
            var other = marker?.GetString("RequestId") is { } otherId && await GetRowAsync(campaignId, otherId, ct) is { } otherRow ? AfterSaleTables.ToAfterSale(otherRow) : null;
            if (other is not null && other.RequestHash == hash)
            {
                return await ReplayAsync(other, hash, ct);
            }

            throw OpenConflict(other);
        }

        logger.LogInformation("After-sale {RequestId} asked for {Quantity} of {ItemId} in order {OrderId}", requestId, request.Quantity, line.ItemId, orderId);
        var (urls, expiresAt) = await UploadUrlsAsync(request, ct);
        return new AfterSaleCreated(request, urls, expiresAt, false);
    }

    /// <summary>
    /// After pickup or delivery only, within the window from the handover. Before the campaign closed the order is
    /// cancelled instead (409 <c>use-cancel</c>); confirmed but not yet handed over → 409 <c>not-handed-over</c>.
    /// </summary>
    public static void EnsureEligible(Order order, OrderLine line, AfterSalePolicy policy, DateTimeOffset now)
    {
        if (line.Status == OrderStatus.Cancelled)
        {
            throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Line cancelled", "This order line was cancelled; there is nothing to refund.");
        }

        if (order.Status == OrderStatus.Placed)
        {
            throw AppProblem.Conflict(AfterSaleProblems.UseCancel, "Cancel instead",
                $"Orders are not handed over before the campaign closes: cancel the order instead (POST /api/orders/{order.OrderId}/cancel), which returns its stock.");
        }

        if (order.Status is not (OrderStatus.PickedUp or OrderStatus.Delivered))
        {
            throw AppProblem.Conflict(AfterSaleProblems.NotHandedOver, "Not handed over yet",
                "After-sale is for goods already picked up or delivered; this order has not been handed over yet.");
        }

        var deadline = Deadline(order, policy);
        if (deadline is null || now > deadline)
        {
            throw AppProblem.Conflict(AfterSaleProblems.WindowClosed, "After-sale window closed", policy.WindowDays == 0
                ? "This chain takes no after-sale requests."
                : $"After-sale requests are taken within {policy.WindowDays} days of pickup or delivery (until {deadline:yyyy-MM-dd HH:mm} UTC).");
        }
    }

    /// <summary>Until when a handed-over order may ask (null before handover, or with a 0-day window).</summary>
    public static DateTimeOffset? Deadline(Order order, AfterSalePolicy policy) =>
        order.Status is OrderStatus.PickedUp or OrderStatus.Delivered && policy.WindowDays > 0
            ? (order.FulfilledAt ?? order.CreatedAt).AddDays(policy.WindowDays)
            : null;

    /// <summary>Keeps the uploads that are images (by their bytes), deletes the rest and names them in a 400; records the count.</summary>
    public async Task<AfterSale> ConfirmPhotosAsync(Caller caller, string requestId, CancellationToken ct)
    {
        caller.Require(Role.Member);
        var campaignId = CampaignOfRequest(caller, requestId);
        var refused = new SortedSet<int>();
        for (var attempt = 1; ; attempt++)
        {
            var row = await GetRowAsync(campaignId, requestId, ct);
            var request = row is null ? null : AfterSaleTables.ToAfterSale(row);
            if (request is null || request.MemberId != caller.MemberId)
            {
                throw AppProblem.NotFound("after-sale request", requestId);
            }

            var kept = await KeepValidPhotosAsync(request, refused, ct);
            if (kept != request.PhotosUploaded)
            {
                try
                {
                    await tables.UpdateAsync(AfterSaleTables.AfterSales, new TableEntity(campaignId, requestId) { ["PhotosUploaded"] = kept }, TableUpdateMode.Merge, row!.ETag!, ct);
                }
                catch (ConcurrencyException) when (attempt < 5)
                {
                    continue;
                }
            }

            if (refused.Count > 0)
            {
                throw AppProblem.Validation(refused.ToDictionary(n => $"photos[{n}]", n => new[]
                {
                    $"Photo {n} is not a JPEG, PNG, GIF or WebP image (or is larger than {FollowUpRules.MaxPhotoBytes / 1024 / 1024} MB); it was deleted. Upload a photo with the same URL and confirm again.",
                }));
            }

            return request with { PhotosUploaded = kept };
        }
    }

    // ----- views -----

    /// <summary>The order's after-sale (its member, the campaign's store leader, the admin), with the policy and deadline.</summary>
    public async Task<OrderAfterSales> ForOrderAsync(Caller caller, string orderId, CancellationToken ct)
    {
        caller.Require(Role.Member, Role.Leader, Role.Admin);
        var campaignId = CampaignTables.CampaignOfOrder(caller, orderId);
        if (caller.Role != Role.Member)
        {
            await campaigns.GetForStaffAsync(caller, campaignId, ct);
        }

        var order = await CampaignTables.FindOrderAsync(tables, campaignId, orderId, ct);
        if (order is null || (caller.Role == Role.Member && order.MemberId != caller.MemberId))
        {
            throw AppProblem.NotFound("order", orderId);
        }

        var policy = await PolicyAsync(order.ChainId, ct);
        return new OrderAfterSales(policy, Deadline(order, policy), await WithPhotosAsync(await RequestsOfOrderAsync(campaignId, orderId, ct), ct));
    }

    /// <summary>
    /// Every request of the campaign, newest first (the leader of its store, the admin). Completes the effects of any
    /// approval a crash left half done, so the numbers settle without a timer.
    /// </summary>
    public async Task<IReadOnlyList<AfterSaleWithPhotos>> ForCampaignAsync(Caller caller, string campaignId, CancellationToken ct)
    {
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        var all = await tables.QueryAsync(AfterSaleTables.AfterSales, TableQuery.Partition(campaignId, TableFilter.Compare("RowKey", "lt", AfterSaleTables.OpenPrefix)), ct)
            .Take(MaxPerCampaignList).Select(AfterSaleTables.ToAfterSale).ToListAsync(ct);
        var settled = new List<AfterSale>(all.Count);
        foreach (var request in all)
        {
            settled.Add(request is { Status: AfterSaleStatus.Approved, EffectsApplied: false } ? await ApplyEffectsAsync(request, ct) : request);
        }

        return await WithPhotosAsync(settled.OrderByDescending(a => a.RequestedAt).ToList(), ct);
    }

    // ----- the decision -----

    /// <summary>Approve (the leader of the campaign's store, the admin): once; again → the same answer; a refused request → 409.</summary>
    public Task<AfterSale> ApproveAsync(Caller caller, string requestId, string? note, CancellationToken ct) =>
        DecideAsync(caller, requestId, AfterSaleStatus.Approved, note, ct);

    /// <summary>Refuse with a reason (required): once; again → the same answer; an approved request → 409.</summary>
    public Task<AfterSale> RefuseAsync(Caller caller, string requestId, string? reason, CancellationToken ct) =>
        DecideAsync(caller, requestId, AfterSaleStatus.Refused, reason, ct);

    private async Task<AfterSale> DecideAsync(Caller caller, string requestId, AfterSaleStatus decision, string? text, CancellationToken ct)
    {
        caller.Require(Role.Leader, Role.Admin);
        var campaignId = CampaignOfRequest(caller, requestId);
        var v = new Validator();
        var reason = decision == AfterSaleStatus.Refused ? v.Text("reason", text, MaxReasonLength) : v.OptionalText("reason", text, MaxReasonLength);
        v.ThrowIfInvalid();
        await campaigns.GetForStaffAsync(caller, campaignId, ct);
        for (var attempt = 1; ; attempt++)
        {
            var row = await GetRowAsync(campaignId, requestId, ct) ?? throw AppProblem.NotFound("after-sale request", requestId);
            var request = AfterSaleTables.ToAfterSale(row);
            if (request.Status != AfterSaleStatus.Pending)
            {
                if (request.Status != decision)
                {
                    throw AppProblem.Conflict(AfterSaleProblems.Decided, "Already decided",
                        $"This request was already {After(request.Status)} at {request.DecidedAt:yyyy-MM-dd HH:mm} UTC; a request is decided once.");
                }

                return decision == AfterSaleStatus.Approved && !request.EffectsApplied ? await ApplyEffectsAsync(request, ct) : request;
            }

            var decided = request with
            {
                Status = decision, DecidedAt = clock.GetUtcNow(), DecisionReason = reason,
                DecidedBy = caller.Role == Role.Admin ? "admin" : caller.LeaderId,
            };
            try
            {
                var etags = await tables.SubmitTransactionAsync(AfterSaleTables.AfterSales,
                [
                    TableOperation.Replace(AfterSaleTables.ToEntity(decided), row.ETag!),
                    TableOperation.Delete(campaignId, AfterSaleTables.OpenRow(request.OrderId, request.ItemId)),
                ], ct);
                decided = decided with { ETag = etags[0] };
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404 && attempt < 5)
            {
                continue; // decided meanwhile (or the marker is gone): read again and answer from what is stored
            }

            logger.LogInformation("After-sale {RequestId} {Decision} by {Role}", requestId, AfterSale.Wire(decision), caller.Role);
            return decision == AfterSaleStatus.Approved ? await ApplyEffectsAsync(decided, ct) : decided;
        }
    }

    /// <summary>The effects of an approval, each once by the request id; safe to run again from any point.</summary>
    private async Task<AfterSale> ApplyEffectsAsync(AfterSale request, CancellationToken ct)
    {
        var (order, refund) = await RecordRefundOnOrderAsync(request, ct);
        var reversed = await OnRefundApprovedAsync(request, order, refund, ct);
        var done = request with { EffectsApplied = true, PointsReversed = reversed };
        await tables.UpdateAsync(AfterSaleTables.AfterSales, new TableEntity(request.CampaignId, request.RequestId)
        {
            ["EffectsApplied"] = true,
            ["PointsReversed"] = reversed,
        }, TableUpdateMode.Merge, "*", ct);
        return done;
    }

    /// <summary>
    /// Adds the refund to the order line unless it is there (an If-Match merge of the order's lines): never more than
    /// was bought, never twice. Stock is not returned: the goods were handed over (README "After-sale").
    /// </summary>
    private async Task<(Order Order, LineRefund Refund)> RecordRefundOnOrderAsync(AfterSale request, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var order = await CampaignTables.FindOrderAsync(tables, request.CampaignId, request.OrderId, ct)
                        ?? throw new InvalidOperationException($"Order {request.OrderId} of after-sale {request.RequestId} is gone.");
            var line = order.Lines.First(l => l.ItemId == request.ItemId);
            if (line.Refunds?.FirstOrDefault(r => r.RequestId == request.RequestId) is { } recorded)
            {
                return (order, recorded);
            }

            if (line.RefundedQuantity + request.Quantity > line.Quantity)
            {
                // Cannot happen with one open request per line and the check at request time; refuse rather than over-refund.
                throw AppProblem.Conflict(ProblemCodes.InvalidTransition, "Too many units",
                    $"Only {line.Quantity - line.RefundedQuantity} units of this line are left to refund.");
            }

            var refund = new LineRefund(request.RequestId, request.Quantity, request.AmountFen, order.RefundedFen, clock.GetUtcNow());
            line.Refunds = [.. line.Refunds ?? [], refund];
            var entity = CampaignTables.ToEntity(order);
            try
            {
                await tables.UpdateAsync(CampaignTables.Campaigns, new TableEntity(entity.PartitionKey, entity.RowKey) { ["Lines"] = entity["Lines"] }, TableUpdateMode.Merge, order.ETag!, ct);
                logger.LogInformation("Order {OrderId}: {Quantity} of {ItemId} refunded ({AmountFen} fen) by after-sale {RequestId}", order.OrderId, request.Quantity, request.ItemId, request.AmountFen, request.RequestId);
                return (order, refund);
            }
            catch (ConcurrencyException) when (attempt < 8)
            {
                // The order moved (another refund, a handover status): read it again.
            }
        }
    }

    /// <summary>
    /// The one place an approved refund settles the member's points; runs once per approval or again after a crash,
    /// so everything here is idempotent by the request id.
    /// <list type="bullet">
    /// <item>Reverses the purchase points that the refunded amount earned: the order's purchase points P (the ledger
    /// row, or what the chain's rate gives when it is not written yet) over its total T, reversed as
    /// floor(P·after/T) − floor(P·before/T) of the order's refunded amount, so partial refunds together never reverse
    /// more than P. The row <c>refund:{requestId}</c> is inserted once, under the ledger's guard, and never takes the
    /// balance below zero: points she has spent since are not clawed back (the row records what was taken).</item>
    /// <item>Returns the points spent on the order (积分抵扣) for the refunded share of its goods, exactly once
    /// (<see cref="PointsSpending.ReturnForRefundAsync"/>, keyed by the running total returned).</item>
    /// </list>
    /// Returns the purchase points reversed.
    /// </summary>
    public async Task<int> OnRefundApprovedAsync(AfterSale request, Order order, LineRefund refund, CancellationToken ct)
    {
        var total = order.TotalFen;
        if (total <= 0)
        {
            return 0;
        }

        var after = Math.Min(total, refund.OrderRefundedBeforeFen + refund.AmountFen);
        await spending.ReturnForRefundAsync(order.OrderId, after, ct);

        var purchase = await ledger.GetRowAsync(order.MemberId, GrowthTables.PurchaseRow(order.OrderId), ct);
        var earned = purchase?.GetInt32("Amount") ?? (await ledger.SettingsAsync(order.ChainId, ct)).PurchasePoints(total);
        var reversal = (int)(earned * after / total - earned * Math.Min(total, refund.OrderRefundedBeforeFen) / total);
        if (reversal <= 0)
        {
            return 0;
        }

        var rowKey = FollowUpTables.PointsRow(RefundPointsReason, request.RequestId);
        var taken = await ledger.GuardedAsync(order.MemberId, rows =>
        {
            if (rows.FirstOrDefault(r => r.RowKey == rowKey) is { } decided)
            {
                return Task.FromResult(((IReadOnlyList<TableEntity>)[], -(decided.GetInt32("Amount") ?? 0)));
            }

            var take = Math.Min(reversal, Math.Max(0, rows.Sum(r => r.GetInt32("Amount") ?? 0)));
            var row = GrowthLedger.Row(order.MemberId, rowKey, new PointsEntry(RefundPointsReason, order.OrderId, order.CampaignId, -take, refund.At, request.ItemName));
            return Task.FromResult(((IReadOnlyList<TableEntity>)[row], take));
        }, ct);
        pricing.ForgetMember(order.MemberId);
        return taken;
    }

    // ----- helpers -----

    private async Task<AfterSaleCreated> ReplayAsync(AfterSale existing, string hash, CancellationToken ct)
    {
        if (existing.RequestHash != hash)
        {
            throw Idempotency.Conflict();
        }

        var (urls, expiresAt) = existing.Status == AfterSaleStatus.Pending ? await UploadUrlsAsync(existing, ct) : ([], clock.GetUtcNow());
        return new AfterSaleCreated(existing, urls, expiresAt, true);
    }

    private async Task<(IReadOnlyList<Uri> Urls, DateTimeOffset ExpiresAt)> UploadUrlsAsync(AfterSale request, CancellationToken ct)
    {
        var expiresAt = clock.GetUtcNow() + FollowUpRules.PhotoUrlLifetime;
        var urls = new List<Uri>(request.PhotoCount);
        for (var n = request.PhotosUploaded + 1; n <= request.PhotoCount; n++)
        {
            urls.Add(await blobs.GetSasUriAsync(CatalogueTables.Media, AfterSaleTables.PhotoBlob(request.CampaignId, request.RequestId, n), BlobSasPermissions.Create, expiresAt, ct));
        }

        return (urls, expiresAt);
    }

    private static AppProblem OpenConflict(AfterSale? open) => AppProblem.Conflict(AfterSaleProblems.Open, "Request open",
        open is null
            ? "This order line already has an open after-sale request; wait for its decision."
            : $"This order line already has an open after-sale request ({open.RequestId}, {open.Quantity} units); wait for its decision.");

    private static string After(AfterSaleStatus s) => s == AfterSaleStatus.Approved ? "approved" : "refused";

    private Task<TableEntity?> GetRowAsync(string campaignId, string requestId, CancellationToken ct) =>
        tables.GetAsync(AfterSaleTables.AfterSales, campaignId, requestId, cancellationToken: ct);

    private async Task<List<AfterSale>> RequestsOfOrderAsync(string campaignId, string orderId, CancellationToken ct) =>
        (await tables.QueryAsync(AfterSaleTables.AfterSales, TableQuery.Partition(campaignId, TableFilter.And(
                TableFilter.Compare("RowKey", "lt", AfterSaleTables.OpenPrefix), TableFilter.Equal("OrderId", orderId))), ct)
            .Select(AfterSaleTables.ToAfterSale).ToListAsync(ct)).OrderByDescending(a => a.RequestedAt).ToList();

    private static string CampaignOfRequest(Caller caller, string requestId)
    {
        var campaignId = AfterSaleTables.CampaignOf(requestId) ?? throw AppProblem.NotFound("after-sale request", requestId);
        caller.RequireChainOf(campaignId, "after-sale request");
        return campaignId;
    }

    private async Task<IReadOnlyList<AfterSaleWithPhotos>> WithPhotosAsync(IReadOnlyList<AfterSale> requests, CancellationToken ct)
    {
        var expiresAt = clock.GetUtcNow() + PhotoReadLifetime;
        var result = new List<AfterSaleWithPhotos>(requests.Count);
        foreach (var a in requests)
        {
            var urls = new List<Uri>();
            for (var n = 1; n <= a.PhotosUploaded; n++)
            {
                urls.Add(await blobs.GetSasUriAsync(CatalogueTables.Media, AfterSaleTables.PhotoBlob(a.CampaignId, a.RequestId, n), BlobSasPermissions.Read, expiresAt, ct));
            }

            result.Add(new AfterSaleWithPhotos(a, urls));
        }

        return result;
    }

    /// <summary>Photos 1..n by number: a refused one is deleted; only a contiguous run of good photos from 1 counts (as trials do).</summary>
    private async Task<int> KeepValidPhotosAsync(AfterSale request, ISet<int> refused, CancellationToken ct) =>
        UploadedPhotos.ContiguousFromOne(await UploadedPhotos.CheckAsync(blobs, AfterSaleTables.PhotoPrefix(request.CampaignId, request.RequestId),
            n => AfterSaleTables.PhotoBlob(request.CampaignId, request.RequestId, n), request.PhotoCount, refused, logger, "After-sale", ct));
}
