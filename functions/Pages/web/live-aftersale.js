// The live room's after-sale (售后) part: under each of the member's handed-over orders in 我的订单, the chain's policy,
// the requests and their status, and 申请售后 (item, quantity, refund or return, reason, photos). live.js tells this
// script who is signed in (event "sc:member") and draws the order cards (article.order[data-order-id]); this script
// adds one block to each card of a picked-up or delivered order. Plain browser JavaScript on top of common.js (window.SC).
"use strict";

(function () {
  const h = SC.el;
  const enc = encodeURIComponent;
  const campaignId = decodeURIComponent((location.pathname.split("/")[2] || "").trim());
  const MAX_PHOTOS = 9;
  const HANDED_OVER = ["pickedUp", "delivered"];

  SC.addStrings({
    zh: {
      "as.heading": "售后", "as.policy": "售后政策：{text}", "as.deadline": "可申请至 {time}", "as.closed": "已超过售后期限",
      "as.apply": "申请售后", "as.item": "商品", "as.quantity": "数量", "as.kind": "售后类型", "as.kind.refund": "仅退款", "as.kind.return": "退货退款",
      "as.reason": "售后原因", "as.photos": "照片（选填，最多 9 张）", "as.submit": "提交申请", "as.cancel": "先不了", "as.sent": "售后申请已提交，等待团长处理",
      "as.status.pending": "待处理", "as.status.approved": "已同意退款", "as.status.refused": "已拒绝",
      "as.line": "{item} × {quantity} · {kind} · {amount}", "as.decision": "团长回复：{reason}", "as.tooMany": "最多上传 9 张照片。",
      "as.uploadFailed": "照片上传失败，请重试。", "as.refunded": "已退 {quantity} 件，{amount}",
      "as.err.after-sale-window-closed": "已超过售后期限，无法再申请。", "as.err.after-sale-open": "这件商品已有一个售后申请在处理中，请等待团长处理。",
      "as.err.use-cancel": "截单前请直接取消订单。", "as.err.not-handed-over": "提货或送达后才能申请售后。",
    },
    en: {
      "as.heading": "After-sale", "as.policy": "Policy: {text}", "as.deadline": "You can ask until {time}", "as.closed": "The after-sale period is over",
      "as.apply": "Ask for after-sale", "as.item": "Item", "as.quantity": "Quantity", "as.kind": "Type", "as.kind.refund": "Refund only", "as.kind.return": "Return and refund",
      "as.reason": "Reason", "as.photos": "Photos (optional, up to 9)", "as.submit": "Send request", "as.cancel": "Not now", "as.sent": "Request sent; the leader will answer soon",
      "as.status.pending": "Waiting", "as.status.approved": "Refund approved", "as.status.refused": "Refused",
      "as.line": "{item} × {quantity} · {kind} · {amount}", "as.decision": "Leader's answer: {reason}", "as.tooMany": "Up to 9 photos.",
      "as.uploadFailed": "A photo did not upload; please try again.", "as.refunded": "{quantity} refunded, {amount}",
      "as.err.after-sale-window-closed": "The after-sale period is over.", "as.err.after-sale-open": "This item already has a request waiting for the leader.",
      "as.err.use-cancel": "Before orders close, cancel the order instead.", "as.err.not-handed-over": "After-sale opens once the order is picked up or delivered.",
    },
  });

  let token = null;
  let currentToken = () => token;
  let orders = new Map();
  const views = new Map(); // orderId → { data, open (form shown) }

  /** The API's refusal in the member's words when the page knows the code. */
  function friendly(e) {
    const key = "as.err." + (e && e.code);
    return SC.t(key) !== key ? new Error(SC.t(key)) : e;
  }

  async function loadOrders() {
    if (!token) { orders = new Map(); draw(); return; }
    try {
      const all = await SC.api("GET", "/api/members/me/orders", { token: currentToken() });
      orders = new Map(all.filter((o) => o.campaignId === campaignId && HANDED_OVER.includes(o.status)).map((o) => [o.orderId, o]));
      await Promise.all([...orders.keys()].map(loadAfterSales));
    } catch (e) { /* the next refresh tries again */ }
    draw();
  }

  async function loadAfterSales(orderId) {
    try {
      const data = await SC.api("GET", `/api/orders/${enc(orderId)}/after-sales`, { token: currentToken() });
      const view = views.get(orderId) || { open: false };
      view.data = data;
      views.set(orderId, view);
    } catch (e) { /* shown as it was */ }
  }

  function draw() {
    for (const card of document.querySelectorAll("#my-orders article.order[data-order-id]")) {
      const order = orders.get(card.dataset.orderId);
      let box = card.querySelector(":scope > .order-aftersale");
      if (!order || !views.get(order.orderId) || !views.get(order.orderId).data) { if (box) box.remove(); continue; }
      if (!box) { box = h("div", { class: "order-aftersale" }); card.append(box); }
      const view = views.get(order.orderId);
      const signature = JSON.stringify([SC.lang(), view.open, view.data, order.items.map((l) => [l.refundedQuantity, l.status])]);
      if (box.dataset.signature === signature) continue;
      box.dataset.signature = signature;
      render(box, order, view);
    }
  }

  function render(box, order, view) {
    const d = view.data;
    const open = d.deadline && new Date(d.deadline) > new Date();
    const pendingItems = new Set(d.requests.filter((r) => r.status === "pending").map((r) => r.itemId));
    const lines = order.items.filter((l) => l.status !== "cancelled" && l.quantity - (l.refundedQuantity || 0) > 0 && !pendingItems.has(l.itemId));
    SC.fill(box,
      h("h3", {}, SC.t("as.heading")),
      h("p", { class: "muted as-policy" }, SC.t("as.policy", { text: d.policyText }), " · ",
        open ? SC.t("as.deadline", { time: SC.formatTime(d.deadline) }) : SC.t("as.closed")),
      order.items.filter((l) => l.refundedQuantity > 0).map((l) => h("p", { class: "success as-refunded" }, l.name, " · ", SC.t("as.refunded", { quantity: l.refundedQuantity, amount: SC.money(l.refundedFen) }))),
      d.requests.length ? h("ul", { class: "list-plain as-requests" }, d.requests.map((r) => h("li", { class: "as-request", dataset: { requestId: r.requestId, status: r.status } },
        SC.t("as.line", { item: r.itemName, quantity: r.quantity, kind: SC.t("as.kind." + r.kind), amount: SC.money(r.amountFen) }), " ",
        h("span", { class: "badge as-status" }, SC.t("as.status." + r.status)),
        r.decisionReason ? h("p", { class: "muted as-decision" }, SC.t("as.decision", { reason: r.decisionReason })) : null))) : null,
      open && lines.length
        ? (view.open ? form(order, lines, view) : h("button", { type: "button", class: "as-apply", onclick: () => { view.open = true; draw(); } }, SC.t("as.apply")))
        : null);
  }

  function form(order, lines, view) {
    const id = (x) => `as-${x}-${order.orderId}`;
    const error = h("div", { class: "error", role: "alert", hidden: true });
    const quantity = h("input", { id: id("quantity"), name: "quantity", type: "number", min: 1, value: 1, required: true });
    const item = h("select", { id: id("item"), name: "itemId" }, lines.map((l) => h("option", { value: l.itemId }, l.name)));
    const limit = () => {
      const line = lines.find((l) => l.itemId === item.value) || lines[0];
      quantity.max = String(line.quantity - (line.refundedQuantity || 0));
      if (Number(quantity.value) > Number(quantity.max)) quantity.value = quantity.max;
    };
    item.addEventListener("change", limit);
    limit();
    const f = h("form", { class: "as-form", novalidate: true },
      h("label", { for: id("item") }, SC.t("as.item")), item,
      h("label", { for: id("quantity") }, SC.t("as.quantity")), quantity,
      h("label", { for: id("kind") }, SC.t("as.kind")),
      h("select", { id: id("kind"), name: "kind" }, ["refund", "return"].map((k) => h("option", { value: k }, SC.t("as.kind." + k)))),
      h("label", { for: id("reason") }, SC.t("as.reason")), h("textarea", { id: id("reason"), name: "reason", rows: 2, maxlength: 200, required: true }),
      h("label", { for: id("photos") }, SC.t("as.photos")), h("input", { id: id("photos"), name: "photos", type: "file", accept: "image/*", multiple: true }),
      error,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, SC.t("as.submit")),
        h("button", { type: "button", class: "link-button", onclick: () => { view.open = false; draw(); } }, SC.t("as.cancel"))));
    // One key per intent: a retry of the same form after a network error answers the same request.
    let key = null;
    f.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = f.querySelector("button[type=submit]");
      SC.showError(error, null, f);
      const files = Array.from(f.photos.files || []);
      if (files.length > MAX_PHOTOS) { SC.showError(error, new Error(SC.t("as.tooMany"))); return; }
      const body = { itemId: f.itemId.value, quantity: Number(f.quantity.value), kind: f.kind.value, reason: f.reason.value.trim(), photoCount: files.length };
      const intent = JSON.stringify(body);
      if (!key || key.intent !== intent) key = { intent, value: SC.newKey() };
      button.disabled = true;
      try {
        const sent = await SC.api("POST", `/api/orders/${enc(order.orderId)}/after-sales`, { token: currentToken(), body, idempotencyKey: key.value });
        for (let i = 0; i < files.length && i < sent.photoUploadUrls.length; i++) {
          const put = await fetch(sent.photoUploadUrls[i], { method: "PUT", body: files[i], headers: { "x-ms-blob-type": "BlockBlob", "content-type": files[i].type || "application/octet-stream" } });
          if (!put.ok) throw new Error(SC.t("as.uploadFailed"));
        }
        if (files.length) await SC.api("POST", `/api/after-sales/${enc(sent.request.requestId)}/photos/confirm`, { token: currentToken() });
        SC.toast(SC.t("as.sent"));
        view.open = false;
        await loadAfterSales(order.orderId);
        draw();
      } catch (e) {
        SC.showError(error, friendly(e), f);
        button.disabled = false;
      }
    });
    return f;
  }

  // live.js redraws the order cards when orders change: add the block to new cards, and look again at the orders.
  let pending = null;
  const list = document.getElementById("my-orders");
  if (list) {
    new MutationObserver(() => {
      draw();
      clearTimeout(pending);
      pending = setTimeout(() => { if ([...document.querySelectorAll("#my-orders article.order[data-order-id]")].some((c) => !orders.has(c.dataset.orderId))) loadOrders(); }, 500);
    }).observe(list, { childList: true, subtree: true });
  }

  document.addEventListener("sc:member", (event) => {
    const next = (event.detail && event.detail.token) || null;
    if (event.detail && typeof event.detail.currentToken === "function") currentToken = event.detail.currentToken;
    if (next === token) return;
    token = next;
    loadOrders();
  });
  SC.onLanguageChange(draw);
  // A decision sends no event to the member: while a request waits, look again now and then.
  setInterval(() => {
    if ([...views.values()].some((v) => v.data && v.data.requests.some((r) => r.status === "pending"))) loadOrders();
  }, 15_000);
})();
