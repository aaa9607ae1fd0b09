using System.Text.Json;
using ServerlessCommerce.Campaigns;
using ServerlessCommerce.Common;

namespace ServerlessCommerce.Tests.Campaigns;

/// <summary>The campaign aggregate's rules — selling from lanes, flash quotas, cancelling, 成团, hand-over — without storage.</summary>
public sealed class CampaignAggregateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyDictionary<string, int> Unchecked = new Dictionary<string, int>();

    private static Campaign Live(int stock = 10, int? perMemberLimit = null, int minGroupSize = 1, long? memberPriceFen = null)
    {
        var campaign = new Campaign
        {
            CampaignId = "cagg-k1", ChainId = "cagg", StoreId = "s1", LeaderId = "l1", Title = "周三厨房",
            Schedule = new CampaignSchedule(Now, Now, Now.AddHours(2), Now.AddDays(2), 24, 72), CreatedAt = Now,
            Items = [new CampaignItem { ItemId = "i1", ProductId = "p1", Name = "土鸡蛋", PriceFen = 1500, LivePriceFen = 1200, MemberPriceFen = memberPriceFen, Stock = stock, MinGroupSize = minGroupSize, PerMemberLimit = perMemberLimit }],
        };
        campaign.FillPool();
        campaign.Apply("go-live");
        return campaign;
    }

    /// <summary>Moves units from the pool into a new lane, as a claim does.</summary>
    private static StockLane Claim(Campaign campaign, string laneId, string bucket, int units)
    {
        var lane = new StockLane { LaneId = laneId };
        campaign.Pool[bucket] -= units;
        lane.Receive(bucket, units);
        campaign.UseLane(lane);
        return lane;
    }

    private static OrderPlacement Wants(string orderId, int quantity, string member = "m1") =>
        new($"cagg-k1-o{orderId}", member, "王小花", "138****0000", [new RequestedLine("i1", quantity)], Fulfilment.Pickup, null, "hash-" + orderId);

    private static MemberTally Tally(string member = "m1") => new() { MemberId = member };

    [Fact]
    public void AnOrderTakesItsUnitsFromTheLaneAtTheLivePriceAndIsRecordedOnTheLane()
    {
        var campaign = Live();
        var lane = Claim(campaign, "00", "i1", 5);
        var tally = Tally();

        var order = campaign.PlaceOrder(Wants("a", 2), tally, lane, Unchecked, Now);

        Assert.Equal(1200, order.Lines[0].UnitPriceFen);
        Assert.Equal(3, lane.UnitsOf("i1"));
        Assert.Equal(2, lane.SoldOf("i1"));
        Assert.Equal(0, tally.Of("i1")); // no per-member limit on the item: no ledger to keep
        var e = Assert.Single(campaign.Events);
        Assert.Equal("order.placed", e.Type);
        Assert.True(e.OnLane);
    }

    [Fact]
    public void ALaneShortOfUnitsAsksForMoreAndChangesNothing()
    {
        var campaign = Live();
        var lane = Claim(campaign, "00", "i1", 1);
        var tally = Tally();

        var shortage = Assert.Throws<StockShortage>(() => campaign.PlaceOrder(Wants("a", 3), tally, lane, Unchecked, Now));

        Assert.Equal(2, shortage.Missing["i1"]);
        Assert.Equal(1, lane.UnitsOf("i1"));
        Assert.Equal(0, tally.Of("i1"));
        Assert.Empty(campaign.Events);
    }

    [Fact]
    public void SoldOutIsAnsweredOnlyWhenTheWholeCampaignWasCheckedShort()
    {
        var campaign = Live();
        var lane = Claim(campaign, "00", "i1", 1);

        var none = Assert.Throws<AppProblem>(() => campaign.PlaceOrder(Wants("a", 2), Tally(), lane, new Dictionary<string, int> { ["i1"] = 0 }, Now));
        Assert.Equal(ProblemCodes.SoldOut, none.Code);
        Assert.Contains("sold out", none.Message, StringComparison.Ordinal);

        var few = Assert.Throws<AppProblem>(() => campaign.PlaceOrder(Wants("b", 3), Tally(), lane, new Dictionary<string, int> { ["i1"] = 2 }, Now));
        Assert.Contains("Only 2", few.Message, StringComparison.Ordinal);

        // What the lane holds is sold even when a check found the rest of the campaign empty.
        Assert.Equal(1, campaign.PlaceOrder(Wants("c", 1), Tally(), lane, new Dictionary<string, int> { ["i1"] = 0 }, Now).Lines[0].Quantity);
    }

    [Fact]
    public void TheMemberLimitCountsWhatTheMemberAlreadyHolds()
    {
        var campaign = Live(perMemberLimit: 3);
        var lane = Claim(campaign, "00", "i1", 10);
        var tally = Tally();
        campaign.PlaceOrder(Wants("a", 2), tally, lane, Unchecked, Now);

        var problem = Assert.Throws<AppProblem>(() => campaign.PlaceOrder(Wants("b", 2), tally, lane, Unchecked, Now));

        Assert.Equal(ProblemCodes.MemberLimit, problem.Code);
        Assert.Equal(8, lane.UnitsOf("i1"));
    }

    [Fact]
    public void OrdersOutsideTheLivePhaseAreRefused()
    {
        var campaign = Live();
        var lane = Claim(campaign, "00", "i1", 10);
        campaign.Move("close", "timer", Now);

        Assert.Equal(ProblemCodes.NotLive, Assert.Throws<AppProblem>(() => campaign.PlaceOrder(Wants("a", 1), Tally(), lane, Unchecked, Now)).Code);
    }

    [Fact]
    public void AFlashQuotaPricesWholeLinesFromItsOwnUnitsAndGiftsGoWhileTheyLast()
    {
        var campaign = Live();
        var lane = Claim(campaign, "00", "i1", 10);
        var (flash, started) = campaign.StartFlashSale("f1", "i1", 2, 990, 60, 1, Now);
        Assert.True(started);
        Assert.Equal(2, campaign.Pool[Buckets.Flash("f1")]);
        campaign.Pool[Buckets.Flash("f1")] -= 2;
        lane.Receive(Buckets.Flash("f1"), 2);
        campaign.Pool[Buckets.Gift("f1")] -= 1;
        lane.Receive(Buckets.Gift("f1"), 1);

        var first = campaign.PlaceOrder(Wants("a", 1), Tally(), lane, Unchecked, Now);
        var second = campaign.PlaceOrder(Wants("b", 1, "m2"), Tally("m2"), lane, new Dictionary<string, int> { [Buckets.Gift("f1")] = 0 }, Now);
        // The quota cannot cover a whole line of 2 any more, and the campaign has no flash units left: the usual price.
        var third = campaign.PlaceOrder(Wants("c", 2, "m3"), Tally("m3"), lane, new Dictionary<string, int> { [Buckets.Flash("f1")] = 0 }, Now);

        Assert.Equal((990, true), (first.Lines[0].UnitPriceFen, first.Lines[0].Gift));
        Assert.Equal((990, false), (second.Lines[0].UnitPriceFen, second.Lines[0].Gift));
        Assert.Equal(1200, third.Lines[0].UnitPriceFen);
        campaign.Recount();
        Assert.Equal((2, 2), (flash.Sold, flash.Orders));
        Assert.Equal(4, campaign.FindItem("i1")!.Sold);
    }

    /// <summary>A live campaign (live price 1200) with a running flash sale of <paramref name="quota"/> at 990, all its units in one lane.</summary>
    private static (Campaign Campaign, StockLane Lane) WithFlash(int quota, int gifts = 1, string giftName = "保温袋", long? memberPriceFen = null)
    {
        var campaign = Live(stock: 20, memberPriceFen: memberPriceFen);
        var lane = Claim(campaign, "00", "i1", 20);
        campaign.StartFlashSale("f1", "i1", quota, 990, 60, gifts, Now, giftName);
        campaign.Pool[Buckets.Flash("f1")] -= quota;
        lane.Receive(Buckets.Flash("f1"), quota);
        if (gifts > 0)
        {
            campaign.Pool[Buckets.Gift("f1")] -= gifts;
            lane.Receive(Buckets.Gift("f1"), gifts);
        }

        return (campaign, lane);
    }

    private static OrderPlacement Expecting(string orderId, int quantity, long? expectedUnitPriceFen, bool memberPrice = false) =>
        new($"cagg-k1-o{orderId}", "m1", "王小花", "138****0000", [new RequestedLine("i1", quantity, expectedUnitPriceFen)], Fulfilment.Pickup, null, "hash-" + orderId, memberPrice);

    [Fact]
    public void AMemberWhoseLevelGrantsMemberPricesPaysTheMemberPriceAndOthersTheLivePrice()
    {
        var campaign = Live(memberPriceFen: 1000);
        var lane = Claim(campaign, "00", "i1", 10);

        var member = campaign.PlaceOrder(Expecting("a", 2, 1000, memberPrice: true), Tally(), lane, Unchecked, Now);
        var other = campaign.PlaceOrder(Expecting("b", 1, null, memberPrice: false), Tally(), lane, Unchecked, Now);
        // Someone whose level does not grant it, who thought she would pay the member price: nothing is charged.
        var refused = Assert.Throws<AppProblem>(() => campaign.PlaceOrder(Expecting("c", 1, 1000, memberPrice: false), Tally(), lane, Unchecked, Now));

        Assert.Equal((1000L, true, 2000L), (member.Lines[0].UnitPriceFen, member.Lines[0].MemberPrice, member.TotalFen));
        Assert.Equal((1200L, false), (other.Lines[0].UnitPriceFen, other.Lines[0].MemberPrice));
        Assert.Equal(ProblemCodes.PriceChanged, refused.Code);
        Assert.Equal([new PriceNow("i1", 1, 1200, null)], Assert.IsAssignableFrom<IEnumerable<PriceNow>>(refused.Extensions!["prices"]));
        Assert.Equal(7, lane.UnitsOf("i1"));
    }

    [Fact]
    public void AMemberPriceAboveTheLivePriceNeverChargesMore()
    {
        var campaign = Live(memberPriceFen: 1300);
        var lane = Claim(campaign, "00", "i1", 10);

        var order = campaign.PlaceOrder(Expecting("a", 1, 1200, memberPrice: true), Tally(), lane, Unchecked, Now);

        Assert.Equal((1200L, false), (order.Lines[0].UnitPriceFen, order.Lines[0].MemberPrice));
    }

    [Fact]
    public void AFlashSaleCheaperThanTheMemberPriceWinsAndOneDearerLeavesItsQuotaToOthers()
    {
        // Flash at 990: below a member price of 1100, so the member gets the flash price from the quota.
        var (cheaper, cheaperLane) = WithFlash(quota: 3, memberPriceFen: 1100);
        var flashed = cheaper.PlaceOrder(Expecting("a", 1, 990, memberPrice: true), Tally(), cheaperLane, Unchecked, Now);
        Assert.Equal((990L, "f1", false), (flashed.Lines[0].UnitPriceFen, flashed.Lines[0].FlashSaleId, flashed.Lines[0].MemberPrice));
        Assert.Equal(2, cheaperLane.UnitsOf(Buckets.Flash("f1")));

        // Flash at 990 above a member price of 900: she pays 900, and the quota and its gift stay for the others.
        var (dearer, dearerLane) = WithFlash(quota: 3, memberPriceFen: 900);
        var member = dearer.PlaceOrder(Expecting("b", 2, 900, memberPrice: true), Tally(), dearerLane, Unchecked, Now);
        Assert.Equal((900L, (string?)null, true, false), (member.Lines[0].UnitPriceFen, member.Lines[0].FlashSaleId, member.Lines[0].MemberPrice, member.Lines[0].Gift));
        Assert.Equal((3, 1), (dearerLane.UnitsOf(Buckets.Flash("f1")), dearerLane.UnitsOf(Buckets.Gift("f1"))));
        var other = dearer.PlaceOrder(Expecting("c", 1, 990, memberPrice: false), Tally(), dearerLane, Unchecked, Now);
        Assert.Equal((990L, "f1", true), (other.Lines[0].UnitPriceFen, other.Lines[0].FlashSaleId, other.Lines[0].Gift));
    }

    [Fact]
    public void AFlashQuotaCoversTheUnitsItStillHasAndTheRestOfTheLineIsAPricedLineOfItsOwn()
    {
        var (campaign, lane) = WithFlash(quota: 3);

        // Every unit of the campaign's quota is in this lane, and the campaign was checked: 3 left, 6 asked.
        var order = campaign.PlaceOrder(Expecting("a", 6, null), Tally(), lane, new Dictionary<string, int> { [Buckets.Flash("f1")] = 3 }, Now);

        Assert.Equal(2, order.Lines.Count);
        Assert.Equal((3, 990L, "f1", true, "保温袋"), (order.Lines[0].Quantity, order.Lines[0].UnitPriceFen, order.Lines[0].FlashSaleId, order.Lines[0].Gift, order.Lines[0].GiftName));
        Assert.Equal((3, 1200L, (string?)null, false), (order.Lines[1].Quantity, order.Lines[1].UnitPriceFen, order.Lines[1].FlashSaleId, order.Lines[1].Gift));
        Assert.Equal(3 * 990 + 3 * 1200, order.TotalFen);
        Assert.Equal(0, lane.UnitsOf(Buckets.Flash("f1")));
        Assert.Equal(14, lane.UnitsOf("i1"));
    }

    [Fact]
    public void AnOrderExpectingAPriceThatNoLongerHoldsForEveryUnitIsRefusedWithThePricesThatHoldAndChangesNothing()
    {
        var (campaign, lane) = WithFlash(quota: 3);
        var verified = new Dictionary<string, int> { [Buckets.Flash("f1")] = 3 };

        var problem = Assert.Throws<AppProblem>(() => campaign.PlaceOrder(Expecting("a", 6, 990), Tally(), lane, verified, Now));

        Assert.Equal(ProblemCodes.PriceChanged, problem.Code);
        var prices = Assert.IsAssignableFrom<IEnumerable<PriceNow>>(problem.Extensions!["prices"]).ToList();
        Assert.Equal([new PriceNow("i1", 3, 990, "f1"), new PriceNow("i1", 3, 1200, null)], prices);
        Assert.Equal((3, 20), (lane.UnitsOf(Buckets.Flash("f1")), lane.UnitsOf("i1")));
        Assert.DoesNotContain(campaign.Events, e => e.Type == "order.placed");

        // The price the member saw holds for every unit: the order goes through at it.
        var order = campaign.PlaceOrder(Expecting("b", 3, 990), Tally(), lane, verified, Now);
        Assert.Equal(990, Assert.Single(order.Lines).UnitPriceFen);
    }

    [Fact]
    public void AFlashSaleTheLeaderEndedEarlyNoLongerPricesOrdersAndItsGiftHasAName()
    {
        var (campaign, lane) = WithFlash(quota: 5, gifts: 2, giftName: "环保袋");
        Assert.Equal("环保袋", campaign.FlashSales[0].GiftName);
        var (ended, changed) = campaign.EndFlashSale("f1", Now.AddSeconds(5));
        Assert.True(changed);
        Assert.False(campaign.EndFlashSale("f1", Now.AddSeconds(6)).Ended); // again: nothing changes
        Assert.NotNull(ended!.EndedAt);

        Assert.Equal(ProblemCodes.PriceChanged, Assert.Throws<AppProblem>(() => campaign.PlaceOrder(Expecting("a", 1, 990), Tally(), lane, Unchecked, Now.AddSeconds(7))).Code);
        Assert.Equal(1200, Assert.Single(campaign.PlaceOrder(Expecting("b", 1, 1200), Tally(), lane, Unchecked, Now.AddSeconds(7)).Lines).UnitPriceFen);
    }

    [Fact]
    public void AFlashSaleCannotPromiseMoreThanTheUnitsLeftAcrossEveryLane()
    {
        var campaign = Live(stock: 10);
        var a = Claim(campaign, "00", "i1", 4);
        Claim(campaign, "01", "i1", 4);
        campaign.PlaceOrder(Wants("a", 3), Tally(), a, Unchecked, Now);
        campaign.UseLane(a);

        Assert.Equal(7, campaign.RemainingOf("i1"));
        var problem = Assert.Throws<AppProblem>(() => campaign.StartFlashSale("f1", "i1", 8, 990, 60, 0, Now));
        Assert.Contains("quantity", problem.Errors!.Keys);
    }

    [Fact]
    public void CancellingAFlashPricedOrderGivesItsQuotaUnitsAndGiftBackForTheNextBuyerAtTheFlashPrice()
    {
        var (campaign, lane) = WithFlash(quota: 2, gifts: 1);
        var verified = new Dictionary<string, int> { [Buckets.Flash("f1")] = 2, [Buckets.Gift("f1")] = 1 };
        var first = campaign.PlaceOrder(Wants("a", 2), Tally(), lane, verified, Now);
        Assert.Equal((2, 990L, true), (first.Lines[0].Quantity, first.Lines[0].UnitPriceFen, first.Lines[0].Gift));

        var cancelled = campaign.CancelOrder(first, "m1", "member-cancelled", Tally(), lane, Now)!;

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal((2, 1), (lane.UnitsOf(Buckets.Flash("f1")), lane.UnitsOf(Buckets.Gift("f1"))));
        campaign.UseLane(lane);
        Assert.Equal((0, 0), (campaign.FlashSales[0].Sold, campaign.FlashSales[0].Orders));

        // The quota is whole again: a neighbour gets both units at the flash price, and the gift.
        var second = campaign.PlaceOrder(Wants("b", 2, "m2"), Tally("m2"), lane, verified, Now);
        var line = Assert.Single(second.Lines);
        Assert.Equal((2, 990L, "f1", true), (line.Quantity, line.UnitPriceFen, line.FlashSaleId, line.Gift));
        campaign.UseLane(lane);
        Assert.Equal((2, 1), (campaign.FlashSales[0].Sold, campaign.FlashSales[0].Orders));
        Assert.Equal(18, campaign.RemainingOf("i1"));
    }

    [Fact]
    public void CancellingGivesUnitsBackToTheActingLaneOnceAndOnlyBeforeClose()
    {
        var campaign = Live(perMemberLimit: 2);
        var seller = Claim(campaign, "00", "i1", 5);
        var canceller = Claim(campaign, "01", "i1", 0);
        var tally = Tally();
        var order = campaign.PlaceOrder(Wants("a", 2), tally, seller, Unchecked, Now);

        var cancelled = campaign.CancelOrder(order, "m1", "member-cancelled", tally, canceller, Now)!;

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal((2, -2), (canceller.UnitsOf("i1"), canceller.SoldOf("i1")));
        Assert.Equal(0, tally.Of("i1"));
        Assert.Null(campaign.CancelOrder(cancelled, "m1", "member-cancelled", tally, canceller, Now));
        campaign.UseLane(seller);
        campaign.UseLane(canceller);
        Assert.Equal((10, 0), (campaign.RemainingOf("i1"), campaign.FindItem("i1")!.Sold));

        var another = campaign.PlaceOrder(Wants("b", 1), tally, seller, Unchecked, Now);
        campaign.Move("close", "timer", Now);
        Assert.Equal(ProblemCodes.Forbidden, Assert.Throws<AppProblem>(() => campaign.CancelOrder(another, "m2", "member-cancelled", tally, seller, Now)).Code);
        Assert.Equal(ProblemCodes.InvalidTransition, Assert.Throws<AppProblem>(() => campaign.CancelOrder(another, "m1", "member-cancelled", tally, seller, Now)).Code);
    }

    [Fact]
    public void TotalsAndSeqAreSummedOverThePoolAndEveryLane()
    {
        var campaign = Live(stock: 10);
        var a = Claim(campaign, "00", "i1", 3);
        var b = Claim(campaign, "01", "i1", 3);
        campaign.PlaceOrder(Wants("a", 2), Tally(), a, Unchecked, Now);
        campaign.PlaceOrder(Wants("b", 1, "m2"), Tally("m2"), b, Unchecked, Now);
        a.Version = 4;
        b.Version = 7;
        campaign.Version = 2;
        campaign.UseLane(a);
        campaign.UseLane(b);

        Assert.Equal(3, campaign.FindItem("i1")!.Sold);
        Assert.Equal(7, campaign.FindItem("i1")!.Remaining);
        Assert.Equal(7, campaign.RemainingOf("i1"));
        Assert.Equal(2, campaign.OrderCount);
        Assert.Equal(13, campaign.Seq);
    }

    [Fact]
    public void GroupEvaluationConfirmsItemsThatReachedTheirMinimumAndTheResultNotificationCarriesNoCode()
    {
        var campaign = Live(stock: 10, minGroupSize: 2);
        var lane = Claim(campaign, "00", "i1", 10);
        var order = campaign.PlaceOrder(Wants("a", 2), Tally(), lane, Unchecked, Now);
        campaign.UseLane(lane);
        campaign.Move("close", "timer", Now);
        campaign.Events.Clear();

        var settled = campaign.Evaluate(order, () => "12345678")!;

        Assert.Equal(OrderStatus.Confirmed, settled.Status);
        Assert.Equal("12345678", settled.PickupCode);
        Assert.Equal((1, 1), (campaign.Confirmed, campaign.ToFulfil));
        var result = campaign.Events.Single(e => e.Type == "notification.result");
        Assert.DoesNotContain("12345678", JsonSerializer.Serialize(result.Data), StringComparison.Ordinal);
        Assert.Null(campaign.Evaluate(settled, () => "00000000"));
    }

    [Fact]
    public void AnItemShortOfItsMinimumCancelsItsLines()
    {
        var campaign = Live(stock: 10, minGroupSize: 5);
        var lane = Claim(campaign, "00", "i1", 10);
        var order = campaign.PlaceOrder(Wants("a", 2), Tally(), lane, Unchecked, Now);
        campaign.UseLane(lane);
        campaign.Move("close", "timer", Now);

        var settled = campaign.Evaluate(order, () => "12345678")!;

        Assert.Equal(OrderStatus.Cancelled, settled.Status);
        Assert.Equal("group-minimum-not-met", settled.Lines[0].CancelReason);
        Assert.Null(settled.PickupCode);
        Assert.True(campaign.FinishEvaluation(Now));
        Assert.Equal(Now, campaign.FulfilledAt);
    }

    [Fact]
    public void HandOverNeedsTheMembersCodeAndHappensOnce()
    {
        var campaign = Live(stock: 10);
        var lane = Claim(campaign, "00", "i1", 10);
        var order = campaign.PlaceOrder(Wants("a", 1), Tally(), lane, Unchecked, Now);
        campaign.UseLane(lane);
        campaign.Move("close", "timer", Now);
        var confirmed = campaign.Evaluate(order, () => "12345678")!;
        campaign.FinishEvaluation(Now);

        Assert.Equal(ProblemCodes.WrongPickupCode, Assert.Throws<AppProblem>(() => campaign.HandOver(confirmed, OrderStatus.PickedUp, "87654321", Now)).Code);
        var picked = campaign.HandOver(confirmed, OrderStatus.PickedUp, " 12345678 ", Now)!;
        Assert.Equal(OrderStatus.PickedUp, picked.Status);
        Assert.Equal((0, Now), (campaign.ToFulfil, campaign.FulfilledAt!.Value));
        Assert.Equal(ProblemCodes.AlreadyPickedUp, Assert.Throws<AppProblem>(() => campaign.HandOver(picked, OrderStatus.PickedUp, "12345678", Now)).Code);
    }

    [Fact]
    public void PhaseChangesRecordTheirEventOnceAndARepeatedActionChangesNothing()
    {
        var campaign = Live();
        campaign.Events.Clear();

        Assert.True(campaign.Move("close", "leader:l1", Now).Changed);
        Assert.False(campaign.Move("close", "timer", Now).Changed);

        Assert.Equal("campaign.phaseChanged", Assert.Single(campaign.Events).Type);
        Assert.Equal(ProblemCodes.InvalidTransition, Assert.Throws<AppProblem>(() => campaign.Move("follow-up", "timer", Now)).Code);
        Assert.False(campaign.Move("go-live", "timer", Now).Changed); // already past live: a success that changes nothing
    }

    [Fact]
    public void AClosedCampaignIsFulfilledOnlyOnceItsGroupEvaluationHasFinished()
    {
        var campaign = Live();
        campaign.Apply("close");

        var early = Assert.Throws<AppProblem>(() => campaign.Move("fulfil", "leader:l1", Now));
        Assert.Equal(ProblemCodes.InvalidTransition, early.Code);
        Assert.Equal(CampaignPhase.Closed, campaign.Phase);

        Assert.True(campaign.FinishEvaluation(Now));
        Assert.True(campaign.Move("fulfil", "leader:l1", Now).Changed);
        Assert.Equal(CampaignPhase.Fulfilling, campaign.Phase);
    }
}
