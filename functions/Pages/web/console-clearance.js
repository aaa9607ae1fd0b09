// The console's 晚市特惠 view (#/clearance): a store's evening clearance (日清) — the evening hour, closing time, time
// zone and on/off — and the near-expiry items flagged for today at a clearance price (or a discount), with a link to
// today's clearance campaign once the timer has opened it. The store's own leader and the admin only. Registers in
// window.SCConsoleExtensions; plain browser JavaScript on common.js.
"use strict";

(function () {
  const h = SC.el;
  const enc = encodeURIComponent;
  const tx = (tag, key, attrs, vars) => h(tag, Object.assign({ "data-i18n": vars ? null : key }, attrs || {}), SC.t(key, vars));

  SC.addStrings({
    zh: {
      "nav.clearance": "晚市特惠", "clearance.heading": "晚市特惠（日清）", "clearance.store": "门店",
      "clearance.intro": "临近最佳赏味期、品质完好的商品，晚上按特惠价卖完。到了晚市时间，系统自动开团（成团人数 1，每单都成立），到打烊时间自动截单，无需团长操作。",
      "clearance.enabled": "开启晚市特惠", "clearance.eveningAt": "晚市开始", "clearance.closingAt": "打烊截单", "clearance.timeZone": "时区",
      "clearance.pickupHours": "截单后可提货（小时）", "clearance.save": "保存设置", "clearance.saved": "已保存晚市特惠设置。",
      "clearance.today": "今日特惠商品（{date}）", "clearance.window": "今天 {from} 开团，{to} 截单。",
      "clearance.product": "商品", "clearance.price": "原价（元）", "clearance.clearancePrice": "特惠价（元）", "clearance.discount": "或折扣（%，50 = 五折）",
      "clearance.quantity": "数量", "clearance.limit": "每人限购", "clearance.add": "加入今日特惠", "clearance.remove": "移除",
      "clearance.none": "今天还没有特惠商品；没有商品就不会开团。", "clearance.campaign": "今日晚市特惠团：", "clearance.notOpened": "尚未开团（晚市开始前半小时内自动开团）。",
      "clearance.open": "查看开团", "clearance.liveRoom": "直播间链接",
    },
    en: {
      "nav.clearance": "Evening clearance", "clearance.heading": "Evening clearance", "clearance.store": "Store",
      "clearance.intro": "Items near their best-before but in good condition, sold off in the evening at a clearance price. At the evening hour a campaign opens by itself (minimum 1, every order stands) and closes at closing time, with no leader action.",
      "clearance.enabled": "Evening clearance on", "clearance.eveningAt": "Evening hour", "clearance.closingAt": "Closing time", "clearance.timeZone": "Time zone",
      "clearance.pickupHours": "Pickup after closing (hours)", "clearance.save": "Save settings", "clearance.saved": "Evening clearance settings saved.",
      "clearance.today": "Today's clearance items ({date})", "clearance.window": "Today it opens at {from} and closes at {to}.",
      "clearance.product": "Product", "clearance.price": "Usual price (¥)", "clearance.clearancePrice": "Clearance price (¥)", "clearance.discount": "or discount (%, 50 = half price)",
      "clearance.quantity": "Quantity", "clearance.limit": "Per member", "clearance.add": "Add to today", "clearance.remove": "Remove",
      "clearance.none": "No clearance items today; without items no campaign opens.", "clearance.campaign": "Today's clearance campaign: ", "clearance.notOpened": "Not opened yet (it opens by itself within half an hour before the evening hour).",
      "clearance.open": "Open campaign", "clearance.liveRoom": "Live-room link",
    },
  });

  function render(app, ctx) {
    const me = ctx.state.me;
    const isAdmin = me.role === "admin";
    const storeSelect = h("select", { id: "clearance-store", name: "storeId" });
    const error = h("div", { id: "clearance-error", class: "error", role: "alert", hidden: true });
    const status = h("div", { id: "clearance-status", class: "muted", role: "status" });
    const enabled = h("input", { id: "clearance-enabled", name: "enabled", type: "checkbox" });
    const evening = h("input", { id: "clearance-evening", name: "eveningAt", type: "time", required: true });
    const closing = h("input", { id: "clearance-closing", name: "closingAt", type: "time", required: true });
    const zone = h("input", { id: "clearance-zone", name: "timeZone", maxlength: 64, required: true });
    const pickup = h("input", { id: "clearance-pickup", name: "pickupHours", type: "number", min: 1, max: 72, required: true });
    const settingsForm = h("form", { id: "clearance-settings", class: "row" },
      isAdmin ? h("div", { class: "field" }, tx("label", "clearance.store", { for: "clearance-store" }), storeSelect) : null,
      h("div", { class: "field" }, h("label", { for: "clearance-enabled" }, enabled, " ", SC.t("clearance.enabled"))),
      h("div", { class: "field" }, tx("label", "clearance.eveningAt", { for: "clearance-evening" }), evening),
      h("div", { class: "field" }, tx("label", "clearance.closingAt", { for: "clearance-closing" }), closing),
      h("div", { class: "field" }, tx("label", "clearance.timeZone", { for: "clearance-zone" }), zone),
      h("div", { class: "field" }, tx("label", "clearance.pickupHours", { for: "clearance-pickup" }), pickup),
      tx("button", "clearance.save", { type: "submit", class: "primary", id: "clearance-save" }));

    const product = h("select", { id: "clearance-product", name: "productId", required: true });
    const price = h("input", { id: "clearance-price", name: "price", type: "number", min: "0.02", step: "0.01", required: true });
    const clearancePrice = h("input", { id: "clearance-clearance-price", name: "clearancePrice", type: "number", min: "0.01", step: "0.01" });
    const discount = h("input", { id: "clearance-discount", name: "discountPercent", type: "number", min: 1, max: 99 });
    const quantity = h("input", { id: "clearance-quantity", name: "quantity", type: "number", min: 1, max: 1000, required: true });
    const limit = h("input", { id: "clearance-limit", name: "perMemberLimit", type: "number", min: 1, max: 1000 });
    const itemForm = h("form", { id: "clearance-item-form", class: "row" },
      h("div", { class: "field" }, tx("label", "clearance.product", { for: "clearance-product" }), product),
      h("div", { class: "field" }, tx("label", "clearance.price", { for: "clearance-price" }), price),
      h("div", { class: "field" }, tx("label", "clearance.clearancePrice", { for: "clearance-clearance-price" }), clearancePrice),
      h("div", { class: "field" }, tx("label", "clearance.discount", { for: "clearance-discount" }), discount),
      h("div", { class: "field" }, tx("label", "clearance.quantity", { for: "clearance-quantity" }), quantity),
      h("div", { class: "field" }, tx("label", "clearance.limit", { for: "clearance-limit" }), limit),
      tx("button", "clearance.add", { type: "submit", class: "primary", id: "clearance-add" }));
    const todayTitle = h("h3", { id: "clearance-today-title" });
    const windowText = h("p", { id: "clearance-window", class: "muted" });
    const campaignBox = h("div", { id: "clearance-campaign" });
    const body = h("tbody");

    SC.fill(app, h("div", { class: "view-title" }, tx("h2", "clearance.heading")),
      h("section", { class: "card" }, tx("p", "clearance.intro", { class: "muted" }), settingsForm, error, status),
      h("section", { class: "card" }, todayTitle, windowText, campaignBox, itemForm,
        h("div", { class: "table-wrap" }, h("table", { id: "clearance-items" },
          h("thead", {}, h("tr", {}, tx("th", "clearance.product"), tx("th", "clearance.price"), tx("th", "clearance.clearancePrice"), tx("th", "clearance.quantity"), tx("th", "clearance.limit"), h("th"))),
          body))));

    const storeId = () => (isAdmin ? storeSelect.value : me.storeId);
    const base = () => `/api/stores/${enc(storeId())}/clearance`;

    function show(view) {
      const s = view.settings;
      enabled.checked = s.enabled;
      evening.value = s.eveningAt;
      closing.value = s.closingAt;
      zone.value = s.timeZone;
      pickup.value = s.pickupHours;
      const t = view.today;
      todayTitle.textContent = SC.t("clearance.today", { date: t.date });
      windowText.textContent = SC.t("clearance.window", { from: SC.formatTime(t.opensAt), to: SC.formatTime(t.closesAt) });
      SC.fill(campaignBox, t.campaignId
        ? h("p", {}, SC.t("clearance.campaign"),
          h("a", { id: "clearance-campaign-link", href: "#/campaigns/" + enc(t.campaignId) }, SC.t("clearance.open")), " · ",
          h("a", { href: t.campaignUrl, target: "_blank", rel: "noopener" }, SC.t("clearance.liveRoom")))
        : tx("p", "clearance.notOpened", { class: "muted" }));
      itemForm.hidden = !!t.campaignId;
    }

    async function load() {
      SC.showError(error, null);
      try {
        const [view, items] = await Promise.all([ctx.api("GET", base()), ctx.api("GET", base() + "/items")]);
        show(view);
        SC.fill(body, items.length ? items.map((i) => h("tr", { "data-product-id": i.productId },
          h("td", {}, i.name), h("td", {}, SC.money(i.priceFen)), h("td", {}, SC.money(i.clearancePriceFen)), h("td", {}, String(i.quantity)),
          h("td", {}, i.perMemberLimit ? String(i.perMemberLimit) : "—"),
          h("td", {}, view.today.campaignId ? null : tx("button", "clearance.remove", { type: "button", class: "clearance-remove", onclick: () => remove(i) }))))
          : [h("tr", {}, h("td", { colspan: 6, class: "muted" }, SC.t("clearance.none")))]);
      } catch (e) { SC.showError(error, e); }
    }

    async function remove(item) {
      SC.showError(error, null);
      try {
        await ctx.api("DELETE", `${base()}/items/${enc(item.productId)}?date=${enc(item.date)}`);
        await load();
      } catch (e) { SC.showError(error, e); }
    }

    const fen = (input) => (input.value.trim() === "" ? null : Math.round(Number(input.value) * 100));
    const num = (input) => (input.value.trim() === "" ? null : Number(input.value));

    settingsForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      SC.showError(error, null);
      try {
        show(await ctx.api("PUT", base(), { body: { enabled: enabled.checked, eveningAt: evening.value, closingAt: closing.value, timeZone: zone.value.trim(), pickupHours: num(pickup) } }));
        status.textContent = SC.t("clearance.saved");
        SC.toast(SC.t("clearance.saved"));
      } catch (e) { SC.showError(error, e); }
    });

    itemForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      SC.showError(error, null);
      try {
        await ctx.api("POST", base() + "/items", { body: {
          productId: product.value, priceFen: fen(price), clearancePriceFen: fen(clearancePrice), discountPercent: num(discount),
          quantity: num(quantity), perMemberLimit: num(limit),
        } });
        clearancePrice.value = ""; discount.value = ""; quantity.value = ""; limit.value = "";
        await load();
      } catch (e) { SC.showError(error, e); }
    });

    ctx.api("GET", `/api/chains/${enc(me.chainId)}/products`).then((products) => {
      SC.fill(product, products.map((p) => h("option", { value: p.productId }, p.name)));
    }).catch((e) => SC.showError(error, e));
    if (isAdmin) {
      ctx.api("GET", `/api/chains/${enc(me.chainId)}/stores`).then((stores) => {
        SC.fill(storeSelect, stores.map((s) => h("option", { value: s.storeId }, s.name)));
        storeSelect.addEventListener("change", load);
        load();
      }).catch((e) => SC.showError(error, e));
    } else {
      load();
    }
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "clearance", navKey: "nav.clearance", roles: ["admin", "leader"], render }],
  });
})();
