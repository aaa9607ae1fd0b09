// The campaign poster on a campaign's console page: 「分享海报」 opens the poster PNG (GET /api/campaigns/{id}/poster,
// public) in a new tab, where a leader long-presses it on the phone to save or forward it to the neighbourhood group;
// 「下载海报」 saves it. Loaded before console.js, which calls the campaign hook through window.SCConsoleExtensions.
"use strict";

(function () {
  SC.addStrings({
    zh: { "poster.open": "分享海报", "poster.download": "下载海报", "poster.hint": "海报含开播时间、主推商品和直播间二维码，手机上长按图片即可保存或转发到群。" },
    en: { "poster.open": "Share poster", "poster.download": "Download poster", "poster.hint": "The poster shows the start time, the featured product and a QR code to the live room; on a phone, long-press it to save or forward." },
  });

  function campaignPage(root, campaignId) {
    const h = SC.el;
    const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));
    const url = `/api/campaigns/${encodeURIComponent(campaignId)}/poster`;
    const links = h("p", { class: "actions", id: "poster-links" },
      tx("a", "poster.open", { id: "poster-link", class: "button primary", href: url, target: "_blank", rel: "noopener" }),
      tx("a", "poster.download", { id: "poster-download", class: "button", href: url, download: `poster-${campaignId}.png` }));
    const hint = tx("p", "poster.hint", { class: "muted", id: "poster-hint" });
    // Under the live room link, the other way to share the campaign.
    const share = root.querySelector(".share");
    if (share) share.after(links, hint); else root.append(links, hint);
  }

  // 群接龙文案: copy-ready texts for the neighbourhood WeChat group, written from the campaign as it is now. Names in the
  // 接龙 list are masked as everywhere a group sees them (李**); prices are the ones a neighbour pays in the live.
  SC.addStrings({
    zh: {
      "texts.heading": "群发文案", "texts.hint": "复制后粘贴到邻居微信群。", "texts.copy": "复制",
      "texts.preheat": "预热（开播前两天）", "texts.live": "开播提醒", "texts.last": "截单前 5 分钟接龙",
      "texts.preheatText": "【{store}】{start} 开播：{title}\n主推 {item}，直播价 {price}（原价 {list}），限量 {stock} 份。\n点链接预约，开播提醒不错过 👉 {link}",
      "texts.liveText": "🔴 开播啦！{title}\n{item} 直播价 {price}，剩 {left} 份，手慢无 👉 {link}",
      "texts.lastText": "⏰ 还有 5 分钟截单！{title}\n已接龙：\n{list}\n还没下单的邻居抓紧 👉 {link}",
      "texts.lastEmpty": "（还没有人接龙，第一个就是你！）",
    },
    en: {
      "texts.heading": "Group texts", "texts.hint": "Copy and paste into the neighbourhood WeChat group.", "texts.copy": "Copy",
      "texts.preheat": "Preheat (two days before)", "texts.live": "Going live", "texts.last": "Last 5 minutes (接龙 list)",
      "texts.preheatText": "[{store}] Live at {start}: {title}\nFeatured: {item}, live price {price} (usually {list}), only {stock}.\nReserve here so you don't miss it 👉 {link}",
      "texts.liveText": "🔴 We're live! {title}\n{item} at {price}, {left} left 👉 {link}",
      "texts.lastText": "⏰ 5 minutes to close! {title}\nOrdered so far:\n{list}\nStill time to join 👉 {link}",
      "texts.lastEmpty": "(No orders yet: be the first!)",
    },
  });

  const mask = (name) => (name ? Array.from(name)[0] + "**" : "邻居");

  function groupTexts(root, campaignId, ctx) {
    const h = SC.el;
    const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));
    const card = h("section", { class: "card", id: "group-texts" }, tx("h3", "texts.heading"), tx("p", "texts.hint", { class: "muted" }));
    root.append(card);
    const path = "/api/campaigns/" + encodeURIComponent(campaignId);
    Promise.all([ctx.api("GET", path), ctx.api("GET", path + "/orders").catch(() => [])]).then(([c, orders]) => {
      const item = c.items.find((i) => i.itemId === c.pinnedItemId) || c.items[0];
      const link = `${location.origin}/live/${encodeURIComponent(campaignId)}`;
      const vars = {
        store: c.store ? c.store.name : "", title: c.title, start: SC.formatTime(c.liveStartAt), link,
        item: item.name, price: SC.money(item.livePriceFen ?? item.priceFen), list: SC.money(item.priceFen), stock: item.stock, left: item.remaining,
      };
      const lines = orders.filter((o) => o.status !== "cancelled").slice(0, 50)
        .map((o, n) => `${n + 1}. ${mask(o.memberName)} ${o.items.map((l) => `${l.name}×${l.quantity}`).join("、")}`);
      const texts = [
        ["preheat", SC.t("texts.preheatText", vars)],
        ["live", SC.t("texts.liveText", vars)],
        ["last", SC.t("texts.lastText", Object.assign({}, vars, { list: lines.length ? lines.join("\n") : SC.t("texts.lastEmpty") }))],
      ];
      for (const [kind, text] of texts) {
        const area = h("textarea", { id: "text-" + kind, readonly: true, rows: Math.min(12, text.split("\n").length + 1), "aria-label": SC.t("texts." + kind) }, text);
        card.append(h("div", { class: "field group-text", "data-kind": kind }, tx("label", "texts." + kind, { for: "text-" + kind }), area,
          tx("button", "texts.copy", { type: "button", onclick: () => navigator.clipboard.writeText(area.value).then(() => SC.toast(SC.t("common.copied"))).catch(() => area.select()) })));
      }
    }).catch(() => card.remove());
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({ campaignPage: (root, campaignId, ctx) => { campaignPage(root, campaignId); groupTexts(root, campaignId, ctx); } });
})();
