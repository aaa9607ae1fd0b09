// The console's campaign editing add-on: 编辑开团 (PATCH, before the live) and 复制为新开团 (duplicate) on the campaign
// page. Registers in window.SCConsoleExtensions (campaignPage hook); plain browser JavaScript on top of common.js.
"use strict";

(function () {
  const h = SC.el;
  const $ = (selector, root) => (root || document).querySelector(selector);
  const enc = encodeURIComponent;
  const tx = (tag, key, attrs, vars) => h(tag, Object.assign({ "data-i18n": vars ? null : key }, attrs || {}), SC.t(key, vars));
  const labelled = (id, key, attrs, tag) => h("div", { class: "field" }, tx("label", key, { for: id }), h(tag || "input", Object.assign({ id, name: id }, attrs || {})));

  SC.addStrings({
    zh: {
      "edit.heading": "编辑开团", "edit.hint": "开播前可以修改标题、时间、价格和库存；开播后请改用“复制为新开团”。", "edit.title": "标题",
      "edit.start": "开播时间", "edit.end": "结束时间", "edit.item": "商品", "edit.price": "团购价（元）", "edit.livePrice": "直播价（元）",
      "edit.stock": "库存", "edit.save": "保存修改", "edit.saved": "已保存，定时任务已按新时间重新安排。", "edit.yuanInvalid": "请输入金额，例如 29.90。",
      "dup.heading": "复制为新开团", "dup.hint": "用同样的商品、价格和库存开一场新的团，预热默认在开播前 48 小时。", "dup.submit": "复制为新开团",
      "dup.done": "已复制为新的草稿。",
    },
    en: {
      "edit.heading": "Edit campaign", "edit.hint": "Before the live you can change title, times, prices and stock; after it, duplicate instead.", "edit.title": "Title",
      "edit.start": "Live starts", "edit.end": "Live ends", "edit.item": "Item", "edit.price": "Group price (yuan)", "edit.livePrice": "Live price (yuan)",
      "edit.stock": "Stock", "edit.save": "Save changes", "edit.saved": "Saved; the timers follow the new times.", "edit.yuanInvalid": "Enter an amount, e.g. 29.90.",
      "dup.heading": "Duplicate as a new campaign", "dup.hint": "Same items, prices and stock in a new draft; preheat defaults to 48 h before the live.", "dup.submit": "Duplicate",
      "dup.done": "Duplicated into a new draft.",
    },
  });

  function campaignPage(root, campaignId, ctx) {
    const path = "/api/campaigns/" + enc(campaignId);
    const editCard = h("section", { class: "card", id: "campaign-edit", hidden: true });
    const dupCard = h("section", { class: "card", id: "campaign-duplicate" });
    root.append(editCard, dupCard);

    ctx.api("GET", path).then((c) => {
      if (c.phase === "draft" || c.phase === "preheat") drawEdit(c);
      drawDuplicate(c);
    }).catch(() => {});

    function drawEdit(c) {
      const error = h("div", { class: "error", role: "alert", id: "edit-error", hidden: true });
      const rows = c.items.map((i) => h("tr", { "data-item-id": i.itemId, "data-product-id": i.productId },
        h("td", {}, i.name),
        h("td", {}, h("input", { name: "priceFen", value: SC.yuan(i.priceFen), inputmode: "decimal", "aria-label": i.name + " " + SC.t("edit.price") })),
        h("td", {}, h("input", { name: "livePriceFen", value: i.livePriceFen != null ? SC.yuan(i.livePriceFen) : "", inputmode: "decimal", "aria-label": i.name + " " + SC.t("edit.livePrice") })),
        h("td", {}, h("input", { name: "stock", type: "number", min: Math.max(1, i.sold), value: String(i.stock), "aria-label": i.name + " " + SC.t("edit.stock") }))));
      const form = h("form", { id: "edit-form" },
        labelled("edit-title", "edit.title", { value: c.title, maxlength: 80 }),
        h("div", { class: "row" },
          labelled("edit-start", "edit.start", { type: "datetime-local", value: SC.toLocalInput(c.liveStartAt) }),
          labelled("edit-end", "edit.end", { type: "datetime-local", value: SC.toLocalInput(c.liveEndAt) })),
        h("div", { class: "table-wrap" }, h("table", { id: "edit-items" },
          h("thead", {}, h("tr", {}, tx("th", "edit.item"), tx("th", "edit.price"), tx("th", "edit.livePrice"), tx("th", "edit.stock"))),
          h("tbody", {}, rows))),
        error,
        h("div", { class: "actions" }, tx("button", "edit.save", { type: "submit", class: "primary", id: "edit-save" })));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        SC.showError(error, null, form);
        const items = [];
        for (const row of rows) {
          const original = c.items.find((i) => i.itemId === row.dataset.itemId);
          const price = SC.toFen(row.querySelector("[name=priceFen]").value);
          const liveText = row.querySelector("[name=livePriceFen]").value.trim();
          const live = liveText ? SC.toFen(liveText) : null;
          if (Number.isNaN(price) || Number.isNaN(live)) { SC.showError(error, new Error(SC.t("edit.yuanInvalid"))); return; }
          items.push({ productId: row.dataset.productId, priceFen: price, livePriceFen: live, stock: Number(row.querySelector("[name=stock]").value),
            minGroupSize: original.minGroupSize, perMemberLimit: original.perMemberLimit, memberPriceFen: original.memberPriceFen ?? null });
        }
        const button = $("#edit-save", form);
        button.disabled = true;
        try {
          await ctx.api("PATCH", path, { body: { title: $("#edit-title", form).value.trim(), liveStartAt: SC.fromLocalInput($("#edit-start", form).value),
            liveEndAt: SC.fromLocalInput($("#edit-end", form).value), items } });
          SC.toast(SC.t("edit.saved"));
          window.dispatchEvent(new HashChangeEvent("hashchange")); // draw the campaign page again with what was saved
        } catch (e) { SC.showError(error, e, form); button.disabled = false; }
      });
      SC.fill(editCard, tx("h3", "edit.heading"), tx("p", "edit.hint", { class: "hint" }), form);
      editCard.hidden = false;
    }

    function drawDuplicate(c) {
      const error = h("div", { class: "error", role: "alert", id: "dup-error", hidden: true });
      const week = (iso) => SC.toLocalInput(new Date(Math.max(Date.now() + 86_400_000, Date.parse(iso) + 7 * 86_400_000)).toISOString());
      const start = h("input", { id: "dup-start", type: "datetime-local", value: week(c.liveStartAt) });
      const end = h("input", { id: "dup-end", type: "datetime-local", value: week(c.liveEndAt) });
      let key = null;
      const form = h("form", { id: "dup-form" },
        h("div", { class: "row" },
          h("div", { class: "field" }, tx("label", "edit.start", { for: "dup-start" }), start),
          h("div", { class: "field" }, tx("label", "edit.end", { for: "dup-end" }), end)),
        error,
        h("div", { class: "actions" }, tx("button", "dup.submit", { type: "submit", id: "dup-submit" })));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        SC.showError(error, null, form);
        key = key || SC.newKey(); // one intent, one copy, however often the button is pressed
        try {
          const copy = await ctx.api("POST", path + "/duplicate", { body: { liveStartAt: SC.fromLocalInput(start.value), liveEndAt: SC.fromLocalInput(end.value) }, idempotencyKey: key });
          SC.toast(SC.t("dup.done"));
          location.hash = "#/campaigns/" + enc(copy.campaignId);
        } catch (e) { key = null; SC.showError(error, e, form); }
      });
      SC.fill(dupCard, tx("h3", "dup.heading"), tx("p", "dup.hint", { class: "hint" }), form);
    }
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({ campaignPage });
})();
