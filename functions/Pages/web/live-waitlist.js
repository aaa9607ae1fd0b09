// The live room's 候补 (waitlist): a sold-out item card offers 候补, shows 排队中（第N位）, and when units come back to
// her turn a claim banner “轮到你了，X分钟内下单” with a button that orders. Loaded before live.js, which announces the
// campaign (sc:campaign) and who is signed in (sc:member), hands over notifications (sc:event) and orders on sc:order.
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "waitlist.join": "候补", "waitlist.joinName": "候补 {name}", "waitlist.waiting": "排队中（第{n}位）", "waitlist.leave": "取消候补",
      "waitlist.claim": "轮到你了，{m}分钟内下单", "waitlist.claimOrder": "立即下单", "waitlist.signIn": "请先加入门店会员，再候补。",
      "waitlist.joined": "已加入候补，有货时按顺序为你保留。", "waitlist.left": "已取消候补。", "waitlist.failed": "候补失败：{message}",
      "waitlist.hint": "有人取消时，按候补顺序为你保留",
    },
    en: {
      "waitlist.join": "Waitlist", "waitlist.joinName": "Join the waitlist for {name}", "waitlist.waiting": "On the waitlist (No. {n})", "waitlist.leave": "Leave waitlist",
      "waitlist.claim": "Your turn: order within {m} min", "waitlist.claimOrder": "Order now", "waitlist.signIn": "Join the store as a member first.",
      "waitlist.joined": "You are on the waitlist; units that come back are held in turn.", "waitlist.left": "You left the waitlist.", "waitlist.failed": "Waitlist failed: {message}",
      "waitlist.hint": "When someone cancels, units are held in waitlist order",
    },
  });

  const h = SC.el;
  let token = null;
  let currentToken = () => token;
  let campaign = null;
  let places = new Map(); // itemId → { status, position, claimUntil, quantity }
  let busy = false;
  let timer = null;

  const campaignId = () => campaign && campaign.campaignId;
  const live = () => campaign && campaign.phase === "live";

  async function load() {
    const t = currentToken();
    if (!t || !campaignId()) { places = new Map(); render(); return; }
    try {
      const mine = await SC.api("GET", `/api/campaigns/${encodeURIComponent(campaignId())}/waitlist/mine`, { token: t });
      places = new Map((mine || []).map((p) => [p.itemId, p]));
    } catch (e) {
      places = new Map();
    }
    render();
    schedule();
  }

  // Claims end by time and places move when others order: look again while she has any.
  function schedule() {
    clearTimeout(timer);
    if (places.size === 0) return;
    const claim = [...places.values()].find((p) => p.status === "claimed");
    const ms = claim ? Math.min(15000, Math.max(1000, new Date(claim.claimUntil).getTime() - Date.now() + 1500)) : 15000;
    timer = setTimeout(() => load(), ms);
  }

  async function join(itemId) {
    const t = currentToken();
    if (!t) { SC.toast(SC.t("waitlist.signIn")); return; }
    if (busy) return;
    busy = true;
    try {
      const place = await SC.api("POST", `/api/campaigns/${encodeURIComponent(campaignId())}/items/${encodeURIComponent(itemId)}/waitlist`, { token: t });
      places.set(itemId, place);
      SC.toast(SC.t("waitlist.joined"));
    } catch (e) {
      SC.toast(SC.t("waitlist.failed", { message: e.detail || e.message || "" }));
    } finally {
      busy = false;
      render();
      schedule();
    }
  }

  async function leave(itemId) {
    const t = currentToken();
    if (!t || busy) return;
    busy = true;
    try {
      await SC.api("DELETE", `/api/campaigns/${encodeURIComponent(campaignId())}/items/${encodeURIComponent(itemId)}/waitlist`, { token: t });
      places.delete(itemId);
      SC.toast(SC.t("waitlist.left"));
    } catch (e) {
      SC.toast(SC.t("waitlist.failed", { message: e.detail || e.message || "" }));
    } finally {
      busy = false;
      render();
    }
  }

  function order(itemId) {
    // Her claim's quantity goes into the card's quantity box, then the room's usual order path orders it.
    const place = places.get(itemId);
    const qty = document.querySelector(`#items article.item[data-item-id="${CSS.escape(itemId)}"] input[name="quantity"]`);
    if (place && qty) { qty.value = String(place.quantity); qty.dispatchEvent(new Event("input", { bubbles: true })); }
    document.dispatchEvent(new CustomEvent("sc:order", { detail: { itemId } }));
    setTimeout(load, 1500);
  }

  function minutesLeft(until) {
    return Math.max(1, Math.ceil((new Date(until).getTime() - Date.now()) / 60000));
  }

  function render() {
    const box = document.getElementById("items");
    if (!box) return;
    observer.disconnect();
    box.querySelectorAll("article.item").forEach((card) => {
      const itemId = card.dataset.itemId;
      const place = places.get(itemId);
      const claimed = place && place.status === "claimed" && new Date(place.claimUntil).getTime() > Date.now();
      const soldOut = card.classList.contains("is-sold-out");
      let block = card.querySelector(".waitlist");
      const show = live() && (claimed || soldOut || place);
      if (!show) { if (block) block.remove(); return; }
      const name = (card.querySelector(".item-name") || {}).firstChild;
      const itemName = name ? name.textContent : itemId;
      const next = h("div", { class: "waitlist" + (claimed ? " waitlist-claimed" : ""), role: claimed ? "alert" : null },
        claimed
          ? [h("p", { class: "waitlist-claim strong" }, SC.t("waitlist.claim", { m: minutesLeft(place.claimUntil) })),
             h("button", { type: "button", class: "primary waitlist-order", onclick: () => order(itemId) }, SC.t("waitlist.claimOrder"))]
          : place
            ? [h("p", { class: "waitlist-position" }, SC.t("waitlist.waiting", { n: place.position })),
               h("button", { type: "button", class: "link-button waitlist-leave", onclick: () => leave(itemId) }, SC.t("waitlist.leave"))]
            : [h("button", { type: "button", class: "waitlist-join", "aria-label": SC.t("waitlist.joinName", { name: itemName }), onclick: () => join(itemId) }, SC.t("waitlist.join")),
               h("span", { class: "muted waitlist-hint" }, SC.t("waitlist.hint"))]);
      if (block && block.outerHTML === next.outerHTML) return;
      if (block) block.replaceWith(next); else card.appendChild(next);
    });
    observe();
  }

  // live.js redraws the cards (stock, sold out): follow it.
  const observer = new MutationObserver(() => { clearTimeout(render.soon); render.soon = setTimeout(render, 50); });
  function observe() {
    const box = document.getElementById("items");
    if (box) observer.observe(box, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
  }

  document.addEventListener("sc:campaign", (ev) => {
    const first = !campaign;
    campaign = ev.detail.campaign;
    if (first) load(); else render();
  });
  document.addEventListener("sc:member", (ev) => {
    token = ev.detail.token;
    if (ev.detail.currentToken) currentToken = ev.detail.currentToken;
    load();
  });
  document.addEventListener("sc:event", (ev) => {
    if (ev.detail && ev.detail.target === "notification") load();
  });
  SC.onLanguageChange(() => render());
  document.addEventListener("DOMContentLoaded", observe);
  observe();
})();
