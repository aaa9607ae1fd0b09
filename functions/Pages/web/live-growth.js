// The live room's 我的 panel: the member's level, points balance and history, and their referral code with a share
// link to copy. Loaded before live.js, which announces who is signed in with a "sc:member" event.
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "growth.title": "我的", "growth.level": "{level} · {balance} 积分", "growth.next": "再得 {points} 积分升级为「{level}」",
      "growth.top": "已是最高等级", "growth.privileges": "等级特权：{list}", "growth.code": "我的邀请码", "growth.link": "邀请链接",
      "growth.copy": "复制链接", "growth.copyCode": "复制邀请码", "growth.copied": "已复制，发到邻居群吧",
      "growth.noCampaign": "门店暂无即将开始的直播，可以先把邀请码发给邻居。",
      "growth.invited": "已邀请 {referred} 位邻居，{rewarded} 位首单已自提（双方得积分）",
      "growth.history": "积分明细", "growth.noHistory": "还没有积分记录。下单自提、评价晒单、邀请邻居都能得积分。",
      "growth.reason.purchase": "购物", "growth.reason.review": "评价", "growth.reason.photos": "晒单照片",
      "growth.reason.referral": "邀请奖励", "growth.reason.referred": "新人奖励", "growth.reason.adjustment": "积分调整",
      "growth.reason.refund": "售后退款扣回",
      "growth.refresh": "刷新",
      "growth.shoutTitle": "🎉 老带新之星", "growth.shoutLine": "第 {rank} 名 {name} 邀请了 {n} 位邻居",
      "growth.shoutThanks": "感谢邀请邻居一起团购！", "growth.shoutClose": "关闭",
    },
    en: {
      "growth.title": "Me", "growth.level": "{level} · {balance} points", "growth.next": "{points} more points to reach “{level}”",
      "growth.top": "Top level", "growth.privileges": "Privileges: {list}", "growth.code": "My referral code", "growth.link": "Invite link",
      "growth.copy": "Copy link", "growth.copyCode": "Copy code", "growth.copied": "Copied: share it in your neighbours' group",
      "growth.noCampaign": "No live is planned at your store yet; share your code meanwhile.",
      "growth.invited": "{referred} neighbours joined with your code; {rewarded} picked up their first order (points for both)",
      "growth.history": "Points history", "growth.noHistory": "No points yet. Pick up orders, review with photos and invite neighbours to earn.",
      "growth.reason.purchase": "Purchase", "growth.reason.review": "Review", "growth.reason.photos": "Review photos",
      "growth.reason.referral": "Referral reward", "growth.reason.referred": "Welcome reward", "growth.reason.adjustment": "Adjustment",
      "growth.reason.refund": "After-sale refund",
      "growth.refresh": "Refresh",
      "growth.shoutTitle": "🎉 Top referrers", "growth.shoutLine": "No. {rank} {name} brought {n} neighbours",
      "growth.shoutThanks": "Thank you for bringing your neighbours!", "growth.shoutClose": "Close",
    },
  });

  const h = SC.el;
  let token = null;
  let data = null;

  const card = h("section", { id: "growth-card", class: "card", "aria-labelledby": "growth-title", hidden: true },
    h("h2", { id: "growth-title", "data-i18n": "growth.title" }, SC.t("growth.title")),
    h("p", { id: "growth-level", class: "strong" }), h("p", { id: "growth-next", class: "muted" }), h("p", { id: "growth-privileges", class: "muted" }),
    h("div", { class: "referral" },
      h("p", {}, h("span", { "data-i18n": "growth.code" }, SC.t("growth.code")), " ", h("strong", { id: "growth-code" }),
        " ", h("button", { type: "button", id: "growth-copy-code", class: "link-button", "data-i18n": "growth.copyCode" }, SC.t("growth.copyCode"))),
      h("label", { for: "growth-link", "data-i18n": "growth.link" }, SC.t("growth.link")),
      h("div", { class: "row" }, h("input", { id: "growth-link", readonly: true, spellcheck: "false" }),
        h("button", { type: "button", id: "growth-copy", class: "primary", "data-i18n": "growth.copy" }, SC.t("growth.copy"))),
      h("p", { id: "growth-no-campaign", class: "muted", hidden: true, "data-i18n": "growth.noCampaign" }, SC.t("growth.noCampaign")),
      h("p", { id: "growth-invited", class: "muted" })),
    h("h3", { "data-i18n": "growth.history" }, SC.t("growth.history")),
    h("ol", { id: "growth-history", class: "list-plain" }),
    h("p", { id: "growth-empty", class: "muted", hidden: true, "data-i18n": "growth.noHistory" }, SC.t("growth.noHistory")),
    h("button", { type: "button", id: "growth-refresh", class: "link-button", "data-i18n": "growth.refresh" }, SC.t("growth.refresh")));
  const $ = (id) => card.querySelector("#" + id);

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const area = h("textarea", { class: "sr-only", "aria-hidden": "true" }, text);
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    SC.toast(SC.t("growth.copied"));
  }

  function draw() {
    card.hidden = !token || !data;
    if (card.hidden) return;
    const { points, referral } = data;
    $("growth-level").textContent = SC.t("growth.level", { level: points.level.name, balance: points.balance });
    $("growth-next").textContent = points.nextLevel
      ? SC.t("growth.next", { points: points.pointsToNextLevel, level: points.nextLevel.name }) : SC.t("growth.top");
    const privileges = points.level.privileges || [];
    $("growth-privileges").hidden = privileges.length === 0;
    $("growth-privileges").textContent = SC.t("growth.privileges", { list: privileges.join("、") });
    $("growth-code").textContent = referral.referralCode;
    $("growth-link").value = referral.shareUrl || "";
    $("growth-link").parentElement.hidden = !referral.shareUrl;
    $("growth-no-campaign").hidden = !!referral.shareUrl;
    $("growth-invited").textContent = SC.t("growth.invited", { referred: referral.referred, rewarded: referral.rewarded });
    SC.fill($("growth-history"), points.entries.slice(0, 20).map((e) => h("li", { "data-reason": e.reason },
      h("span", {}, SC.t("growth.reason." + e.reason) + (e.note ? " · " + e.note : "")), " ",
      h("strong", { class: e.amount < 0 ? "danger" : "success" }, (e.amount > 0 ? "+" : "") + e.amount), " ",
      h("span", { class: "muted" }, SC.formatTime(e.at)))));
    $("growth-empty").hidden = points.entries.length > 0;
  }

  async function load() {
    if (!token) { data = null; draw(); return; }
    const asked = token;
    try {
      const [points, referral] = await Promise.all([
        SC.api("GET", "/api/members/me/points", { token }), SC.api("GET", "/api/members/me/referral", { token })]);
      if (asked === token) { data = { points, referral }; draw(); }
    } catch (e) { /* the rest of the room works without it; the next sign-in or refresh tries again */ }
  }

  $("growth-copy").addEventListener("click", () => copy($("growth-link").value));
  $("growth-copy-code").addEventListener("click", () => copy($("growth-code").textContent));
  $("growth-refresh").addEventListener("click", load);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) load(); });
  SC.onLanguageChange(draw);
  document.addEventListener("sc:member", (event) => { token = event.detail.token; data = null; load(); });
  document.addEventListener("sc:points", load); // the balance moved (a review, a survey, an order with points): no reload needed

  // The leader's shout-out (event shoutOut, kind "referrers"): a card in the page flow above the sale, so it never
  // covers the order buttons, shown for SHOUT_MS and announced politely to screen readers.
  const SHOUT_MS = 30000;
  let shout = null;
  let shoutTimer = 0;
  const banner = h("section", { id: "shout-out", class: "card notice shout-out", role: "status", "aria-live": "polite", "aria-labelledby": "shout-out-title", hidden: true },
    h("h2", { id: "shout-out-title", "data-i18n": "growth.shoutTitle" }, SC.t("growth.shoutTitle")),
    h("ul", { id: "shout-out-list", class: "list-plain" }),
    h("p", { class: "muted", "data-i18n": "growth.shoutThanks" }, SC.t("growth.shoutThanks")),
    h("button", { type: "button", id: "shout-out-close", class: "link-button", "data-i18n": "growth.shoutClose" }, SC.t("growth.shoutClose")));

  function drawShout() {
    banner.hidden = !shout;
    if (!shout) return;
    SC.fill(banner.querySelector("#shout-out-list"), shout.referrers.map((r) =>
      h("li", { "data-rank": String(r.rank) }, SC.t("growth.shoutLine", { rank: r.rank, name: r.maskedName, n: r.referred }))));
  }

  function hideShout() { clearTimeout(shoutTimer); shout = null; drawShout(); }

  banner.querySelector("#shout-out-close").addEventListener("click", hideShout);
  SC.onLanguageChange(drawShout);
  document.addEventListener("sc:event", (event) => {
    const { target, payload } = event.detail || {};
    if (target !== "shoutOut" || !payload || payload.kind !== "referrers" || !Array.isArray(payload.referrers)) return;
    clearTimeout(shoutTimer);
    shout = payload;
    drawShout();
    shoutTimer = setTimeout(hideShout, SHOUT_MS);
  });
  function placeShout() {
    const anchor = document.getElementById("flash") || document.getElementById("items-card");
    if (anchor) anchor.before(banner); else (document.getElementById("app") || document.body).prepend(banner);
  }
  document.addEventListener("DOMContentLoaded", () => {
    const orders = document.getElementById("orders-card");
    if (orders) orders.after(card); else document.getElementById("app").append(card);
    placeShout();
  });
  if (document.readyState !== "loading") {
    (document.getElementById("orders-card") || document.body).after(card);
    placeShout();
  }
})();
