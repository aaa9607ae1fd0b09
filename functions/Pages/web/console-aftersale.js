// After-sale (售后) in the console: the chain's policy (a 售后 page; the admin edits, leaders read) and, on the campaign
// page, the campaign's requests with 同意退款 / 拒绝 (with a reason). Loaded before console.js, which calls these hooks
// (window.SCConsoleExtensions); plain browser JavaScript on top of common.js (window.SC).
"use strict";

(function () {
  const h = SC.el;
  const enc = encodeURIComponent;

  SC.addStrings({
    zh: {
      "nav.aftersale": "售后", "as.heading": "售后", "as.policy": "售后政策", "as.windowDays": "提货/送达后可申请的天数（0–30，0 为不受理）",
      "as.policyText": "政策说明（会员可见）", "as.save": "保存政策", "as.list": "售后申请", "as.none": "还没有售后申请。",
      "as.kind.refund": "仅退款", "as.kind.return": "退货退款", "as.status.pending": "待处理", "as.status.approved": "已同意退款", "as.status.refused": "已拒绝",
      "as.line": "{item} × {quantity} · {kind} · {amount}", "as.reasonLabel": "会员说明：", "as.decision": "处理说明：{reason}",
      "as.approve": "同意退款", "as.refuse": "拒绝", "as.refuseReason": "拒绝原因（必填）", "as.approved": "已同意，退款已记入订单",
      "as.refused": "已拒绝", "as.points": "退回积分 {points}",
      "as.rule": "同意退款后：订单记录退款数量和金额，成交额、售出件数和客单价相应减少，按比例扣回该笔订单的购物积分；成团按截单时计算，售后退款不改变成团结果；已提货商品不回库存。",
    },
    en: {
      "nav.aftersale": "After-sale", "as.heading": "After-sale", "as.policy": "After-sale policy", "as.windowDays": "Days after pickup/delivery to ask (0–30, 0 = none)",
      "as.policyText": "Policy text (members see it)", "as.save": "Save policy", "as.list": "After-sale requests", "as.none": "No after-sale requests yet.",
      "as.kind.refund": "Refund only", "as.kind.return": "Return and refund", "as.status.pending": "Waiting", "as.status.approved": "Refund approved", "as.status.refused": "Refused",
      "as.line": "{item} × {quantity} · {kind} · {amount}", "as.reasonLabel": "Member says: ", "as.decision": "Answer: {reason}",
      "as.approve": "Approve refund", "as.refuse": "Refuse", "as.refuseReason": "Reason for refusing (required)", "as.approved": "Approved: the refund is on the order",
      "as.refused": "Refused", "as.points": "{points} points taken back",
      "as.rule": "On approval the order records the refunded units and amount; GMV, sold units and average order value drop; the order's purchase points are taken back in proportion. Groups are decided at close: a refund never changes them. Picked-up goods do not return to stock.",
    },
  });

  const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));
  const errorBox = (id) => h("div", { id, class: "error", role: "alert", hidden: true });

  // ---- the 售后 page: the chain's policy ------------------------------------------------------------------------------

  function render(app, k) {
    const me = k.state.me;
    const path = `/api/chains/${enc(me.chainId)}/after-sale-policy`;
    const isAdmin = me.role === "admin";
    const box = errorBox("as-policy-error");
    const days = h("input", { id: "as-window-days", name: "windowDays", type: "number", min: 0, max: 30, disabled: !isAdmin });
    const text = h("textarea", { id: "as-policy-text", name: "text", rows: 2, maxlength: 200, disabled: !isAdmin });
    const form = h("form", { id: "as-policy-form", novalidate: true },
      h("div", { class: "field" }, tx("label", "as.windowDays", { for: "as-window-days" }), days),
      h("div", { class: "field" }, tx("label", "as.policyText", { for: "as-policy-text" }), text),
      box, isAdmin ? h("div", { class: "actions" }, tx("button", "as.save", { type: "submit", class: "primary", id: "as-policy-save" })) : null);
    const show = (p) => { days.value = p.windowDays; text.value = p.text; };
    k.api("GET", path).then(show).catch((e) => SC.showError(box, e));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      SC.showError(box, null, form);
      try {
        show(await k.api("PUT", path, { body: { windowDays: Number(days.value), text: text.value.trim() } }));
        SC.toast(SC.t("common.saved"));
      } catch (e) { SC.showError(box, e, form); }
    });
    SC.fill(app, h("div", { class: "view-title" }, tx("h2", "as.heading")),
      h("section", { class: "card", id: "as-policy" }, tx("h3", "as.policy"), form, tx("p", "as.rule", { class: "hint" })));
  }

  // ---- the campaign page: requests and decisions ----------------------------------------------------------------------

  function campaignPage(root, campaignId, ctx) {
    const list = h("ul", { id: "aftersale-list", class: "list-plain" });
    const box = errorBox("aftersale-error");
    root.append(h("section", { class: "card", id: "aftersales" }, tx("h3", "as.list"), tx("p", "as.rule", { class: "hint" }), box, list));

    async function load() {
      try {
        const requests = await ctx.api("GET", `/api/campaigns/${enc(campaignId)}/after-sales`);
        SC.fill(list, requests.length ? requests.map(item) : [tx("li", "as.none", { class: "muted" })]);
      } catch (e) { SC.showError(box, e); }
    }

    function item(r) {
      const li = h("li", { class: "aftersale", dataset: { requestId: r.requestId, status: r.status } },
        h("strong", {}, r.maskedName), " · ",
        SC.t("as.line", { item: r.itemName, quantity: r.quantity, kind: SC.t("as.kind." + r.kind), amount: SC.money(r.amountFen) }), " ",
        h("span", { class: "badge aftersale-status" }, SC.t("as.status." + r.status)),
        h("p", { class: "aftersale-reason" }, SC.t("as.reasonLabel"), r.reason),
        r.photoUrls.length ? h("div", { class: "trial-photos" }, r.photoUrls.map((u) => h("img", { src: u, alt: r.itemName, width: 72, height: 72, loading: "lazy" }))) : null,
        r.decisionReason ? h("p", { class: "muted" }, SC.t("as.decision", { reason: r.decisionReason })) : null,
        r.status === "approved" && r.pointsReversed ? h("p", { class: "muted" }, SC.t("as.points", { points: r.pointsReversed })) : null);
      if (r.status !== "pending") return li;
      const error = h("div", { class: "error", role: "alert", hidden: true });
      const reason = h("input", { name: "reason", class: "aftersale-refuse-reason", maxlength: 200, placeholder: SC.t("as.refuseReason"), "aria-label": SC.t("as.refuseReason") });
      const decide = async (button, verb, body) => {
        button.disabled = true;
        SC.showError(error, null, form);
        try {
          await ctx.api("POST", `/api/after-sales/${enc(r.requestId)}/${verb}`, { body });
          SC.toast(SC.t(verb === "approve" ? "as.approved" : "as.refused"));
          await load();
        } catch (e) { SC.showError(error, e, form); button.disabled = false; }
      };
      const approve = tx("button", "as.approve", { type: "button", class: "primary aftersale-approve" });
      approve.addEventListener("click", () => decide(approve, "approve", {}));
      const form = h("form", { class: "aftersale-decide row", novalidate: true }, approve, reason, tx("button", "as.refuse", { type: "submit", class: "aftersale-refuse" }));
      form.addEventListener("submit", (event) => { event.preventDefault(); decide(form.querySelector(".aftersale-refuse"), "refuse", { reason: reason.value.trim() }); });
      li.append(form, error);
      return li;
    }

    load();
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "aftersale", navKey: "nav.aftersale", roles: ["admin", "leader"], render }],
    campaignPage,
  });
})();
