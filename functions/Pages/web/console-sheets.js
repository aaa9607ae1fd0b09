// 采购汇总 and 自提单: the #/sheets view. The supplier purchase sheet (units per product across the chain's campaigns
// and stores, GET /api/chains/{chainId}/sheets/purchase) and the per-store pickup sheet (GET
// /api/stores/{storeId}/sheets/pickup), each shown as a table and downloaded as Excel (.xlsx) or CSV.
// Loaded before console.js, which renders the view through window.SCConsoleExtensions.
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "nav.sheets": "采购与自提单", "sheets.heading": "采购汇总与自提单",
      "sheets.purchase": "采购汇总（给供应商）", "sheets.purchaseIntro": "按直播开始时间统计所选日期内各场开团的商品件数，分门店列出；已取消的不计。待成团的件数在截单后才确定。",
      "sheets.pickup": "门店自提单", "sheets.pickupIntro": "所选日期内开播的各场开团中已成团的自提订单，每位邻居每场一行，待提货的排在前面（按手机尾号）。不含提货码。",
      "sheets.from": "开始日期", "sheets.to": "结束日期（不含）", "sheets.store": "门店", "sheets.allStores": "全部门店",
      "sheets.show": "查看", "sheets.xlsx": "下载 Excel", "sheets.csv": "下载 CSV",
      "sheets.product": "商品", "sheets.confirmed": "已成团(件)", "sheets.placed": "待成团(件)", "sheets.units": "合计(件)", "sheets.campaigns": "团数",
      "sheets.tail": "尾号", "sheets.member": "会员", "sheets.campaign": "团购", "sheets.items": "商品", "sheets.count": "件数", "sheets.status": "状态",
      "sheets.waiting": "待提货", "sheets.pickedUp": "已提货", "sheets.summary": "{campaigns} 场开团 · 待提货 {waiting} 人 · 已提货 {done} 人",
      "sheets.purchaseSummary": "{campaigns} 场开团 · {products} 种商品", "sheets.waitingTotals": "待提货合计：{items}",
      "sheets.empty": "这段时间没有可统计的订单。",
    },
    en: {
      "nav.sheets": "Sheets", "sheets.heading": "Purchase and pickup sheets",
      "sheets.purchase": "Purchase sheet (for suppliers)", "sheets.purchaseIntro": "Units per product of the campaigns whose live starts in the dates chosen, per store; cancelled lines never count. Placed units are decided at close.",
      "sheets.pickup": "Store pickup sheet", "sheets.pickupIntro": "Confirmed pickup orders of the store's campaigns live in the dates chosen: one row per neighbour per campaign, waiting bags first (by phone tail). No pickup codes.",
      "sheets.from": "From", "sheets.to": "To (exclusive)", "sheets.store": "Store", "sheets.allStores": "All stores",
      "sheets.show": "Show", "sheets.xlsx": "Download Excel", "sheets.csv": "Download CSV",
      "sheets.product": "Product", "sheets.confirmed": "Confirmed", "sheets.placed": "Placed", "sheets.units": "Units", "sheets.campaigns": "Campaigns",
      "sheets.tail": "Tail", "sheets.member": "Member", "sheets.campaign": "Campaign", "sheets.items": "Items", "sheets.count": "Units", "sheets.status": "Status",
      "sheets.waiting": "Waiting", "sheets.pickedUp": "Picked up", "sheets.summary": "{campaigns} campaigns · {waiting} waiting · {done} picked up",
      "sheets.purchaseSummary": "{campaigns} campaigns · {products} products", "sheets.waitingTotals": "Waiting in total: {items}",
      "sheets.empty": "No orders to count in these dates.",
    },
  });

  const h = SC.el;
  const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));
  const day = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const addDays = (d, n) => { const c = new Date(d); c.setDate(c.getDate() + n); return c; };

  function table(id, headKeys, rows) {
    return h("table", { id, class: "data" },
      h("thead", {}, h("tr", {}, ...headKeys.map((k) => tx("th", k, { scope: "col" })))),
      h("tbody", {}, ...rows));
  }

  /** A sheet card: dates (and a store for HQ), 查看, the table, and the two downloads. */
  function sheetCard(k, o) {
    const { state, api, field, errorBox, onSubmit } = k;
    const today = new Date();
    const admin = state.me.role === "admin";
    const from = field(o.id + "-from", "sheets.from", { type: "date", value: day(addDays(today, o.fromDays)) });
    const to = field(o.id + "-to", "sheets.to", { type: "date", value: day(addDays(today, o.toDays)) });
    let store = null;
    if (admin) {
      store = field(o.id + "-store", "sheets.store", {}, "select");
      const select = store.querySelector("select");
      if (o.allStores) select.append(tx("option", "sheets.allStores", { value: "" }));
      for (const s of state.stores) select.append(h("option", { value: s.storeId }, s.name));
    }
    const result = h("div", { id: o.id + "-result", "aria-live": "polite" });
    const xlsx = tx("button", "sheets.xlsx", { type: "button", id: o.id + "-xlsx" });
    const csv = tx("button", "sheets.csv", { type: "button", id: o.id + "-csv" });
    const form = h("form", { id: o.id + "-form", class: "inline-form" }, from, to, store, errorBox(o.id + "-error"),
      h("div", { class: "actions" }, tx("button", "sheets.show", { type: "submit", class: "primary", id: o.id + "-show" }), xlsx, csv));

    const query = () => {
      const storeId = admin ? store.querySelector("select").value : state.me.storeId;
      const params = new URLSearchParams();
      params.set("from", from.querySelector("input").value);
      params.set("to", to.querySelector("input").value);
      if (o.id === "purchase" && storeId) params.set("storeId", storeId);
      if (SC.lang && SC.lang() === "en") params.set("lang", "en");
      return { path: o.path(storeId), params, storeId };
    };
    const fileName = (ext) => {
      const q = query();
      return `${o.file}-${q.params.get("from")}-${q.params.get("to")}.${ext}`;
    };
    xlsx.addEventListener("click", () => { const q = query(); q.params.set("format", "xlsx"); k.download(`${q.path}?${q.params}`, fileName("xlsx"), xlsx); });
    csv.addEventListener("click", () => { const q = query(); q.params.set("format", "csv"); k.download(`${q.path}?${q.params}`, fileName("csv"), csv); });
    onSubmit(form, form.querySelector("#" + o.id + "-error"), async () => {
      const q = query();
      SC.fill(result, o.draw(await api("GET", `${q.path}?${q.params}`)));
    });
    return h("section", { class: "card", id: o.id + "-sheet" }, tx("h3", o.titleKey), tx("p", o.introKey, { class: "hint" }), form, result);
  }

  function drawPurchase(sheet) {
    if (!sheet.products.length) return tx("p", "sheets.empty", { class: "muted", id: "purchase-empty" });
    const rows = [];
    for (const p of sheet.products) {
      rows.push(h("tr", { class: "sheet-total", "data-product": p.productId },
        h("th", { scope: "row" }, p.name), tx("td", "sheets.allStores"), h("td", {}, String(p.confirmedUnits)), h("td", {}, String(p.placedUnits)),
        h("td", {}, String(p.confirmedUnits + p.placedUnits)), h("td", {}, String(p.campaigns))));
      for (const s of p.stores) {
        rows.push(h("tr", { class: "sheet-store", "data-product": p.productId, "data-store": s.storeId },
          h("td", {}, ""), h("td", {}, s.storeName), h("td", {}, String(s.confirmedUnits)), h("td", {}, String(s.placedUnits)),
          h("td", {}, String(s.confirmedUnits + s.placedUnits)), h("td", {}, String(s.campaigns))));
      }
    }
    return h("div", {},
      h("p", { class: "hint", id: "purchase-summary" }, SC.t("sheets.purchaseSummary", { campaigns: sheet.campaignCount, products: sheet.products.length })),
      table("purchase-table", ["sheets.product", "sheets.store", "sheets.confirmed", "sheets.placed", "sheets.units", "sheets.campaigns"], rows));
  }

  function drawPickup(sheet) {
    if (!sheet.rows.length) return tx("p", "sheets.empty", { class: "muted", id: "pickup-empty" });
    const rows = sheet.rows.map((r) => h("tr", { class: "sheet-row " + r.status, "data-status": r.status },
      h("td", { class: "tail" }, r.phoneTail || SC.t("common.dash")), h("td", {}, r.memberName), h("td", {}, r.campaignTitle),
      h("td", {}, r.items.map((i) => `${i.name}×${i.quantity}`).join("、")), h("td", {}, String(r.units)),
      tx("td", r.status === "pickedUp" ? "sheets.pickedUp" : "sheets.waiting")));
    return h("div", {},
      h("p", { class: "hint", id: "pickup-summary" }, SC.t("sheets.summary", { campaigns: sheet.campaignCount, waiting: sheet.waiting, done: sheet.pickedUp })),
      sheet.waitingTotals.length
        ? h("p", { id: "pickup-totals" }, SC.t("sheets.waitingTotals", { items: sheet.waitingTotals.map((i) => `${i.name}×${i.quantity}`).join("、") }))
        : null,
      table("pickup-table", ["sheets.tail", "sheets.member", "sheets.campaign", "sheets.items", "sheets.count", "sheets.status"], rows));
  }

  function render(app, k) {
    const chainId = encodeURIComponent(k.state.me.chainId);
    SC.fill(app, k.viewTitle("sheets.heading"),
      sheetCard(k, {
        id: "purchase", titleKey: "sheets.purchase", introKey: "sheets.purchaseIntro", fromDays: 0, toDays: 7, allStores: true, file: "purchase",
        path: () => `/api/chains/${chainId}/sheets/purchase`, draw: drawPurchase,
      }),
      sheetCard(k, {
        id: "pickup", titleKey: "sheets.pickup", introKey: "sheets.pickupIntro", fromDays: -14, toDays: 1, allStores: false, file: "pickup",
        path: (storeId) => `/api/stores/${encodeURIComponent(storeId || "")}/sheets/pickup`, draw: drawPickup,
      }));
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "sheets", navKey: "nav.sheets", roles: ["admin", "leader"], render }],
  });
})();
