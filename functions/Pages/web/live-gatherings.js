// The live room's offline gatherings (线下活动): the gatherings the leader announced in this room, with 报名 / 候补 /
// 已报名 for the signed-in member and her private check-in code (签到码). live.js hands over the live event
// gatheringAnnounced as a DOM event (sc:event) and tells this script who is signed in (sc:member).
"use strict";

(function () {
  const h = SC.el;
  const campaignId = decodeURIComponent((location.pathname.split("/")[2] || "").trim());

  SC.addStrings({
    zh: {
      "gathering.heading": "线下活动", "gathering.when": "时间：{start} – {end}", "gathering.place": "地点：{place}",
      "gathering.seats": "名额 {capacity} · 剩余 {left}", "gathering.waiting": " · 候补 {n} 人", "gathering.deadline": "报名截止：{at}",
      "gathering.signUp": "报名", "gathering.joinWaitlist": "候补", "gathering.signedUp": "已报名", "gathering.waitlisted": "候补中 · 第 {n} 位",
      "gathering.code": "签到码", "gathering.codeHint": "到场时出示给团长签到，请勿告诉他人。", "gathering.checkedIn": "已签到",
      "gathering.cancelSignup": "取消报名", "gathering.closed": "报名已截止", "gathering.cancelled": "活动已取消",
      "gathering.signInFirst": "登录后即可报名", "gathering.done": "报名成功！", "gathering.doneWaitlist": "名额已满，已为您候补。",
      "gathering.undone": "已取消报名。", "gathering.new": "团长发布了新活动：{title}",
      "gathering.err.signup-closed": "报名已截止。", "gathering.err.waitlist-full": "名额和候补都已满，下次早点来哦。",
    },
    en: {
      "gathering.heading": "Offline events", "gathering.when": "Time: {start} – {end}", "gathering.place": "Place: {place}",
      "gathering.seats": "{capacity} seats · {left} left", "gathering.waiting": " · {n} waiting", "gathering.deadline": "Sign up by {at}",
      "gathering.signUp": "Sign up", "gathering.joinWaitlist": "Join the waitlist", "gathering.signedUp": "Signed up", "gathering.waitlisted": "Waitlisted · No. {n}",
      "gathering.code": "Check-in code", "gathering.codeHint": "Show it to the leader at the door; keep it to yourself.", "gathering.checkedIn": "Checked in",
      "gathering.cancelSignup": "Cancel sign-up", "gathering.closed": "Sign-up closed", "gathering.cancelled": "Cancelled",
      "gathering.signInFirst": "Sign in to sign up", "gathering.done": "You are signed up!", "gathering.doneWaitlist": "Every seat is taken; you are on the waitlist.",
      "gathering.undone": "Sign-up cancelled.", "gathering.new": "New event from the leader: {title}",
      "gathering.err.signup-closed": "Sign-up has closed.", "gathering.err.waitlist-full": "Every seat and the waitlist are full.",
    },
  });

  const card = h("section", { id: "gatherings", class: "card gatherings", "aria-labelledby": "gatherings-title", hidden: true },
    h("h2", { id: "gatherings-title", "data-i18n": "gathering.heading" }, SC.t("gathering.heading")), h("div", { id: "gathering-list" }));
  const anchor = document.getElementById("member") || document.getElementById("items-card");
  if (anchor) anchor.before(card); else document.getElementById("app").append(card);

  const gatherings = new Map();
  const mine = new Map();
  let token = null;
  let currentToken = () => token;

  async function loadAll() {
    try {
      const list = await SC.api("GET", "/api/campaigns/" + encodeURIComponent(campaignId) + "/gatherings");
      gatherings.clear();
      list.forEach((g) => gatherings.set(g.gatheringId, g));
      if (list[0] && list[0].timeZone) SC.setTimeZone(list[0].timeZone);
    } catch (e) { /* keep what is shown; the next refresh tries again */ }
    await loadMine();
  }

  async function loadMine() {
    mine.clear();
    if (token) {
      for (const id of gatherings.keys()) {
        try { mine.set(id, await SC.api("GET", `/api/gatherings/${encodeURIComponent(id)}/signup/mine`, { token: currentToken() })); } catch (e) { /* shown without her state */ }
      }
    }
    draw();
  }

  function draw() {
    const list = Array.from(gatherings.values());
    card.hidden = list.length === 0;
    SC.fill(document.getElementById("gathering-list"), list.map(item));
  }

  function item(g) {
    const m = mine.get(g.gatheringId);
    const status = m ? m.status : "none";
    const error = h("div", { class: "error", role: "alert", hidden: true });
    const facts = h("p", { class: "muted" }, SC.t("gathering.seats", { capacity: g.capacity, left: g.seatsLeft }), g.waiting ? SC.t("gathering.waiting", { n: g.waiting }) : "");
    const parts = [
      h("h3", {}, g.title),
      g.description ? h("p", {}, g.description) : null,
      h("p", {}, SC.t("gathering.when", { start: SC.formatTime(g.startAt), end: SC.formatTime(g.endAt) })),
      h("p", {}, SC.t("gathering.place", { place: g.place })),
      facts,
      g.signupOpen ? h("p", { class: "muted" }, SC.t("gathering.deadline", { at: SC.formatTime(g.signupDeadline) })) : null,
    ];
    let action = null;
    if (g.status === "cancelled") action = h("p", { class: "gathering-state" }, SC.t("gathering.cancelled"));
    else if (status === "confirmed") {
      parts.push(h("p", { class: "gathering-state success", "data-state": "confirmed" }, "✓ ", m.checkedInAt ? SC.t("gathering.checkedIn") : SC.t("gathering.signedUp")));
      if (m.checkInCode && !m.checkedInAt) {
        parts.push(h("div", { class: "gathering-code" },
          h("span", { class: "muted" }, SC.t("gathering.code")), h("strong", { class: "gathering-code-value", "aria-label": SC.t("gathering.code") }, m.checkInCode),
          h("small", { class: "muted" }, SC.t("gathering.codeHint"))));
      }
    } else if (status === "waitlisted") {
      parts.push(h("p", { class: "gathering-state", "data-state": "waitlisted" }, SC.t("gathering.waitlisted", { n: m.waitlistPosition })));
    } else if (!g.signupOpen) action = h("p", { class: "gathering-state" }, SC.t("gathering.closed"));
    else if (!token) action = h("p", { class: "muted" }, SC.t("gathering.signInFirst"));
    else {
      action = h("button", { type: "button", class: "primary gathering-signup" }, g.seatsLeft > 0 ? SC.t("gathering.signUp") : SC.t("gathering.joinWaitlist"));
      action.addEventListener("click", async () => {
        action.disabled = true;
        SC.showError(error, null);
        try {
          const r = await SC.api("POST", `/api/gatherings/${encodeURIComponent(g.gatheringId)}/signup`, { token: currentToken() });
          SC.toast(r.status === "confirmed" ? SC.t("gathering.done") : SC.t("gathering.doneWaitlist"));
          await refresh(g.gatheringId);
        } catch (e) { SC.showError(error, friendly(e)); action.disabled = false; }
      });
    }
    if ((status === "confirmed" && !m.checkedInAt) || status === "waitlisted") {
      const undo = h("button", { type: "button", class: "link gathering-cancel" }, SC.t("gathering.cancelSignup"));
      undo.addEventListener("click", async () => {
        undo.disabled = true;
        try {
          await SC.api("DELETE", `/api/gatherings/${encodeURIComponent(g.gatheringId)}/signup`, { token: currentToken() });
          SC.toast(SC.t("gathering.undone"));
          await refresh(g.gatheringId);
        } catch (e) { SC.showError(error, e); undo.disabled = false; }
      });
      parts.push(h("div", { class: "actions" }, undo));
    }
    return h("article", { class: "gathering", "data-gathering-id": g.gatheringId, "data-status": status }, parts, action ? h("div", { class: "actions" }, action) : null, error);
  }

  /** Her words for the gathering's refusals (the API's detail is English). */
  function friendly(e) {
    const key = "gathering.err." + (e && e.code);
    if (e && e.code && SC.t(key) !== key) e.message = SC.t(key);
    return e;
  }

  async function refresh(id) {
    try { gatherings.set(id, await SC.api("GET", "/api/gatherings/" + encodeURIComponent(id))); } catch (e) { /* keep */ }
    if (token) {
      try { mine.set(id, await SC.api("GET", `/api/gatherings/${encodeURIComponent(id)}/signup/mine`, { token: currentToken() })); } catch (e) { /* keep */ }
    }
    draw();
  }

  document.addEventListener("sc:event", (event) => {
    const { target, payload } = event.detail || {};
    if (target !== "gatheringAnnounced" || !payload || !payload.gatheringId) return;
    const isNew = !gatherings.has(payload.gatheringId);
    gatherings.set(payload.gatheringId, payload);
    if (isNew) SC.toast(SC.t("gathering.new", { title: payload.title }));
    refresh(payload.gatheringId);
  });
  document.addEventListener("sc:member", (event) => {
    const next = (event.detail && event.detail.token) || null;
    if (event.detail && typeof event.detail.currentToken === "function") currentToken = event.detail.currentToken;
    if (next === token) return;
    token = next;
    loadMine();
  });
  SC.onLanguageChange(draw);
  loadAll();
  setInterval(loadAll, 60_000);
})();
