// The live room's 积分抵扣 (points pay part of an order): on every item card a toggle
// "用积分抵扣 ¥x.xx（可用 N 积分）" and, while it is on, the exact amount to pay for the quantity typed, worked out the
// way the order route works it out (the chain's rate and cap from GET /api/members/me/points). live.js asks
// SCPoints.pointsFor before it orders and SCPoints.confirmation for the 积分抵扣 / 应付 lines of the order result.
// Loaded before live.js, which announces who is signed in ("sc:member") and that the cards were drawn ("sc:items").
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "points.use": "用积分抵扣 {amount}（可用 {balance} 积分）", "points.useNone": "积分抵扣（可用 {balance} 积分，本单暂不可用）",
      "points.pay": "积分抵扣 −{discount}（{points} 积分）· 应付 {payable}",
      "points.confirm": "积分抵扣 −{discount}（{points} 积分）· 应付 {payable}",
      "points.cap": "积分最多抵扣订单金额的 {share}%",
      "error.insufficient-points": "积分不足：可用积分已变化（可能被另一笔订单用掉），本单未下。请刷新后重试。",
      "error.points-over-cap": "积分超过本单可抵扣上限，本单未下。请重新选择后下单。",
      "error.points-spending-off": "本店暂未开启积分抵扣，本单未下。",
      "growth.reason.spend": "积分抵扣", "growth.reason.return": "退回积分",
    },
    en: {
      "points.use": "Pay {amount} with points ({balance} available)", "points.useNone": "Points ({balance} available; not for this order)",
      "points.pay": "Points −{discount} ({points} points) · To pay {payable}",
      "points.confirm": "Points −{discount} ({points} points) · To pay {payable}",
      "points.cap": "Points pay at most {share}% of an order",
      "error.insufficient-points": "Not enough points: your balance changed (another order may have used them). Nothing was ordered.",
      "error.points-over-cap": "That is more points than this order may use. Nothing was ordered.",
      "error.points-spending-off": "This store does not take points yet. Nothing was ordered.",
      "growth.reason.spend": "Paid with points", "growth.reason.return": "Points returned",
    },
  });

  const h = SC.el;
  let token = null;
  let rules = null; // { balance, rate, share, step } or null while unknown / off
  let usePoints = false;

  // The same integer arithmetic as the server (GrowthSettings.MaxPointsFor, DiscountFen).
  function plan(goodsFen) {
    if (!rules || !usePoints || !(goodsFen > 0)) return null;
    const capFen = Math.floor(goodsFen * rules.share / 100);
    const byCap = Math.floor(Math.floor(capFen * rules.rate / 100) / rules.step) * rules.step;
    const byBalance = Math.floor(rules.balance / rules.step) * rules.step;
    const points = Math.max(0, Math.min(byCap, byBalance));
    if (points <= 0) return null;
    const discountFen = Math.floor(points * 100 / rules.rate);
    return { points, discountFen, payableFen: goodsFen - discountFen };
  }

  function goodsOf(card) {
    const itemId = card.dataset.itemId;
    const price = window.SCOrderSheet ? SCOrderSheet.priceOf(itemId) : null;
    const quantity = Number(card.querySelector('input[name="quantity"]')?.value);
    return price != null && Number.isInteger(quantity) && quantity > 0 ? price * quantity : 0;
  }

  function maxPlan(goodsFen) {
    const was = usePoints;
    usePoints = true;
    try { return plan(goodsFen); } finally { usePoints = was; }
  }

  function renderCard(card) {
    let box = card.querySelector(".points-pay");
    if (!rules) { if (box) box.hidden = true; return; }
    if (!box) {
      const id = "points-" + card.dataset.itemId;
      box = h("div", { class: "points-pay" },
        h("div", { class: "choice" }, h("input", { type: "checkbox", id, class: "points-toggle", onchange: (e) => { usePoints = e.target.checked; renderAll(); } }),
          h("label", { for: id, class: "points-label" })),
        h("p", { class: "points-payable strong", role: "status" }));
      card.querySelector(".buy").before(box);
    }
    box.hidden = false;
    const goods = goodsOf(card);
    const best = maxPlan(goods);
    const toggle = box.querySelector(".points-toggle");
    toggle.checked = usePoints;
    toggle.disabled = !best;
    box.querySelector(".points-label").textContent = best
      ? SC.t("points.use", { amount: SC.money(best.discountFen), balance: rules.balance })
      : SC.t("points.useNone", { balance: rules.balance });
    box.title = SC.t("points.cap", { share: rules.share });
    const chosen = plan(goods);
    const line = box.querySelector(".points-payable");
    line.hidden = !chosen;
    line.textContent = chosen ? SC.t("points.pay", { discount: SC.money(chosen.discountFen), points: chosen.points, payable: SC.money(chosen.payableFen) }) : "";
  }

  function renderAll() {
    document.querySelectorAll("#items article.item").forEach(renderCard);
  }

  async function load() {
    if (!token) { rules = null; renderAll(); return; }
    try {
      const p = await SC.api("GET", "/api/members/me/points", { token });
      rules = p.spendPointsPerYuan > 0 && p.maxPointsSharePercent > 0 && p.balance > 0
        ? { balance: p.balance, rate: p.spendPointsPerYuan, share: p.maxPointsSharePercent, step: p.spendStep || 1 }
        : null;
    } catch (e) {
      rules = null; // no toggle: the member orders at the full price
    }
    renderAll();
  }

  window.SCPoints = {
    /** Points to send with an order of this item (0: none), exactly as the card shows them. */
    pointsFor(itemId, goodsFen) {
      const chosen = plan(goodsFen);
      return chosen ? chosen.points : 0;
    },
    /** The 积分抵扣 and 应付 lines of an order result, or "" for an order without points. */
    confirmation(order) {
      return order && order.pointsUsed > 0
        ? SC.t("points.confirm", { discount: SC.money(order.pointsDiscountFen), points: order.pointsUsed, payable: SC.money(order.payableFen) })
        : "";
    },
  };

  document.addEventListener("sc:member", (event) => { token = event.detail.token; load(); });
  document.addEventListener("sc:points", load); // the balance moved (live.js: an order with points, a review, a survey)
  document.addEventListener("sc:items", renderAll);
  // The quantity typed changes the amount (the toggle's own "input" event must not redraw it before its "change").
  document.addEventListener("input", (e) => { if (e.target.name === "quantity" && e.target.closest("#items article.item")) renderAll(); });
})();
